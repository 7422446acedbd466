//! Verifying a deploy on the tenant: the same events through the tenant's test endpoint
//! (`POST /api/v2/actions/actions/{id}/test`) and through the local module, compared.
//!
//! This module is the pure part: which events may be sent, how Auth0's answer is read, and
//! how it is compared with the local replay. `cli/verify.rs` does the HTTP and the printing.
//!
//! Auth0 documents the answer only as `{"payload": {...}}`, "the resulting payload after the
//! Action was executed"; its Go SDK records the shape of a run that threw:
//! `{"payload": {"error": {"message", "name", "stack"}, "stats": {...}}}` with HTTP 200. The
//! shape of a run that succeeded is not public, so [`read_answer`] looks for the calls and
//! the console output under the names such an answer plausibly uses, and says which it found;
//! what it did not find is reported as not exposed, never as agreement.

use std::collections::BTreeMap;

use auth0_actions::{ActionInfo, Effect, Timestamp};
use serde::Serialize;
use serde_json::{Map, Value};

use harness::Case;

/// Keys under which an answer's payload may list the `api` calls an Action made.
const CALL_KEYS: [&str; 5] = ["commands", "api_calls", "calls", "actions", "results"];
/// Keys under which an answer's payload may hold the Action's console output.
const LOG_KEYS: [&str; 4] = ["logs", "console", "console_output", "stdout"];
/// How far the tenant's clock may be from ours, either side of the request's window.
pub const CLOCK_SLACK_MS: i64 = 1_000;

/// What the tenant has of one of our Actions' secrets: the names it has, and the values
/// this run knows (from the same environment and file as `deploy`: the values deploy was
/// given, which the tenant runs with).
#[derive(Debug, Clone, Default)]
pub struct DeployedSecrets {
    pub names: Vec<String>,
    pub known: BTreeMap<String, String>,
}

/// One event to send, or why not.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// `local`: the event with the secrets the tenant's Action runs with, for the local
    /// replay; `tenant`: the event without secrets (the tenant adds its own).
    Send { local: Value, tenant: Value },
    Skip { reason: String },
}

/// Whether a single-Action fixture of `action` can be tested on the tenant, and with which
/// event. The tenant runs with the secret values deploy was given, so the local replay uses
/// exactly those, whatever the fixture sets: a fixture is skipped only when a value its
/// decision reads is not known to this run (a secret the tenant has whose value was not
/// given, an answer only the tenant has, a continuation after a redirect).
pub fn choose(case: &Case, action: &ActionInfo, secrets: &DeployedSecrets) -> Choice {
    let skip = |reason: String| Choice::Skip { reason };
    if case.flow.is_some() || case.action.as_deref() != Some(action.name.as_str()) {
        return skip("not a fixture of this Action".to_owned());
    }
    if case.resume.is_some() {
        return skip("it continues after a redirect, which the tenant's test endpoint cannot run".to_owned());
    }
    if let Some(answer) = case.answers.first() {
        let call = answer.api.as_deref().map_or_else(|| "a Management API GET".to_owned(), |api| format!("api.{api}"));
        return skip(format!("its decision reads the answer of {call}, which only the tenant knows"));
    }
    let mut local_secrets = Map::new();
    for secret in &action.secrets {
        let name = &secret.name;
        let on_tenant = secrets.names.iter().any(|n| n == name);
        match (on_tenant, secrets.known.get(name)) {
            (true, Some(value)) => {
                local_secrets.insert(name.clone(), Value::String(value.clone()));
            }
            (true, None) => {
                return skip(format!("its decision reads the secret {name}, whose value on the tenant is not known to this run (give it as to deploy)"));
            }
            // Unset on the tenant: the decision runs without it there, and so here.
            (false, _) => {}
        }
    }
    let mut local = case.event.clone();
    let mut tenant = case.event.clone();
    if let Value::Object(event) = &mut local {
        event.insert("secrets".to_owned(), Value::Object(local_secrets));
    }
    if let Value::Object(event) = &mut tenant {
        event.remove("secrets");
    }
    Choice::Send { local, tenant }
}

/// The reason not to send an event whose local replay writes through the Management API: a
/// test run on the tenant is real, and would perform the write.
pub fn management_api_write(effects: &[Effect]) -> Option<String> {
    effects.iter().find_map(|effect| match effect {
        Effect::ManagementApi(request) if request.method.writes() => Some(format!(
            "its local replay makes a Management API write ({} {}): a test run on the tenant is real and would perform it",
            request.method.as_str(),
            request.path
        )),
        _ => None,
    })
}

/// One `api` call as an answer shows it, by its path below `api`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeenCall {
    pub api: String,
    pub args: Vec<Value>,
}

/// The tenant's answer, read leniently.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TenantRun {
    /// `payload.error`'s message and name, when the Action threw.
    pub error: Option<String>,
    /// The console lines, when the answer holds them, and under which key.
    pub logs: Option<Vec<String>>,
    pub logs_key: Option<String>,
    /// The `api` calls, when the answer lists them, and under which key.
    pub calls: Option<Vec<SeenCall>>,
    pub calls_key: Option<String>,
}

/// Reads an answer of the test endpoint.
pub fn read_answer(answer: &Value) -> TenantRun {
    let payload = answer.get("payload").unwrap_or(answer);
    let mut run = TenantRun::default();
    if let Some(error) = payload.get("error").filter(|e| !e.is_null()) {
        let text = |key: &str| error.get(key).and_then(Value::as_str).map(str::to_owned);
        run.error = Some(match (text("name"), text("message")) {
            (Some(name), Some(message)) => format!("{name}: {message}"),
            (None, Some(message)) => message,
            _ => error.to_string(),
        });
    }
    for key in LOG_KEYS {
        let lines = match payload.get(key) {
            Some(Value::String(text)) => text.lines().map(str::to_owned).collect(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|item| match item {
                    Value::String(line) => Some(line.clone()),
                    other => ["message", "msg", "text"].iter().find_map(|k| other.get(*k)?.as_str().map(str::to_owned)),
                })
                .collect(),
            _ => continue,
        };
        run.logs = Some(lines);
        run.logs_key = Some(key.to_owned());
        break;
    }
    for key in CALL_KEYS {
        let Some(Value::Array(items)) = payload.get(key) else { continue };
        let calls = items.iter().filter_map(seen_call).collect();
        run.calls = Some(calls);
        run.calls_key = Some(key.to_owned());
        break;
    }
    run
}

/// `{"target": "idToken", "name": "setCustomClaim", "args": [...]}`, or the path whole under
/// `name`, `api` or `method`; arguments as a list, or an object's values in order.
fn seen_call(item: &Value) -> Option<SeenCall> {
    let text = |keys: &[&str]| keys.iter().find_map(|k| item.get(*k)?.as_str());
    let name = text(&["name", "api", "method", "type"])?;
    let api = match text(&["target", "object"]) {
        Some(target) if !name.contains('.') => format!("{target}.{name}"),
        _ => name.to_owned(),
    };
    let args = match ["args", "arguments", "params"].iter().find_map(|k| item.get(*k)) {
        Some(Value::Array(args)) => args.clone(),
        Some(Value::Object(args)) => args.values().cloned().collect(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    Some(SeenCall { api, args })
}

/// The instants the tenant may have run at: from just before the request to just after its
/// answer, widened by [`CLOCK_SLACK_MS`] either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// What one event showed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The calls and the log lines agree.
    Agree,
    /// The log lines agree; the answer does not show the calls.
    CallsNotExposed,
    Differ { diff: Vec<String> },
    /// The Action threw on the tenant, or could not load its module.
    Failed { sentence: String },
    Skipped { reason: String },
    /// Not sent: its local replay writes through the Management API.
    NotSent { reason: String },
}

impl Verdict {
    pub fn is_failure(&self) -> bool {
        matches!(self, Verdict::Differ { .. } | Verdict::Failed { .. })
    }
}

/// Compares the tenant's run of `action` with the local replay's `effects` (replayed at the
/// window's start).
pub fn compare(action: &str, runtime: &str, effects: &[Effect], run: &TenantRun, window: Window) -> Verdict {
    let shim_prefix = format!("{action} [shim]: ");
    if let Some(error) = &run.error {
        return Verdict::Failed { sentence: format!("{action} threw on the tenant's {runtime}: {error}") };
    }
    if let Some(line) = run.logs.iter().flatten().find(|line| line.starts_with(&shim_prefix) && line.contains("could not be loaded")) {
        return Verdict::Failed {
            sentence: format!("{action} could not load its module on the tenant's {runtime}: {}", line.trim_start_matches(&shim_prefix)),
        };
    }
    let local_logs: Vec<&str> = effects.iter().filter_map(|e| if let Effect::Log(line) = e { Some(line.as_str()) } else { None }).collect();
    let local_calls: Vec<SeenCall> = effects
        .iter()
        .filter_map(|e| if let Effect::Api(call) = e { Some(SeenCall { api: call.path.clone(), args: call.args.clone() }) } else { None })
        .collect();
    let mut diff = Vec::new();
    match &run.logs {
        Some(lines) => {
            let theirs: Vec<&str> = lines.iter().map(String::as_str).filter(|l| !l.starts_with(&shim_prefix)).collect();
            let same = theirs.len() == local_logs.len() && theirs.iter().zip(&local_logs).all(|(a, b)| same_text(b, a, window));
            if !same {
                diff.push("log lines (- local, + tenant):".to_owned());
                diff.extend(local_logs.iter().map(|l| format!("- {l}")));
                diff.extend(theirs.iter().map(|l| format!("+ {l}")));
            }
        }
        None if local_logs.is_empty() && run.calls.is_some() => {}
        None => diff.push("the answer holds no console output to compare the log lines with".to_owned()),
    }
    let Some(calls) = &run.calls else {
        return if diff.is_empty() { Verdict::CallsNotExposed } else { Verdict::Differ { diff } };
    };
    let same = calls.len() == local_calls.len()
        && calls.iter().zip(&local_calls).all(|(theirs, ours)| {
            theirs.api == ours.api
                && theirs.args.len() == ours.args.len()
                && theirs.args.iter().zip(&ours.args).all(|(a, b)| same_value(b, a, window))
        });
    if !same {
        diff.push("api calls (- local, + tenant):".to_owned());
        let show = |call: &SeenCall| format!("{} {}", call.api, Value::Array(call.args.clone()));
        diff.extend(local_calls.iter().map(|c| format!("- {}", show(c))));
        diff.extend(calls.iter().map(|c| format!("+ {}", show(c))));
    }
    if diff.is_empty() { Verdict::Agree } else { Verdict::Differ { diff } }
}

fn same_value(local: &Value, tenant: &Value, window: Window) -> bool {
    match (local, tenant) {
        (Value::String(a), Value::String(b)) => same_text(a, b, window),
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_value(a, b, window)),
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same_value(v, w, window)))
        }
        _ => local == tenant,
    }
}

/// Equal, except that an instant written as `toISOString()` does (`2024-09-17T23:58:28.392Z`)
/// may be later on the tenant by no more than the window (a date computed from "now").
fn same_text(local: &str, tenant: &str, window: Window) -> bool {
    if local == tenant {
        return true;
    }
    let (ours, theirs) = (split_instants(local), split_instants(tenant));
    if ours.len() != theirs.len() {
        return false;
    }
    let span = window.end.millis() - window.start.millis() + 2 * CLOCK_SLACK_MS;
    ours.iter().zip(&theirs).all(|(a, b)| match (a, b) {
        (Piece::Text(a), Piece::Text(b)) => a == b,
        (Piece::Instant(a), Piece::Instant(b)) => {
            let delta = b.millis() - a.millis();
            (-CLOCK_SLACK_MS..=span).contains(&delta)
        }
        _ => false,
    })
}

enum Piece<'a> {
    Text(&'a str),
    Instant(Timestamp),
}

/// `text` cut into the instants it holds (24 characters, `YYYY-MM-DDTHH:MM:SS.mmmZ`) and the
/// text between them.
fn split_instants(text: &str) -> Vec<Piece<'_>> {
    const LEN: usize = 24;
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let (mut from, mut at) = (0, 0);
    while at + LEN <= bytes.len() {
        let candidate = text.get(at..at + LEN);
        let instant = candidate
            .filter(|c| c.as_bytes().get(10) == Some(&b'T') && c.ends_with('Z'))
            .and_then(|c| Timestamp::parse_js(c).ok());
        match instant {
            Some(instant) => {
                if from < at {
                    pieces.push(Piece::Text(text.get(from..at).unwrap_or_default()));
                }
                pieces.push(Piece::Instant(instant));
                at += LEN;
                from = at;
            }
            None => at += 1,
        }
    }
    if from < bytes.len() {
        pieces.push(Piece::Text(text.get(from..).unwrap_or_default()));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn window(start: &str, end: &str) -> Window {
        Window { start: Timestamp::parse_js(start).unwrap(), end: Timestamp::parse_js(end).unwrap() }
    }

    fn claim(value: &str) -> Effect {
        Effect::api("idToken.setCustomClaim", [json!("subscription"), json!(value)])
    }

    #[test]
    fn dates_from_the_clock_match_within_the_window_only() {
        let w = window("2024-09-16T23:58:28.392Z", "2024-09-16T23:58:29.000Z");
        assert!(same_text("trial;2024-09-17T23:58:28.392Z;active", "trial;2024-09-17T23:58:28.900Z;active", w));
        assert!(!same_text("trial;2024-09-17T23:58:28.392Z;active", "trial;2024-09-18T23:58:28.392Z;active", w));
        assert!(!same_text("trial;2024-09-17T23:58:28.392Z;active", "team;2024-09-17T23:58:28.392Z;active", w));
    }

    #[test]
    fn answers_are_read_leniently_and_say_what_they_lack() {
        let run = read_answer(&json!({"payload": {"commands": [{"target": "idToken", "name": "setCustomClaim", "args": ["subscription", "x"]}], "logs": "a\nb", "stats": {}}}));
        assert_eq!(run.calls.as_ref().unwrap()[0].api, "idToken.setCustomClaim");
        assert_eq!(run.logs, Some(vec!["a".to_owned(), "b".to_owned()]));
        let run = read_answer(&json!({"payload": {"stats": {}}}));
        assert_eq!((run.calls, run.logs), (None, None));
        let run = read_answer(&json!({"payload": {"error": {"message": "boom", "name": "TypeError", "stack": "…"}, "stats": {}}}));
        assert_eq!(run.error.as_deref(), Some("TypeError: boom"));
    }

    #[test]
    fn comparing_names_what_differs() {
        let w = window("2024-09-16T23:58:28.392Z", "2024-09-16T23:58:28.500Z");
        let effects = [claim("team;2025-01-31T00:00:00.000Z;active")];
        let agree = read_answer(&json!({"payload": {"commands": [{"target": "idToken", "name": "setCustomClaim", "args": ["subscription", "team;2025-01-31T00:00:00.000Z;active"]}], "logs": ""}}));
        assert_eq!(compare("Manage_Subscription", "node22", &effects, &agree, w), Verdict::Agree);
        let differ = read_answer(&json!({"payload": {"commands": [{"target": "idToken", "name": "setCustomClaim", "args": ["subscription", "edited"]}], "logs": ""}}));
        assert!(matches!(compare("Manage_Subscription", "node22", &effects, &differ, w), Verdict::Differ { .. }));
        let logs_only = read_answer(&json!({"payload": {"logs": ""}}));
        assert_eq!(compare("Manage_Subscription", "node22", &effects, &logs_only, w), Verdict::CallsNotExposed);
        let unloaded = read_answer(&json!({"payload": {"logs": "Manage_Subscription [shim]: not run, login proceeds: the module could not be loaded (WebAssembly is not available here)"}}));
        let Verdict::Failed { sentence } = compare("Manage_Subscription", "node22", &effects, &unloaded, w) else { panic!("failed") };
        assert!(sentence.starts_with("Manage_Subscription could not load its module on the tenant's node22"), "{sentence}");
    }
}
