//! `runner verify` (and `runner deploy --verify`): each Action's fixtures, replayed locally
//! with the secret values deploy was given (the tenant runs with exactly those) in the module
//! inside the local bundle, and sent through the tenant's test endpoint, compared (see
//! `runner::verify`). Exit codes: 0 every event tested agreed (or ran, where the tenant does
//! not show the calls) and every deployed Action got one; 1 an event differed or failed, or
//! an Action got no event tested (unless --allow-untested); 2 the tool could not run.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use auth0_actions::Timestamp;
use deploy::Bundle;
use harness::{CallOutcome, Case, Limits, ModuleRunner, discover};
use crate::junit::escape;
use crate::verify::{Choice, DeployedSecrets, Verdict, Window, choose, compare, management_api_write, read_answer};
use serde::Serialize;
use serde_json::{Value, json};

use super::tenant::{Tenant, TenantArgs, chain};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub tenant: TenantArgs,
    #[command(flatten)]
    pub verify: VerifyArgs,
    /// Print JSON Lines: one {"event": ...} per event, then {"summary": ...}.
    #[arg(long)]
    pub json: bool,
}

/// The flags `verify` shares with `deploy --verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Fixtures to send (files or folders): each single-Action fixture of a deployed Action,
    /// replayed locally with the secret values deploy is given; skipped when one the tenant
    /// has is not given, never sent when its replay writes through the Management API.
    #[arg(long = "events", value_name = "PATH", default_value = "test-events")]
    pub events: Vec<PathBuf>,
    /// Also write a JUnit XML report of the verify.
    #[arg(long, value_name = "FILE")]
    pub verify_junit: Option<PathBuf>,
    /// Keep the tenant's raw answers for the first event sent per Action, as
    /// DIR/<Action>.json, to see what the tenant shows.
    #[arg(long, value_name = "DIR")]
    pub save_answers: Option<PathBuf>,
    /// An Action deployed that may end the verify with no event tested (exit 0 all the
    /// same); repeatable.
    #[arg(long = "allow-untested", value_name = "NAME")]
    pub allow_untested: Vec<String>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let bundles = deploy::load_bundles(&args.tenant.dist)?;
    let mut tenant = args.tenant.connect()?;
    if let Err(error) = tenant.client.authenticate(&tenant.credentials) {
        let message = tenant.scrubber.clean(&chain(&error));
        let _ = writeln!(std::io::stderr().lock(), "error: {message}");
        return Ok(if error.is_refusal() { 1 } else { 2 });
    }
    verify_on(&mut tenant, &bundles, &args.verify, args.json)
}

/// Answers nothing, and keeps which call asked first (its path only: its arguments may
/// hold a secret's value).
#[derive(Debug, Default)]
struct TenantOnly {
    call: Option<String>,
}

impl harness::Answers for TenantOnly {
    fn answer(&mut self, _action: &str, effect: &harness::Effect) -> Result<harness::Answer, String> {
        let call = match effect {
            harness::Effect::Api(call) => format!("api.{}", call.path),
            harness::Effect::ManagementApi(request) => format!("a Management API {}", request.method.as_str()),
            harness::Effect::Log(_) => "a log line".to_owned(),
        };
        self.call.get_or_insert(call);
        Err("only the tenant knows the answer".to_owned())
    }
}

/// One event's line of the report.
#[derive(Debug, Serialize)]
struct EventReport {
    action: String,
    path: String,
    name: String,
    #[serde(flatten)]
    verdict: Verdict,
}

/// How the events of one Action went.
#[derive(Debug, Default, Serialize)]
struct Tally {
    action: String,
    tested: usize,
    passed: usize,
    skipped: usize,
    not_sent: usize,
    /// Why events were skipped, with how many each.
    reasons: Vec<(String, usize)>,
}

/// Verifies every one of our Actions on an authenticated tenant.
pub fn verify_on(tenant: &mut Tenant, bundles: &[Bundle], args: &VerifyArgs, json: bool) -> anyhow::Result<u8> {
    let mut runner = ModuleRunner::empty(Limits::default());
    for bundle in bundles {
        let module = bundle.module().with_context(|| format!("cannot take the module out of {}'s code.js", bundle.name()))?;
        runner.add_module(&module).with_context(|| format!("cannot load the module of {}", bundle.name()))?;
    }
    if let Some(unknown) = args.allow_untested.iter().find(|name| !bundles.iter().any(|b| b.name() == name.as_str())) {
        anyhow::bail!("expected --allow-untested to name an Action deployed ({}), found {unknown:?}", runner.names());
    }
    let paths = discover(&args.events).context("cannot list the events to send")?;
    let cases: Vec<Case> = paths.iter().filter_map(|path| Case::load(path).ok()).collect();
    let mut reports = Vec::new();
    let mut tallies = Vec::new();
    let mut problems = Vec::new();
    for bundle in bundles {
        let Some(action) = runner.action(bundle.name()).cloned() else { continue };
        let name = action.name.as_str();
        let mut tally = Tally { action: name.to_owned(), ..Tally::default() };
        let found = match tenant.client.find_action(name) {
            Ok(found) => found,
            Err(error) => {
                let message = tenant.scrubber.clean(&chain(&error));
                let _ = writeln!(std::io::stderr().lock(), "error: {message}");
                return Ok(if error.is_refusal() { 1 } else { 2 });
            }
        };
        let Some(found) = found else {
            problems.push(format!("{name} is not on the tenant: deploy it first"));
            tallies.push(tally);
            continue;
        };
        let runtime = found.runtime.clone().unwrap_or_else(|| "an unknown runtime".to_owned());
        let tenant_code = found.code.as_deref().map(|code| auth0_actions::sha256_hex(code.as_bytes()));
        if tenant_code.as_deref() != Some(bundle.code_sha256()) {
            let note = format!(
                "{name}'s code on the tenant (sha256 {}) is not the local bundle's ({}); the events will show what that changes",
                tenant_code.as_deref().map_or("none", short),
                short(bundle.code_sha256())
            );
            tenant.scrubber.say(&if json { json!({ "note": note }).to_string() } else { format!("note: {note}") });
        }
        let secrets = DeployedSecrets {
            names: found.secrets.iter().map(|s| s.name.clone()).collect(),
            known: action
                .secrets
                .iter()
                .filter_map(|secret| Some((secret.name.clone(), tenant.values.get(name, &secret.name)?.0.expose().to_owned())))
                .collect(),
        };
        let mut saved = false;
        for case in cases.iter().filter(|case| case.flow.is_none() && case.action.as_deref() == Some(name)) {
            let verdict = match choose(case, &action, &secrets) {
                Choice::Skip { reason } => Verdict::Skipped { reason },
                Choice::Send { local, tenant: event } => {
                    let start = now()?;
                    let handler = action.handlers.first().cloned().unwrap_or_default();
                    let call = harness::Call { action: name, handler: &handler, event: &local, now: start, time: runner.limits().time };
                    let mut asked = TenantOnly::default();
                    match runner.run(&call, &mut asked).outcome {
                        CallOutcome::Effects(effects) => match management_api_write(&effects) {
                            Some(reason) => Verdict::NotSent { reason },
                            None => match tenant.client.test_action(&found.id, &event) {
                                Ok(answer) => {
                                    let window = Window { start, end: now()? };
                                    if let (Some(dir), false) = (&args.save_answers, saved) {
                                        save_answer(dir, name, &case.path, &answer, &tenant.scrubber)?;
                                        saved = true;
                                    }
                                    compare(name, &runtime, &effects, &read_answer(&answer), window)
                                }
                                Err(error) => Verdict::Failed {
                                    sentence: format!("{name}: the tenant's test endpoint refused: {}", tenant.scrubber.clean(&chain(&error))),
                                },
                            },
                        },
                        CallOutcome::Failed(harness::Failure::NoAnswer(_)) => Verdict::Skipped {
                            reason: format!(
                                "its decision, with the tenant's secrets, reads the answer of {}, which only the tenant knows",
                                asked.call.as_deref().unwrap_or("a call")
                            ),
                        },
                        CallOutcome::Refused(error) => Verdict::Failed { sentence: format!("{name}: the local replay gave no effects: {}", harness::batch::refusal(&error)) },
                        CallOutcome::Failed(failure) => Verdict::Failed { sentence: format!("{name}: the local replay gave no effects: the module {failure}") },
                    }
                }
            };
            match &verdict {
                Verdict::Agree | Verdict::CallsNotExposed => {
                    tally.tested += 1;
                    tally.passed += 1;
                }
                Verdict::Differ { .. } | Verdict::Failed { .. } => tally.tested += 1,
                Verdict::Skipped { reason } => {
                    tally.skipped += 1;
                    // Grouped by the rule, not the event (a path differs per event).
                    let rule = reason.split(" (").next().unwrap_or(reason).to_owned();
                    match tally.reasons.iter_mut().find(|(known, _)| *known == rule) {
                        Some((_, count)) => *count += 1,
                        None => tally.reasons.push((rule, 1)),
                    }
                }
                Verdict::NotSent { .. } => tally.not_sent += 1,
            }
            let report = EventReport { action: name.to_owned(), path: case.path.display().to_string(), name: case.name.clone(), verdict };
            print_report(&report, json, &tenant.scrubber);
            reports.push(report);
        }
        if tally.tested == 0 && !args.allow_untested.iter().any(|allowed| allowed == name) {
            problems.push(format!(
                "{name} was deployed and no event of it was tested on the tenant ({} skipped, {} not sent); add fixtures that fit, or pass --allow-untested {name}",
                tally.skipped, tally.not_sent
            ));
        }
        tallies.push(tally);
    }
    let count = |f: fn(&Verdict) -> bool| reports.iter().filter(|r| f(&r.verdict)).count();
    let agree = count(|v| matches!(v, Verdict::Agree));
    let not_exposed = count(|v| matches!(v, Verdict::CallsNotExposed));
    let differ = count(|v| matches!(v, Verdict::Differ { .. }));
    let failed = count(|v| matches!(v, Verdict::Failed { .. }));
    let skipped = count(|v| matches!(v, Verdict::Skipped { .. }));
    let not_sent = count(|v| matches!(v, Verdict::NotSent { .. }));
    if let Some(path) = &args.verify_junit {
        write_junit(path, &reports, &tenant.scrubber).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if json {
        tenant.scrubber.say(
            &json!({"summary": {"agree": agree, "calls_not_exposed": not_exposed, "differ": differ, "failed": failed, "skipped": skipped, "not_sent": not_sent, "actions": tallies, "problems": problems}})
                .to_string(),
        );
    } else {
        for tally in &tallies {
            let mut line = format!("verify: {}: {} tested, {} passed", tally.action, tally.tested, tally.passed);
            if tally.skipped > 0 {
                // One reason as it is; several each with its count.
                let reasons: Vec<String> = match tally.reasons.as_slice() {
                    [(reason, _)] => vec![reason.clone()],
                    reasons => reasons.iter().map(|(reason, n)| format!("{n}: {reason}")).collect(),
                };
                line.push_str(&format!("; {} skipped ({})", tally.skipped, reasons.join("; ")));
            }
            if tally.not_sent > 0 {
                line.push_str(&format!("; {} not sent (a Management API write)", tally.not_sent));
            }
            tenant.scrubber.say(&line);
        }
        for problem in &problems {
            tenant.scrubber.say(&format!("error: {problem}"));
        }
        if not_exposed > 0 {
            tenant.scrubber.say(&format!(
                "note: for {not_exposed} event(s) the tenant's answer did not show the api calls; their log lines were compared"
            ));
        }
        tenant.scrubber.say(&format!(
            "verify: {agree} agree, {differ} differ, {failed} failed, {not_exposed} ran (calls not exposed), {skipped} skipped, {not_sent} not sent"
        ));
    }
    Ok(if differ + failed > 0 || !problems.is_empty() { 1 } else { 0 })
}

fn print_report(report: &EventReport, json: bool, scrubber: &super::tenant::Scrubber) {
    if json {
        scrubber.say(&json!({"event": report}).to_string());
        return;
    }
    let (tag, detail): (&str, Vec<String>) = match &report.verdict {
        Verdict::Agree => ("AGREE ", Vec::new()),
        Verdict::CallsNotExposed => ("RAN   ", vec!["ran; the answer does not show the api calls: its log lines agree".to_owned()]),
        Verdict::Differ { diff } => ("DIFFER", diff.clone()),
        Verdict::Failed { sentence } => ("FAIL  ", vec![sentence.clone()]),
        Verdict::Skipped { reason } => ("SKIP  ", vec![reason.clone()]),
        Verdict::NotSent { reason } => ("UNSENT", vec![reason.clone()]),
    };
    scrubber.say(&format!("{tag}  {}  {}", report.action, report.path));
    for line in detail {
        scrubber.say(&format!("        {line}"));
    }
}

fn save_answer(dir: &Path, action: &str, event: &Path, answer: &Value, scrubber: &super::tenant::Scrubber) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{action}.json"));
    let saved = json!({"event": event.display().to_string(), "answer": answer});
    let text = serde_json::to_string_pretty(&saved).context("cannot encode the answer")?;
    std::fs::write(&path, scrubber.clean(&text) + "\n").with_context(|| format!("cannot write {}", path.display()))
}

fn write_junit(path: &Path, reports: &[EventReport], scrubber: &super::tenant::Scrubber) -> std::io::Result<()> {
    let failures = reports.iter().filter(|r| r.verdict.is_failure()).count();
    let skipped = reports.iter().filter(|r| matches!(r.verdict, Verdict::Skipped { .. } | Verdict::NotSent { .. })).count();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"runner verify\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">\n<testsuite name=\"verify on the tenant\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">\n",
        reports.len(),
        reports.len()
    );
    for report in reports {
        xml.push_str(&format!("<testcase classname=\"{}\" name=\"{}\">", escape(&report.action), escape(&report.path)));
        match &report.verdict {
            Verdict::Agree => {}
            Verdict::CallsNotExposed => xml.push_str("<system-out>ran; the answer does not show the api calls: its log lines agree</system-out>"),
            Verdict::Differ { diff } => xml.push_str(&format!("<failure message=\"the tenant differs from the local replay\">{}</failure>", escape(&diff.join("\n")))),
            Verdict::Failed { sentence } => xml.push_str(&format!("<failure message=\"{}\"/>", escape(sentence))),
            Verdict::Skipped { reason } | Verdict::NotSent { reason } => xml.push_str(&format!("<skipped message=\"{}\"/>", escape(reason))),
        }
        xml.push_str("</testcase>\n");
    }
    xml.push_str("</testsuite>\n</testsuites>\n");
    std::fs::write(path, scrubber.clean(&xml))
}

fn now() -> anyhow::Result<Timestamp> {
    super::parse_now(None)
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
