//! Flows: the Actions a tenant binds to a trigger, run in order as Auth0 runs them.
//!
//! Auth0 semantics modelled here, on the host side (the module only ever decides one Action):
//! - `api.user.setAppMetadata(k, v)` / `setUserMetadata(k, v)` set one top-level key of the
//!   user's metadata, and later Actions see it in `event.user`; `null` deletes the key;
//!   `api.transaction.setMetadata` is seen at once in `event.transaction.metadata`;
//! - custom claims are collected per token, a later value replacing an earlier one;
//! - `api.access.deny` (and `api.validation.error`, `api.session.revoke`) ends the flow:
//!   later Actions do not run;
//! - `api.redirect.sendUserTo` (or `api.prompt.render`) pauses the flow after that Action;
//!   Auth0 runs the same Action's `onContinuePostLogin` when the user comes back, then the
//!   later Actions, with the event of the `/continue` request;
//! - the flow has one time budget (Auth0 gives it 20 s) before the redirect, and another
//!   after it;
//! - every call is checked as Auth0 checks it ([`auth0_actions::rules`]): one it refuses
//!   ends the flow with a sentence naming the rule, as it would fail the login;
//! - an Action the module refuses (an undeclared read, a bad answer) or that breaks a limit
//!   ends the replay of the flow, failed, with the sentence: it is a bug to fix. (In Node the
//!   shim logs a refusal and the login goes on without that Action's effects; a limit Auth0
//!   enforces, such as its time budget, fails the login there.)
//!
//! The result also carries warnings for what Auth0 would silently change: a log line longer
//! than it keeps, a claim it drops, metadata larger than it stores.

use std::time::{Duration, Instant};

use auth0_actions::rules::{Checker, Finding, Place};
use auth0_actions::{Answer, Effect, Timestamp, Trigger};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::engine::{Answered, Answers, Call, CallOutcome, Failure, ModuleRunner, Usage, refusal};

/// Auth0 persists at most this many bytes of `app_metadata` (and of `user_metadata`).
pub(crate) const MAX_METADATA_BYTES: usize = 32 * 1024;

/// One Action of a flow: one of the modules', by name, or a stub standing in for another
/// Action the tenant binds (a third-party or hand-written one), which always asks for the
/// same effects.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowAction {
    /// One of the modules' Actions.
    Named(String),
    /// Another Action of the tenant, by the effects it asks for.
    Stub(Stub),
}

/// An Action outside the modules, modelled by the effects it asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stub {
    /// Its name on the tenant, as steps report it.
    pub name: String,
    /// What it asks for, every time, in order.
    pub effects: Vec<Effect>,
}

impl FlowAction {
    /// Its name, as steps report it.
    pub fn name(&self) -> &str {
        match self {
            FlowAction::Named(name) => name,
            FlowAction::Stub(stub) => &stub.name,
        }
    }

    /// As a fixture's `flow` lists it: a name, or the stub object.
    pub fn to_json(&self) -> Value {
        match self {
            FlowAction::Named(name) => Value::String(name.clone()),
            FlowAction::Stub(stub) => serde_json::to_value(stub).unwrap_or(Value::Null),
        }
    }
}

/// The effects one Action of a flow asked for, tagged with the Action's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The Action's name.
    pub action: String,
    /// The handler, when it is not the trigger's first (`onContinuePostLogin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// What it asked for, in order.
    pub effects: Vec<Effect>,
}

/// What the login ends with once every Action has run (or the flow was denied or paused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalState {
    /// `event.user.app_metadata` with every change applied (what Auth0 writes back).
    pub app_metadata: Value,
    /// `event.user.user_metadata` with every change applied.
    pub user_metadata: Value,
    /// Custom claims of the ID token, by name.
    pub id_token_claims: Map<String, Value>,
    /// Custom claims of the access token, by name.
    pub access_token_claims: Map<String, Value>,
    /// Why the login was refused, when an Action refused it: `access.deny`'s reason (in a
    /// credentials exchange and a signup, its arguments joined by `: `), `validation.error`'s
    /// code and message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denied: Option<String>,
    /// Where the flow is paused, when it ended at a redirect with no continuation: the URL
    /// (or `form ap_...` for a Form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<String>,
}

/// A flow's whole observable result: what each Action asked for, and the final state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowOutcome {
    /// One per Action that ran (and one more for a continuation), in order.
    pub steps: Vec<Step>,
    /// The user and tokens once the flow is over.
    #[serde(rename = "final")]
    pub final_state: FinalState,
}

/// The continuation of a flow that redirected.
#[derive(Debug, Clone, PartialEq)]
pub struct Resumption {
    /// Keys of the `/continue` request's event, replacing the login's.
    pub event: Map<String, Value>,
    /// When the user came back.
    pub now: Timestamp,
}

/// One run of a flow.
#[derive(Debug, Clone, Copy)]
pub struct FlowRequest<'a> {
    /// The Actions in the order the tenant binds them.
    pub actions: &'a [FlowAction],
    /// The trigger's event.
    pub event: &'a Value,
    /// The instant of the login.
    pub now: Timestamp,
    /// The time the flow may take before a redirect, and again after it.
    pub budget: Duration,
    /// The continuation, for a flow that redirects.
    pub resume: Option<&'a Resumption>,
}

/// One run of a flow on one event.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRun {
    /// The steps that ran, and the state they left, even when a step failed.
    pub outcome: FlowOutcome,
    /// Why the flow gave no complete answer (a refusal, a broken limit, a call Auth0 refuses),
    /// in one sentence.
    pub failure: Option<String>,
    /// What Auth0 would silently change, one sentence each.
    pub warnings: Vec<String>,
    /// Instructions summed over the steps, peak memory of any step, time of the whole flow.
    pub usage: Usage,
    /// The answers the Actions read, with the Action that asked, in order.
    pub answered: Vec<(String, Answered)>,
    /// How many of them came before the user came back from a redirect, when they did.
    pub answered_before_resume: Option<usize>,
}

/// Runs a flow as Auth0 runs it, each of the modules' Actions in a fresh instance, asking
/// `answers` for what their decisions need.
pub fn run_flow(runner: &ModuleRunner, request: FlowRequest<'_>, answers: &mut dyn Answers) -> FlowRun {
    // Compiling a module is the runner's work, not the flow's: not a part of its time.
    for action in request.actions {
        runner.compile_for(action.name());
    }
    let started = Instant::now();
    let mut state = State::from_event(request.event);
    let mut run = FlowRun {
        outcome: FlowOutcome { steps: Vec::new(), final_state: FinalState::empty() },
        failure: None,
        warnings: Vec::new(),
        usage: Usage::default(),
        answered: Vec::new(),
        answered_before_resume: None,
    };
    let trigger = match flow_trigger(runner, request.actions) {
        Ok(trigger) => trigger,
        Err(sentence) => {
            run.failure = Some(sentence);
            run.outcome.final_state = state.finish(&mut run.warnings);
            return run;
        }
    };
    let mut checker = Checker::new();
    // The event the next Action sees; copied only once an Action changed it.
    let mut current: Option<Value> = None;
    let (mut now, mut window_start, mut resumed) = (request.now, started, false);
    let mut index = 0;
    while let Some(flow_action) = request.actions.get(index) {
        let name = flow_action.name().to_owned();
        let event = current.as_ref().unwrap_or(request.event);
        let step = match flow_action {
            FlowAction::Stub(stub) => Ok(stub.effects.clone()),
            FlowAction::Named(action) => {
                let handler = runner.action(action).map(|info| info.execute_handler().to_owned()).unwrap_or_default();
                let call = Call { action, handler: &handler, event, now, time: Duration::ZERO };
                execute(runner, call, request.budget, window_start, answers, &mut run)
            }
        };
        let effects = match step {
            Ok(effects) => effects,
            Err(sentence) => {
                run.failure = Some(sentence);
                break;
            }
        };
        let handler = trigger.execute();
        let paused = match apply(&mut state, &mut checker, &mut run, trigger, handler, &name, event, effects, None) {
            Ok(paused) => paused,
            Err(()) => break,
        };
        if state.denied.is_some() {
            break;
        }
        if state.changed {
            current = Some(state.write_into(current.take().unwrap_or_else(|| request.event.clone())));
        }
        if let Some(target) = paused {
            let (Some(resume), false) = (request.resume, resumed) else {
                state.redirect = Some(target);
                break;
            };
            // The user comes back: the same Action's continuation, then the later Actions,
            // on the event of the `/continue` request, with a new time budget.
            resumed = true;
            run.answered_before_resume = Some(run.answered.len());
            now = resume.now;
            window_start = Instant::now();
            let mut next = current.take().unwrap_or_else(|| request.event.clone());
            if let Value::Object(object) = &mut next {
                for (key, value) in &resume.event {
                    object.insert(key.clone(), value.clone());
                }
            }
            if let FlowAction::Named(action) = flow_action {
                let Some(continue_handler) = runner.action(action).and_then(|info| info.resume_handler()).map(str::to_owned) else {
                    run.failure = Some(format!(
                        "{action} redirected, and it has no onContinuePostLogin: Auth0 would fail the login when the user comes back"
                    ));
                    break;
                };
                let call = Call { action, handler: &continue_handler, event: &next, now, time: Duration::ZERO };
                let effects = match execute(runner, call, request.budget, window_start, answers, &mut run) {
                    Ok(effects) => effects,
                    Err(sentence) => {
                        run.failure = Some(sentence);
                        break;
                    }
                };
                let applied = apply(&mut state, &mut checker, &mut run, trigger, &continue_handler, &name, &next, effects, Some(&continue_handler));
                if state.changed {
                    next = state.write_into(next);
                }
                current = Some(next);
                match applied {
                    Ok(Some(target)) => {
                        state.redirect = Some(target);
                        break;
                    }
                    Ok(None) => {}
                    Err(()) => break,
                }
                if state.denied.is_some() {
                    break;
                }
            } else {
                current = Some(next);
            }
        }
        index += 1;
    }
    if run.failure.is_none() {
        for finding in checker.finish() {
            match finding {
                Finding::Refused(sentence) => run.failure = Some(sentence),
                Finding::Changed(sentence) => run.warnings.push(sentence),
            }
        }
    }
    run.usage.micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    run.outcome.final_state = state.finish(&mut run.warnings);
    run
}

/// The trigger the flow's Actions share.
fn flow_trigger(runner: &ModuleRunner, actions: &[FlowAction]) -> Result<Trigger, String> {
    let mut trigger: Option<(Trigger, &str)> = None;
    for action in actions {
        let FlowAction::Named(name) = action else { continue };
        let Some(info) = runner.action(name) else {
            return Err(format!("expected an Action among {}, found {name:?}", runner.names()));
        };
        let Some(this) = info.known_trigger() else {
            return Err(format!("{name}: the trigger {} is not one this runner knows", info.trigger.id));
        };
        match trigger {
            Some((first, first_name)) if first != this => {
                return Err(format!("expected the flow's Actions to share a trigger, found {first_name} on {first} and {name} on {this}"));
            }
            Some(_) => {}
            None => trigger = Some((this, name)),
        }
    }
    trigger.map(|(trigger, _)| trigger).ok_or_else(|| "expected at least one Action by name in the flow, found only stubs".to_owned())
}

/// Runs one handler within what the flow's window has left; its effects, or why it gave none.
fn execute(
    runner: &ModuleRunner,
    mut call: Call<'_>,
    budget: Duration,
    window_start: Instant,
    answers: &mut dyn Answers,
    run: &mut FlowRun,
) -> Result<Vec<Effect>, String> {
    let name = call.action;
    let Some(left) = budget.checked_sub(window_start.elapsed()).filter(|left| !left.is_zero()) else {
        return Err(out_of_time(name, budget));
    };
    call.time = left;
    let result = runner.run(&call, answers);
    run.usage.instructions = run.usage.instructions.saturating_add(result.usage.instructions);
    run.usage.memory_bytes = run.usage.memory_bytes.max(result.usage.memory_bytes);
    run.answered.extend(result.answered.into_iter().map(|answered| (name.to_owned(), answered)));
    match result.outcome {
        CallOutcome::Effects(effects) => Ok(effects),
        CallOutcome::Refused(error) => Err(format!("{name}: {}", refusal(&error))),
        CallOutcome::Failed(Failure::OutOfTime { .. }) => Err(out_of_time(name, budget)),
        CallOutcome::Failed(Failure::NoAnswer(sentence)) => Err(format!("{name}: {sentence}")),
        CallOutcome::Failed(other) => Err(format!("{name}: the module {other}")),
    }
}

/// Checks and applies one step's effects; `Ok(Some(target))` when it redirected, `Err` when
/// Auth0 would refuse one of its calls (the failure is set).
#[allow(clippy::too_many_arguments)]
fn apply(
    state: &mut State,
    checker: &mut Checker,
    run: &mut FlowRun,
    trigger: Trigger,
    handler: &str,
    name: &str,
    event: &Value,
    effects: Vec<Effect>,
    step_handler: Option<&str>,
) -> Result<Option<String>, ()> {
    let place = Place { trigger, handler, action: name, event };
    let mut refused = None;
    for effect in &effects {
        for finding in checker.effect(&place, effect) {
            match finding {
                Finding::Refused(sentence) => {
                    refused.get_or_insert(sentence);
                }
                Finding::Changed(sentence) => run.warnings.push(sentence),
            }
        }
    }
    let paused = state.apply(trigger, &effects);
    run.outcome.steps.push(Step { action: name.to_owned(), handler: step_handler.map(str::to_owned), effects });
    if let Some(sentence) = refused {
        run.failure = Some(sentence);
        return Err(());
    }
    Ok(paused)
}

fn out_of_time(action: &str, budget: Duration) -> String {
    format!(
        "{action}: ran out of time: the flow took longer than the {} ms allowed per flow (--timeout; Auth0 allows 20000)",
        budget.as_millis()
    )
}

/// The flow's state between Actions.
struct State {
    app_metadata: Value,
    user_metadata: Value,
    /// Whether `event.user` is an object that later Actions can see changes in.
    user_is_object: bool,
    /// Which metadata an Action set: Auth0 writes (and limits) only those.
    app_metadata_written: bool,
    user_metadata_written: bool,
    transaction_metadata: Option<Map<String, Value>>,
    /// Whether the last step changed what later Actions see.
    changed: bool,
    id_token_claims: Map<String, Value>,
    access_token_claims: Map<String, Value>,
    denied: Option<String>,
    redirect: Option<String>,
}

impl FinalState {
    fn empty() -> FinalState {
        FinalState {
            app_metadata: Value::Object(Map::new()),
            user_metadata: Value::Object(Map::new()),
            id_token_claims: Map::new(),
            access_token_claims: Map::new(),
            denied: None,
            redirect: None,
        }
    }
}

impl State {
    fn from_event(event: &Value) -> State {
        let user = event.get("user");
        let metadata = |key: &str| match user.and_then(|user| user.get(key)) {
            Some(value) => value.clone(),
            None => Value::Object(Map::new()),
        };
        State {
            app_metadata: metadata("app_metadata"),
            user_metadata: metadata("user_metadata"),
            user_is_object: user.is_some_and(Value::is_object),
            app_metadata_written: false,
            user_metadata_written: false,
            transaction_metadata: None,
            changed: false,
            id_token_claims: Map::new(),
            access_token_claims: Map::new(),
            denied: None,
            redirect: None,
        }
    }

    /// Applies one step's effects; says where it redirected, if it did.
    fn apply(&mut self, trigger: Trigger, effects: &[Effect]) -> Option<String> {
        self.changed = false;
        let mut redirect = None;
        for effect in effects {
            let Effect::Api(call) = effect else { continue };
            let arg = |index: usize| call.args.get(index).cloned().unwrap_or(Value::Null);
            let text = |index: usize| call.args.get(index).and_then(Value::as_str).unwrap_or_default().to_owned();
            match call.path.as_str() {
                "user.setAppMetadata" => {
                    set_key(&mut self.app_metadata, &text(0), &arg(1));
                    self.app_metadata_written = true;
                    self.changed = true;
                }
                "user.setUserMetadata" => {
                    set_key(&mut self.user_metadata, &text(0), &arg(1));
                    self.user_metadata_written = true;
                    self.changed = true;
                }
                "transaction.setMetadata" => {
                    let metadata = self.transaction_metadata.get_or_insert_with(Map::new);
                    if arg(1).is_null() {
                        metadata.remove(&text(0));
                    } else {
                        metadata.insert(text(0), arg(1));
                    }
                    self.changed = true;
                }
                "idToken.setCustomClaim" => {
                    self.id_token_claims.insert(text(0), arg(1));
                }
                "accessToken.setCustomClaim" => {
                    self.access_token_claims.insert(text(0), arg(1));
                }
                // The first refusal ends the login; its reason is the one the user sees.
                "access.deny" | "validation.error" | "session.revoke" if self.denied.is_none() => {
                    let parts: Vec<String> = call.args.iter().filter_map(|arg| arg.as_str().map(str::to_owned)).collect();
                    let one_reason = trigger == Trigger::PostLogin && call.path == "access.deny";
                    self.denied = Some(if one_reason { text(0) } else { parts.join(": ") });
                }
                "redirect.sendUserTo" => redirect = Some(text(0)),
                "prompt.render" => redirect = Some(format!("form {}", text(0))),
                _ => {}
            }
        }
        redirect
    }

    /// `event` as later Actions see it: the user's metadata and the transaction's, as set.
    fn write_into(&self, mut event: Value) -> Value {
        if self.user_is_object
            && let Some(Value::Object(user)) = event.get_mut("user")
        {
            user.insert("app_metadata".to_owned(), self.app_metadata.clone());
            user.insert("user_metadata".to_owned(), self.user_metadata.clone());
        }
        if let (Some(metadata), Value::Object(object)) = (&self.transaction_metadata, &mut event) {
            let transaction = object.entry("transaction").or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(transaction) = transaction {
                transaction.insert("metadata".to_owned(), Value::Object(metadata.clone()));
            }
        }
        event
    }

    fn finish(self, warnings: &mut Vec<String>) -> FinalState {
        let written = [
            ("app_metadata", &self.app_metadata, self.app_metadata_written),
            ("user_metadata", &self.user_metadata, self.user_metadata_written),
        ];
        // Only what the flow wrote is written back, so only that meets Auth0's limit; and a
        // large profile the flow leaves alone costs no serialization here.
        for (name, value) in written.into_iter().filter_map(|(name, value, written)| written.then_some((name, value))) {
            let bytes = serde_json::to_vec(value).map(|bytes| bytes.len()).unwrap_or(0);
            if bytes > MAX_METADATA_BYTES {
                warnings.push(format!("{name} would be {bytes} bytes, over the {MAX_METADATA_BYTES} bytes Auth0 stores"));
            }
        }
        FinalState {
            app_metadata: self.app_metadata,
            user_metadata: self.user_metadata,
            id_token_claims: self.id_token_claims,
            access_token_claims: self.access_token_claims,
            denied: self.denied,
            redirect: self.redirect,
        }
    }
}

/// `metadata[key] = value`, or delete on `null`; metadata that is not an object is replaced
/// by one, as a profile write would.
fn set_key(metadata: &mut Value, key: &str, value: &Value) {
    if !metadata.is_object() {
        *metadata = Value::Object(Map::new());
    }
    if let Value::Object(map) = metadata {
        if value.is_null() {
            map.remove(key);
        } else {
            map.insert(key.to_owned(), value.clone());
        }
    }
}

/// Answers from a list, in order: what a fixture's `answers` gives.
#[derive(Debug, Clone)]
pub struct ListAnswers<'a> {
    list: &'a [crate::fixture::FixtureAnswer],
    next: usize,
}

impl<'a> ListAnswers<'a> {
    /// The answers of `list`, the first first.
    pub fn new(list: &'a [crate::fixture::FixtureAnswer]) -> Self {
        ListAnswers { list, next: 0 }
    }

    /// How many answers were not asked for.
    pub fn unused(&self) -> usize {
        self.list.len().saturating_sub(self.next)
    }
}

impl Answers for ListAnswers<'_> {
    fn answer(&mut self, action: &str, effect: &Effect) -> Result<Answer, String> {
        let Some(answer) = self.list.get(self.next) else {
            let hint = match effect {
                Effect::Api(call) => format!("{{\"api\": \"{}\", \"returns\": ...}}", call.path),
                Effect::ManagementApi(request) => {
                    format!("{{\"management_api\": {{\"method\": \"{}\", \"path\": \"{}\"}}, \"returns\": {{\"status\": 200, \"body\": ...}}}}", request.method.as_str(), request.path)
                }
                Effect::Log(_) => String::new(),
            };
            return Err(format!(
                "asked for the answer of {}, and the fixture gives none: add {hint} to \"answers\"",
                crate::engine::effect_call(effect)
            ));
        };
        let index = self.next;
        self.next += 1;
        answer.answer_for(index, action, effect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_changes_apply_and_null_deletes() {
        let mut state = State::from_event(&json!({"user": {"app_metadata": {"a": 1, "b": 2}}}));
        let redirect = state.apply(
            Trigger::PostLogin,
            &[
                Effect::api("user.setAppMetadata", [json!("a"), Value::Null]),
                Effect::api("user.setAppMetadata", [json!("c"), json!(3)]),
                Effect::api("idToken.setCustomClaim", [json!("sub"), json!("x")]),
                Effect::api("transaction.setMetadata", [json!("step"), json!(1)]),
            ],
        );
        assert_eq!(redirect, None);
        assert!(state.changed);
        assert_eq!(state.app_metadata, json!({"b": 2, "c": 3}));
        let event = state.write_into(json!({"user": {"user_id": "u"}}));
        assert_eq!(event["user"]["app_metadata"], json!({"b": 2, "c": 3}));
        assert_eq!(event["transaction"]["metadata"], json!({"step": 1}));
    }

    #[test]
    fn large_metadata_is_warned_about_when_the_flow_writes_it() {
        let event = json!({"user": {"app_metadata": {"big": "x".repeat(40_000)}}});
        let mut warnings = Vec::new();
        State::from_event(&event).finish(&mut warnings);
        assert!(warnings.is_empty(), "a profile the flow leaves alone is not written: {warnings:?}");
        let mut state = State::from_event(&event);
        state.apply(Trigger::PostLogin, &[Effect::api("user.setAppMetadata", [json!("plan"), json!("team")])]);
        state.finish(&mut warnings);
        assert!(warnings[0].starts_with("app_metadata would be 400"), "{warnings:?}");
    }

    #[test]
    fn a_refusal_is_the_reason_auth0_gives() {
        let mut state = State::from_event(&json!({}));
        state.apply(Trigger::CredentialsExchange, &[Effect::api("access.deny", [json!("invalid_scope"), json!("scope x")])]);
        assert_eq!(state.denied.as_deref(), Some("invalid_scope: scope x"));
        let mut state = State::from_event(&json!({}));
        let redirect = state.apply(Trigger::PostLogin, &[Effect::api("redirect.sendUserTo", [json!("https://x.example")])]);
        assert_eq!(redirect.as_deref(), Some("https://x.example"));
    }
}
