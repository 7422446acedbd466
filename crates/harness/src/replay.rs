//! Replaying fixtures: each case through the module, its effects compared with the expected
//! ones, and a result that says what happened as data (printed by the binary).

use std::path::{Path, PathBuf};
use std::time::Duration;

use auth0_actions::{Effect, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::engine::{ModuleRunner, Usage};
use crate::fixture::{Case, Continuation, FixtureAnswer, FixtureError, Resume};
use crate::flow::{FlowAction, FlowOutcome, FlowRequest, ListAnswers, Resumption, run_flow};
use crate::redact::Redactor;

/// How one fixture ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The effects were the expected ones (or, for an event without expectations, it ran).
    Pass,
    /// The module answered something else, refused the input, or broke a limit.
    Fail,
    /// The fixture itself could not be used.
    Error,
}

/// The result of one fixture, as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixtureResult {
    /// The fixture or events file.
    pub path: PathBuf,
    /// The line of a JSON Lines file the fixture or event came from (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Its description, else its file name or line.
    pub name: String,
    /// Pass, fail or error.
    pub status: Status,
    /// The Action of a one-Action fixture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The Actions of a flow, in order (flow fixtures and bare events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<Vec<String>>,
    /// The instant the Actions ran at, as ISO 8601.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    /// The effects the fixture expects (a one-Action fixture).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Vec<Effect>>,
    /// The effects the Action asked for (a one-Action fixture).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Vec<Effect>>,
    /// The effects the fixture expects of the continuation, after a redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_continue: Option<Vec<Effect>>,
    /// The effects the continuation asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_continue: Option<Vec<Effect>>,
    /// A flow's expected steps and final state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_flow: Option<FlowOutcome>,
    /// A flow's actual steps and final state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_flow: Option<FlowOutcome>,
    /// Why the fixture failed or could not be used, in one sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What Auth0 would silently change (cut log lines, dropped claims, oversized metadata).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What the calls used, summed over a flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// The event's number in the run's input (0-based, in the order a run reads it), when
    /// the run replays one shard of it (`--shard`): how the shards' reports merge back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

impl FixtureResult {
    /// A fixture or line that could not be used.
    pub fn error(path: PathBuf, line: Option<u64>, name: String, message: String) -> FixtureResult {
        FixtureResult {
            path,
            line,
            name,
            status: Status::Error,
            action: None,
            flow: None,
            now: None,
            expected: None,
            actual: None,
            expected_continue: None,
            actual_continue: None,
            expected_flow: None,
            actual_flow: None,
            message: Some(message),
            warnings: Vec::new(),
            usage: None,
            index: None,
        }
    }

    /// Replaces every secret value in what this result would print.
    pub fn redact(&mut self, redactor: &Redactor) {
        if redactor.is_empty() {
            return;
        }
        self.name = redactor.text(&self.name);
        if let Some(message) = &mut self.message {
            *message = redactor.text(message);
        }
        for warning in &mut self.warnings {
            *warning = redactor.text(warning);
        }
        for effects in [&mut self.expected, &mut self.actual, &mut self.expected_continue, &mut self.actual_continue].into_iter().flatten() {
            *effects = redact_effects(redactor, effects);
        }
        for flow in [&mut self.expected_flow, &mut self.actual_flow].into_iter().flatten() {
            for step in &mut flow.steps {
                step.effects = redact_effects(redactor, &step.effects);
            }
            let state = &mut flow.final_state;
            redactor.value(&mut state.app_metadata);
            redactor.value(&mut state.user_metadata);
            for claims in [&mut state.id_token_claims, &mut state.access_token_claims] {
                let mut value = Value::Object(std::mem::take(claims));
                redactor.value(&mut value);
                if let Value::Object(map) = value {
                    *claims = map;
                }
            }
            if let Some(reason) = &mut state.denied {
                *reason = redactor.text(reason);
            }
        }
    }
}

/// Effects with every secret replaced; an effect whose redacted form no longer decodes (a
/// secret in an HTTP method, say) is shown as a log line of its redacted JSON.
pub(crate) fn redact_effects(redactor: &Redactor, effects: &[Effect]) -> Vec<Effect> {
    effects
        .iter()
        .map(|effect| {
            let mut value = serde_json::to_value(effect).unwrap_or(Value::Null);
            redactor.value(&mut value);
            serde_json::from_value(value.clone()).unwrap_or_else(|_| Effect::Log(value.to_string()))
        })
        .collect()
}

/// Settings of one replay that are not in the fixtures.
#[derive(Debug, Clone, Copy)]
pub struct ReplayOptions {
    /// The instant used by fixtures that do not pin `now`.
    pub now: Timestamp,
}

/// What a job must produce to pass.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// One Action's effects, in order, and those of its continuation after a redirect.
    Effects {
        /// The first handler's.
        execute: Vec<Effect>,
        /// `onContinuePostLogin`'s, for a fixture with a continuation.
        resume: Option<Vec<Effect>>,
    },
    /// A flow's steps and final state.
    Flow(Box<FlowOutcome>),
    /// None: a bare event, run to see (and record) what it does.
    Nothing,
}

/// One event to run, with what it must produce: a fixture, or a bare event.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The fixture or events file.
    pub path: PathBuf,
    /// The line of a JSON Lines file (1-based).
    pub line: Option<u64>,
    /// Its name in reports ([`case_name`](crate::batch::case_name)).
    pub name: String,
    /// Whether the fixture named one `action` (recorded back the same way).
    pub single: bool,
    /// The Actions to run, in order.
    pub actions: Vec<FlowAction>,
    /// The instant it pins, if any ([`RunSettings::now`] otherwise).
    pub now: Option<Timestamp>,
    /// The whole event (each Action's projection is taken from it).
    pub event: Value,
    /// The answers of the calls that answer, in order.
    pub answers: Vec<FixtureAnswer>,
    /// After a redirect: the continuation.
    pub resume: Option<Resume>,
    /// What it must produce.
    pub expect: Expectation,
    /// The fixture's description.
    pub description: Option<String>,
    /// The fixture's note on where the seed answers otherwise.
    pub seed_differs: Option<String>,
}

impl Job {
    /// A checked fixture; `line` is its line in a JSON Lines file.
    pub fn from_case(case: Case, line: Option<u64>) -> Job {
        let (single, actions, expect) = match (case.flow, case.action) {
            (Some(flow), _) => (false, flow.actions, Expectation::Flow(Box::new(flow.expect))),
            (None, action) => {
                let resume = case.resume.as_ref().map(|resume| resume.expect.clone());
                (true, vec![FlowAction::Named(action.unwrap_or_default())], Expectation::Effects { execute: case.expect, resume })
            }
        };
        Job {
            path: case.path,
            line,
            name: case.name,
            single,
            actions,
            now: case.now,
            event: case.event,
            answers: case.answers,
            resume: case.resume,
            expect,
            description: case.description,
            seed_differs: case.seed_differs,
        }
    }

    /// A bare event, run through `flow`.
    pub fn bare(path: PathBuf, line: Option<u64>, event: Value, flow: &[String]) -> Job {
        let name = crate::fixture::case_name(&path, line, None);
        Job {
            path,
            line,
            name,
            single: false,
            actions: flow.iter().cloned().map(FlowAction::Named).collect(),
            now: None,
            event,
            answers: Vec::new(),
            resume: None,
            expect: Expectation::Nothing,
            description: None,
            seed_differs: None,
        }
    }
}

impl FixtureResult {
    /// The result as `runner replay` prints it: the verdict, the place, the Actions and what
    /// they used on one line; then its warnings; and for a failure its sentence and the diff
    /// of the effects (or of a flow's steps and final state). `colour` colours the verdict
    /// for a terminal. Lines are joined by newlines, without a final one.
    pub fn render(&self, colour: bool) -> String {
        let (label, code) = match self.status {
            Status::Pass => ("PASS ", "32"),
            Status::Fail => ("FAIL ", "31"),
            Status::Error => ("ERROR", "31"),
        };
        let label = if colour { format!("\x1b[{code}m{label}\x1b[0m") } else { label.to_owned() };
        let mut first = format!("{label} {}", place(&self.path, self.line));
        if let Some(action) = &self.action {
            first.push_str(&format!("  {action}"));
        }
        if let Some(flow) = &self.flow {
            first.push_str(&format!("  {}", flow.join(" → ")));
        }
        if let Some(usage) = &self.usage {
            first.push_str(&format!("  {} instr  {} KiB  {} µs", usage.instructions, usage.memory_bytes / 1024, usage.micros));
        }
        let mut lines = vec![first];
        lines.extend(self.warnings.iter().map(|warning| format!("      warning: {warning}")));
        if self.status != Status::Pass {
            lines.push(format!("      {}: {}", self.name, self.message.as_deref().unwrap_or("failed")));
            if let (Some(expected), Some(actual)) = (&self.expected, &self.actual) {
                lines.push("      (- expected, + actual)".to_owned());
                lines.extend(diff(expected, actual).into_iter().map(|line| format!("      {line}")));
            }
            if let (Some(expected), Some(actual)) = (&self.expected_continue, &self.actual_continue) {
                lines.push("      continue: (- expected, + actual)".to_owned());
                lines.extend(diff(expected, actual).into_iter().map(|line| format!("      {line}")));
            }
            if let (Some(expected), Some(actual)) = (&self.expected_flow, &self.actual_flow) {
                lines.push("      (- expected, + actual)".to_owned());
                lines.extend(flow_diff(expected, actual).into_iter().map(|line| format!("      {line}")));
            }
        }
        lines.join("\n")
    }
}

/// As the CLI prints it, without colour ([`FixtureResult::render`]).
impl std::fmt::Display for FixtureResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// A flow's steps and final state, side by side as a diff.
pub(crate) fn flow_diff(expected: &FlowOutcome, actual: &FlowOutcome) -> Vec<String> {
    let mut lines = Vec::new();
    let steps = expected.steps.len().max(actual.steps.len());
    for index in 0..steps {
        let (e, a) = (expected.steps.get(index), actual.steps.get(index));
        let name = a.or(e).map(|s| match &s.handler {
            Some(handler) => format!("{} ({handler})", s.action),
            None => s.action.clone(),
        });
        lines.push(format!("  step {}: {}", index + 1, name.as_deref().unwrap_or("?")));
        let none = Vec::new();
        let (e, a) = (e.map_or(&none, |s| &s.effects), a.map_or(&none, |s| &s.effects));
        lines.extend(diff(e, a).into_iter().map(|line| format!("  {line}")));
    }
    let show = |value: &serde_json::Value| serde_json::to_string(value).unwrap_or_default();
    let (e, a) = (
        serde_json::to_value(&expected.final_state).unwrap_or_default(),
        serde_json::to_value(&actual.final_state).unwrap_or_default(),
    );
    lines.push("  final:".to_owned());
    for key in ["app_metadata", "user_metadata", "id_token_claims", "access_token_claims", "denied", "redirect"] {
        let (ev, av) = (e.get(key), a.get(key));
        match (ev, av) {
            (ev, av) if ev == av => {
                if let Some(v) = ev {
                    lines.push(format!("      {key}: {}", show(v)));
                }
            }
            (ev, av) => {
                if let Some(v) = ev {
                    lines.push(format!("  -   {key}: {}", show(v)));
                }
                if let Some(v) = av {
                    lines.push(format!("  +   {key}: {}", show(v)));
                }
            }
        }
    }
    lines
}


/// Settings of a streamed replay.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// The instant used by fixtures that do not pin `now`.
    pub now: Timestamp,
    /// The time one flow may take in all.
    pub budget: Duration,
    /// The flow bare events run through, by name.
    pub flow: Vec<String>,
    /// Secrets set on every event, over its own (for recordings, whose secrets are redacted).
    pub secrets: Vec<(String, String)>,
    /// Whether to produce the fixture that `--record` writes.
    pub record: bool,
    /// Only jobs whose name or place ([`place`]) contains this text run; the others are
    /// skipped as they are read, before anything runs.
    pub filter: Option<String>,
}

impl RunSettings {
    /// Whether the job named `name`, read from `path` (at `line`), passes `filter`.
    pub fn wanted(&self, path: &Path, line: Option<u64>, name: &str) -> bool {
        self.filter.as_deref().is_none_or(|filter| name.contains(filter) || place(path, line).contains(filter))
    }
}

/// Where a fixture or an event came from, as reports print it: `path`, or `path:line` for a
/// line of JSON Lines.
pub fn place(path: &Path, line: Option<u64>) -> String {
    match line {
        Some(line) => format!("{}:{line}", path.display()),
        None => path.display().to_string(),
    }
}

/// A job's result, its redactor, and (when asked) the fixture that records what it did.
#[derive(Debug, Serialize, Deserialize)]
pub struct JobResult {
    /// The result, not yet redacted.
    pub result: FixtureResult,
    /// The event's secret values, to redact the result with wherever it is printed.
    pub redactor: Redactor,
    /// With [`RunSettings::record`]: a fixture that expects what the job did.
    pub record: Option<Value>,
}

/// Runs one job: its flow (or single Action) through fresh instances, compared with what
/// it expects. The result is not yet redacted: see [`JobResult::redactor`].
pub fn run_job(runner: &ModuleRunner, mut job: Job, settings: &RunSettings) -> JobResult {
    if !settings.secrets.is_empty()
        && let Value::Object(event) = &mut job.event
    {
        crate::fixture::merge_secrets(event, settings.secrets.iter().cloned());
    }
    let redactor = Redactor::from_event(&job.event);
    let now = job.now.unwrap_or(settings.now);
    if let Some(unknown) = job.actions.iter().find_map(|action| match action {
        FlowAction::Named(name) if runner.action(name).is_none() => Some(name.clone()),
        _ => None,
    }) {
        let key = if job.single { "\"action\"" } else { "\"flow\" (and --flow)" };
        let message = format!("{}: expected {key} to name an Action among {}, found {unknown:?}", place(&job.path, job.line), runner.names());
        let result = FixtureResult::error(job.path.clone(), job.line, job.name.clone(), message);
        return JobResult { result, redactor, record: None };
    }
    let answers: Vec<FixtureAnswer> = job.answers.iter().chain(job.resume.iter().flat_map(|resume| resume.answers.iter())).cloned().collect();
    let mut source = ListAnswers::new(&answers);
    let resumption = job.resume.as_ref().map(|resume| Resumption { event: resume.event.clone(), now: resume.now.unwrap_or(now) });
    let request = FlowRequest { actions: &job.actions, event: &job.event, now, budget: settings.budget, resume: resumption.as_ref() };
    let run = run_flow(runner, request, &mut source);
    let names = || job.actions.iter().map(|a| a.name().to_owned()).collect::<Vec<_>>();
    let listed = || job.actions.iter().map(FlowAction::to_json).collect::<Vec<_>>();
    let mut result = FixtureResult {
        path: job.path.clone(),
        line: job.line,
        name: job.name.clone(),
        status: Status::Pass,
        action: None,
        flow: None,
        now: Some(now.to_iso_string()),
        expected: None,
        actual: None,
        expected_continue: None,
        actual_continue: None,
        expected_flow: None,
        actual_flow: None,
        message: run.failure.clone(),
        warnings: run.warnings.clone(),
        usage: Some(run.usage),
        index: None,
    };
    let matches = |expected: &Value, actual: &Value| {
        expected == actual || {
            let mut redacted = actual.clone();
            redactor.value(&mut redacted);
            *expected == redacted
        }
    };
    let same_effects = |expected: &[Effect], actual: &[Effect]| {
        actual == expected
            || matches(&serde_json::to_value(expected).unwrap_or_default(), &serde_json::to_value(actual).unwrap_or_default())
    };
    let (execute, resumed) = match run.outcome.steps.as_slice() {
        [first, second, ..] if second.handler.is_some() => (Some(first.effects.clone()), Some(second.effects.clone())),
        [first, ..] => (Some(first.effects.clone()), None),
        [] => (None, None),
    };
    if job.single {
        result.action = job.actions.first().map(|a| a.name().to_owned());
        // One Action: its failure reads as before flows existed, without the Action's name.
        if let (Some(message), Some(action)) = (&mut result.message, &result.action)
            && let Some(rest) = message.strip_prefix(&format!("{action}: "))
        {
            *message = rest.to_owned();
        }
        if let Expectation::Effects { execute: expected, resume: expected_resume } = &job.expect {
            if run.failure.is_none() {
                if !execute.as_ref().is_some_and(|actual| same_effects(expected, actual)) {
                    result.message = Some("the effects differ from the expected ones".to_owned());
                } else if let Some(expected_resume) = expected_resume {
                    match &resumed {
                        None => {
                            let action = result.action.clone().unwrap_or_default();
                            result.message = Some(format!(
                                "the fixture holds a continuation, and {action} did not redirect (no api.redirect.sendUserTo or api.prompt.render)"
                            ));
                        }
                        Some(actual) if !same_effects(expected_resume, actual) => {
                            result.message = Some("the effects of the continuation differ from the expected ones".to_owned());
                        }
                        Some(_) => {}
                    }
                }
            }
            result.expected = Some(expected.clone());
            result.expected_continue = expected_resume.clone();
        }
        if run.failure.is_none() {
            result.actual = execute.clone();
            result.actual_continue = resumed.clone();
        }
    } else {
        result.flow = Some(names());
        if let Expectation::Flow(expected) = &job.expect {
            let same = **expected == run.outcome
                || matches(&serde_json::to_value(expected).unwrap_or_default(), &serde_json::to_value(&run.outcome).unwrap_or_default());
            if run.failure.is_none() && !same {
                result.message = Some(flow_difference(expected, &run.outcome));
            }
            result.expected_flow = Some((**expected).clone());
        }
    }
    if result.message.is_none() && !matches!(job.expect, Expectation::Nothing) && source.unused() > 0 {
        result.message = Some(format!(
            "the fixture gives {} answer(s) more than the Actions asked for: remove them from \"answers\"",
            source.unused()
        ));
    }
    if result.message.is_some() {
        result.status = Status::Fail;
    }
    let record = (settings.record && run.failure.is_none()).then(|| {
        let mut event = job.event.clone();
        redactor.event(&mut event);
        let mut fixture = Map::new();
        if let Some(description) = &job.description {
            fixture.insert("description".into(), json!(description));
        }
        if job.single {
            fixture.insert("action".into(), json!(result.action));
        } else {
            fixture.insert("flow".into(), Value::Array(listed()));
        }
        fixture.insert("now".into(), json!(now.to_iso_string()));
        fixture.insert("event".into(), event);
        let answer_at = |at: usize| {
            run.answered.get(at).map(|(action, answered)| {
                FixtureAnswer::recorded((!job.single).then_some(action.as_str()), &answered.effect, &answered.answer)
            })
        };
        // The answers of a continuation go with it: those asked after the user came back.
        let before = run.answered_before_resume.unwrap_or(run.answered.len());
        let recorded: Vec<FixtureAnswer> = (0..before).filter_map(answer_at).collect();
        if !recorded.is_empty() {
            fixture.insert("answers".into(), json!(recorded));
        }
        if job.single {
            fixture.insert("expect".into(), json!(execute));
        } else {
            fixture.insert("expect".into(), json!(run.outcome.steps));
        }
        if let Some(resume) = &job.resume {
            let continuation = Continuation {
                event: resume.event.clone(),
                now: resume.now.map(Timestamp::to_iso_string),
                answers: (before..run.answered.len()).filter_map(answer_at).collect(),
                expect: if job.single { resumed.clone() } else { None },
            };
            fixture.insert("continue".into(), json!(continuation));
        }
        if !job.single {
            fixture.insert("expect_final".into(), json!(run.outcome.final_state));
        }
        if let Some(seed_differs) = &job.seed_differs {
            fixture.insert("seed_differs".into(), json!(seed_differs));
        }
        let mut fixture = Value::Object(fixture);
        redactor.value(&mut fixture);
        fixture
    });
    if !job.single {
        result.actual_flow = Some(run.outcome);
    }
    JobResult { result, redactor, record }
}

/// Names the first difference between two flow outcomes, in one sentence.
fn flow_difference(expected: &FlowOutcome, actual: &FlowOutcome) -> String {
    let names = |outcome: &FlowOutcome| outcome.steps.iter().map(|s| s.action.as_str()).collect::<Vec<_>>().join(", ");
    if expected.steps.len() != actual.steps.len() {
        return format!(
            "expected {} step(s) to run ({}), found {} ({})",
            expected.steps.len(),
            names(expected),
            actual.steps.len(),
            names(actual)
        );
    }
    for (e, a) in expected.steps.iter().zip(&actual.steps) {
        if e != a {
            return format!("the effects of {} differ from the expected ones", a.action);
        }
    }
    let (e, a) = (&expected.final_state, &actual.final_state);
    let part = if e.app_metadata != a.app_metadata {
        "app_metadata"
    } else if e.user_metadata != a.user_metadata {
        "user_metadata"
    } else if e.id_token_claims != a.id_token_claims {
        "id_token_claims"
    } else if e.access_token_claims != a.access_token_claims {
        "access_token_claims"
    } else if e.denied != a.denied {
        "denied"
    } else {
        "redirect"
    };
    format!("the final {part} differs from the expected one")
}

/// Runs one loaded fixture (or reports why it could not be loaded). The result is redacted.
pub fn replay_one(
    runner: &ModuleRunner,
    loaded: Result<Case, FixtureError>,
    path: PathBuf,
    options: ReplayOptions,
) -> FixtureResult {
    let case = match loaded {
        Ok(case) => case,
        Err(error) => {
            let name = crate::fixture::case_name(&path, None, None);
            return FixtureResult::error(path, None, name, error.to_string());
        }
    };
    let settings = RunSettings {
        now: options.now,
        budget: runner.limits().time,
        flow: runner.default_flow(),
        secrets: Vec::new(),
        record: false,
        filter: None,
    };
    let JobResult { mut result, redactor, .. } = run_job(runner, Job::from_case(case, None), &settings);
    result.redact(&redactor);
    result
}

/// Counts of a replay, as the closing line and `--json`'s last line give them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Results that passed.
    pub passed: usize,
    /// Results that failed.
    pub failed: usize,
    /// Fixtures or lines that could not be used.
    pub errors: usize,
}

impl Summary {
    /// Counts one more result.
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.passed += 1,
            Status::Fail => self.failed += 1,
            Status::Error => self.errors += 1,
        }
    }

    /// Results counted, whatever their status.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.errors
    }

    /// Exit code: 0 when all passed, 1 when any fixture failed or could not be read.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.failed + self.errors > 0)
    }
}

/// A readable diff of two effect lists: one effect per line, `-` expected only, `+` actual
/// only, two spaces for both (a longest-common-subsequence alignment).
pub fn diff(expected: &[Effect], actual: &[Effect]) -> Vec<String> {
    let show = |effect: &Effect| serde_json::to_string(effect).unwrap_or_default();
    let (n, m) = (expected.len(), actual.len());
    // lcs[i][j]: length of the common subsequence of expected[i..] and actual[j..].
    let mut lcs = vec![vec![0_usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let here = if expected.get(i) == actual.get(j) {
                cell(&lcs, i + 1, j + 1) + 1
            } else {
                cell(&lcs, i + 1, j).max(cell(&lcs, i, j + 1))
            };
            if let Some(slot) = lcs.get_mut(i).and_then(|row| row.get_mut(j)) {
                *slot = here;
            }
        }
    }
    let mut lines = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        match (expected.get(i), actual.get(j)) {
            (Some(e), Some(a)) if e == a => {
                lines.push(format!("  {}", show(e)));
                i += 1;
                j += 1;
            }
            (Some(e), Some(_)) if cell(&lcs, i + 1, j) >= cell(&lcs, i, j + 1) => {
                lines.push(format!("- {}", show(e)));
                i += 1;
            }
            (_, Some(a)) => {
                lines.push(format!("+ {}", show(a)));
                j += 1;
            }
            (Some(e), None) => {
                lines.push(format!("- {}", show(e)));
                i += 1;
            }
            (None, None) => break,
        }
    }
    lines
}

fn cell(table: &[Vec<usize>], i: usize, j: usize) -> usize {
    table.get(i).and_then(|row| row.get(j)).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(text: &str) -> Effect {
        Effect::Log(text.to_owned())
    }

    #[test]
    fn the_diff_marks_what_is_missing_and_what_is_extra() {
        let expected = [log("a"), log("b"), log("c")];
        let actual = [log("a"), log("x"), log("c"), log("d")];
        assert_eq!(
            diff(&expected, &actual),
            vec![
                "  {\"log\":\"a\"}",
                "- {\"log\":\"b\"}",
                "+ {\"log\":\"x\"}",
                "  {\"log\":\"c\"}",
                "+ {\"log\":\"d\"}",
            ]
        );
    }
}
