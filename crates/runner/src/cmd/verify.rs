//! `runner verify` (and `runner deploy --verify`): the fixtures that fit the tenant's
//! configuration, each through the tenant's test endpoint and through the local module (the
//! module inside the local bundle), compared (see `runner::verify`). Exit codes: 0 every
//! event agreed (or ran, where the tenant does not show the calls), 1 an event differed or
//! failed, 2 the tool could not run.

use std::io::Write;
use std::path::{Path, PathBuf};

use actions_core::{Action, Timestamp};
use anyhow::Context;
use deploy::Bundle;
use harness::{CallOutcome, Case, Limits, ModuleRunner, discover};
use runner::junit::escape;
use runner::verify::{Choice, DeployedSecrets, Verdict, Window, choose, compare, management_api_reason, read_answer};
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
    /// Fixtures to send (files or folders); only single-Action fixtures that fit the tenant's
    /// secrets are sent, and never one whose local replay calls the Management API.
    #[arg(long = "events", value_name = "PATH", default_value = "test-events")]
    pub events: Vec<PathBuf>,
    /// Also write a JUnit XML report of the verify.
    #[arg(long, value_name = "FILE")]
    pub verify_junit: Option<PathBuf>,
    /// Keep the tenant's raw answers for the first event sent per Action, as
    /// DIR/<Action>.json, to see what the tenant shows.
    #[arg(long, value_name = "DIR")]
    pub save_answers: Option<PathBuf>,
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

/// One event's line of the report.
#[derive(Debug, Serialize)]
struct EventReport {
    action: String,
    path: String,
    name: String,
    #[serde(flatten)]
    verdict: Verdict,
}

/// Verifies every one of our Actions on an authenticated tenant.
pub fn verify_on(tenant: &mut Tenant, bundles: &[Bundle], args: &VerifyArgs, json: bool) -> anyhow::Result<u8> {
    let first = bundles.first().context("expected at least one bundle")?;
    let module = first.module().with_context(|| format!("cannot take the module out of {}'s code.js", first.name()))?;
    let runner = ModuleRunner::new(&module, Limits::default()).with_context(|| format!("cannot load the module of {}", first.name()))?;
    let paths = discover(&args.events).context("cannot list the events to send")?;
    let cases: Vec<Case> = paths.iter().filter_map(|path| Case::load(path).ok()).collect();
    let mut reports = Vec::new();
    let mut problems = Vec::new();
    for bundle in bundles {
        let Some(action) = Action::from_name(bundle.name()) else { continue };
        let found = match tenant.client.find_action(action.name()) {
            Ok(found) => found,
            Err(error) => {
                let message = tenant.scrubber.clean(&chain(&error));
                let _ = writeln!(std::io::stderr().lock(), "error: {message}");
                return Ok(if error.is_refusal() { 1 } else { 2 });
            }
        };
        let Some(found) = found else {
            problems.push(format!("{action} is not on the tenant: deploy it first"));
            continue;
        };
        let runtime = found.runtime.clone().unwrap_or_else(|| "an unknown runtime".to_owned());
        let tenant_code = found.code.as_deref().map(|code| actions_core::sha256_hex(code.as_bytes()));
        if tenant_code.as_deref() != Some(bundle.code_sha256()) && !json {
            tenant.scrubber.say(&format!(
                "note: {action}'s code on the tenant (sha256 {}) is not the local bundle's ({}); the events will show what that changes",
                tenant_code.as_deref().map_or("none", short),
                short(bundle.code_sha256())
            ));
        }
        let secrets = DeployedSecrets {
            names: found.secrets.iter().map(|s| s.name.clone()).collect(),
            known: action
                .spec()
                .decision_secrets
                .iter()
                .filter_map(|spec| Some((spec.name.to_owned(), tenant.values.get(action.name(), spec.name)?.0.expose().to_owned())))
                .collect(),
        };
        let mut saved = false;
        for case in cases.iter().filter(|case| case.flow.is_none() && case.action == action) {
            let verdict = match choose(case, action, &secrets) {
                Choice::Skip { reason } => Verdict::Skipped { reason },
                Choice::Send { local, tenant: event } => {
                    let start = now()?;
                    match runner.call(action, &local, start).outcome {
                        CallOutcome::Effects(effects) => match management_api_reason(&effects) {
                            Some(reason) => Verdict::Skipped { reason },
                            None => match tenant.client.test_action(&found.id, &event) {
                                Ok(answer) => {
                                    let window = Window { start, end: now()? };
                                    if let (Some(dir), false) = (&args.save_answers, saved) {
                                        save_answer(dir, action, &case.path, &answer, &tenant.scrubber)?;
                                        saved = true;
                                    }
                                    compare(action, &runtime, &effects, &read_answer(&answer), window)
                                }
                                Err(error) => Verdict::Failed {
                                    sentence: format!("{action}: the tenant's test endpoint refused: {}", tenant.scrubber.clean(&chain(&error))),
                                },
                            },
                        },
                        other => Verdict::Failed { sentence: format!("{action}: the local replay gave no effects: {other:?}") },
                    }
                }
            };
            let report = EventReport {
                action: action.name().to_owned(),
                path: case.path.display().to_string(),
                name: case.name.clone(),
                verdict,
            };
            print_report(&report, json, &tenant.scrubber);
            reports.push(report);
        }
    }
    let count = |f: fn(&Verdict) -> bool| reports.iter().filter(|r| f(&r.verdict)).count();
    let agree = count(|v| matches!(v, Verdict::Agree));
    let not_exposed = count(|v| matches!(v, Verdict::CallsNotExposed));
    let differ = count(|v| matches!(v, Verdict::Differ { .. }));
    let failed = count(|v| matches!(v, Verdict::Failed { .. }));
    let skipped = count(|v| matches!(v, Verdict::Skipped { .. }));
    if let Some(path) = &args.verify_junit {
        write_junit(path, &reports, &tenant.scrubber).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let sent = agree + not_exposed + differ + failed;
    if sent == 0 {
        problems.push("no event was sent: none of the fixtures fits the tenant's secrets (give their values as to deploy)".to_owned());
    }
    if json {
        tenant.scrubber.say(&json!({"summary": {"agree": agree, "calls_not_exposed": not_exposed, "differ": differ, "failed": failed, "skipped": skipped, "problems": problems}}).to_string());
    } else {
        for problem in &problems {
            tenant.scrubber.say(&format!("error: {problem}"));
        }
        if not_exposed > 0 {
            tenant.scrubber.say(&format!(
                "note: for {not_exposed} event(s) the tenant's answer did not show the api calls; their log lines were compared"
            ));
        }
        tenant.scrubber.say(&format!("verify: {agree} agree, {differ} differ, {failed} failed, {not_exposed} ran (calls not exposed), {skipped} skipped"));
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
    };
    scrubber.say(&format!("{tag}  {}  {}", report.action, report.path));
    for line in detail {
        scrubber.say(&format!("        {line}"));
    }
}

fn save_answer(dir: &Path, action: Action, event: &Path, answer: &Value, scrubber: &super::tenant::Scrubber) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{}.json", action.name()));
    let saved = json!({"event": event.display().to_string(), "answer": answer});
    let text = serde_json::to_string_pretty(&saved).context("cannot encode the answer")?;
    std::fs::write(&path, scrubber.clean(&text) + "\n").with_context(|| format!("cannot write {}", path.display()))
}

fn write_junit(path: &Path, reports: &[EventReport], scrubber: &super::tenant::Scrubber) -> std::io::Result<()> {
    let failures = reports.iter().filter(|r| r.verdict.is_failure()).count();
    let skipped = reports.iter().filter(|r| matches!(r.verdict, Verdict::Skipped { .. })).count();
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
            Verdict::Skipped { reason } => xml.push_str(&format!("<skipped message=\"{}\"/>", escape(reason))),
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
