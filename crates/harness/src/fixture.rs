//! Fixtures: one JSON file per case, decoded strictly (a misspelt key is an error), holding
//! an event decoded leniently (it is Auth0's, pasted from the Dashboard's Test tab).
//!
//! ```json
//! {
//!   "description": "a new user gets a one-day trial",
//!   "action": "Manage_Subscription",
//!   "now": "2024-09-16T23:58:28.392Z",
//!   "secrets": {"TRIAL_DAYS": "1"},
//!   "event": { "user": { "user_id": "auth0|1", "app_metadata": {} }, "...": "..." },
//!   "expect": [
//!     {"api": "user.setAppMetadata", "args": ["subscription", "trial;2024-09-17T23:58:28.392Z;active"]},
//!     {"api": "idToken.setCustomClaim", "args": ["subscription", "trial;2024-09-17T23:58:28.392Z;active"]}
//!   ]
//! }
//! ```
//!
//! A call that answers (`api.cache.get`, `api.redirect.encodeToken`, a Management API GET)
//! takes its answer from `answers`, in the order the Actions ask. A login that redirects
//! holds its continuation in `continue`: the event of the `/continue` request (its keys
//! replace the login's), and for one Action its answers and expected effects.
//!
//! A flow fixture names `"flow": ["Manage_Subscription", "Set_Default_Member_Role"]` instead
//! of `"action"`; its `expect` is one `{"action": NAME, "effects": [...]}` per Action that ran,
//! and `expect_final` the state the login ends with (see [`crate::flow`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use auth0_actions::{Answer, Effect, HttpMethod, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::flow::{FinalState, FlowAction, FlowOutcome, Step, Stub};

/// One fixture file, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// What the case shows; reports use the file name when absent.
    #[serde(default)]
    pub description: Option<String>,
    /// The Action's name on the tenant, e.g. `Manage_Subscription`.
    #[serde(default)]
    pub action: Option<String>,
    /// The Actions of a flow in the order the tenant binds them: each the name of one of the
    /// modules' Actions, or a stub `{"name": NAME, "effects": [...]}` standing in for another.
    #[serde(default)]
    pub flow: Option<Vec<Value>>,
    /// The instant the login happens, as `toISOString()` prints it; `--now` when absent.
    #[serde(default)]
    pub now: Option<String>,
    /// The Action's secrets, merged over any `event.secrets`.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// The trigger's event, as Auth0 sends it.
    pub event: Value,
    /// The answers of the calls that answer, in the order the Actions ask for them.
    #[serde(default)]
    pub answers: Vec<FixtureAnswer>,
    /// With `action`: the effects the Action must ask for, in order. With `flow`: the steps
    /// that must run, each `{"action": NAME, "effects": [...]}`.
    pub expect: Value,
    /// After a redirect: the continuation.
    #[serde(default, rename = "continue")]
    pub resume: Option<Continuation>,
    /// With `flow` only: the final `app_metadata`, `user_metadata`, `id_token_claims`,
    /// `access_token_claims`, `denied` and `redirect`.
    #[serde(default)]
    pub expect_final: Option<FinalState>,
    /// Set when the seed's JavaScript behaves otherwise on this input: says how, and why this
    /// Action does better. The Node tests compare with the seed only where this is absent.
    #[serde(default)]
    pub seed_differs: Option<String>,
}

/// The continuation of a login that redirected (`onContinuePostLogin`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Continuation {
    /// Keys of the event of the `/continue` request, replacing the login's (Auth0 rebuilds
    /// `request` on every resume: `{"request": {"query": {...}}}`).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub event: Map<String, Value>,
    /// The instant the user came back; the login's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    /// The answers of the continuation's calls, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<FixtureAnswer>,
    /// With `action`: the effects of `onContinuePostLogin`, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Vec<Effect>>,
}

/// The answer of one call, as a fixture gives it: the call (its `api` path and, to check,
/// its `args`; or a Management API GET), and what it returned or threw.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureAnswer {
    /// The Action that asks, when a flow must say which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The call's path below `api` (`cache.get`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// The call's arguments; when given, the call must have exactly these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<Value>>,
    /// A Management API GET: `{"method": "GET", "path": "/api/v2/..."}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_api: Option<AnsweredRequest>,
    /// What the call returned (`undefined` is `null`; a GET's `{status, body}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<Value>,
    /// The message of what the call threw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throws: Option<String>,
}

/// A Management API request an answer is for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AnsweredRequest {
    pub method: HttpMethod,
    pub path: String,
}

impl FixtureAnswer {
    /// The fixture's answer for `effect`, checked against it: `Err` says what differs.
    pub fn answer_for(&self, index: usize, action: &str, effect: &Effect) -> Result<Answer, String> {
        let at = format!("answer {} of \"answers\"", index + 1);
        if let Some(expected) = self.action.as_deref().filter(|expected| *expected != action) {
            return Err(format!("{at} is for {expected}, found {action} asking"));
        }
        let fits = match (effect, &self.api, &self.management_api) {
            (Effect::Api(call), Some(path), None) => {
                if *path != call.path {
                    return Err(format!("{at} is for api.{path}, found {action} asking for {}", crate::engine::effect_call(effect)));
                }
                self.args.as_ref().is_none_or(|args| *args == call.args)
            }
            (Effect::ManagementApi(request), None, Some(answered)) => answered.method == request.method && answered.path == request.path,
            _ => false,
        };
        if !fits {
            return Err(format!("{at} does not fit the call: {action} asked for {}", crate::engine::effect_call(effect)));
        }
        match (&self.returns, &self.throws) {
            (Some(value), None) => Ok(Answer::Returns(value.clone())),
            (None, Some(message)) => Ok(Answer::Throws(message.clone())),
            (None, None) => Ok(Answer::Returns(Value::Null)),
            (Some(_), Some(_)) => Err(format!("{at} both returns and throws: give one")),
        }
    }

    /// How a recording writes the answer `answer` to `effect`.
    pub fn recorded(action: Option<&str>, effect: &Effect, answer: &Answer) -> FixtureAnswer {
        let (api, args, management_api) = match effect {
            Effect::Api(call) => (Some(call.path.clone()), Some(call.args.clone()), None),
            Effect::ManagementApi(request) => (None, None, Some(AnsweredRequest { method: request.method, path: request.path.clone() })),
            Effect::Log(_) => (None, None, None),
        };
        let (returns, throws) = match answer {
            Answer::Returns(value) => (Some(value.clone()), None),
            Answer::Throws(message) => (None, Some(message.clone())),
        };
        FixtureAnswer { action: action.map(str::to_owned), api, args, management_api, returns, throws }
    }
}

/// Why a fixture file cannot be used; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The file cannot be read.
    #[error("{path}: cannot read the file: {source}")]
    Read {
        /// The fixture file.
        path: PathBuf,
        /// Why reading failed.
        source: std::io::Error,
    },
    /// The file is not a fixture's JSON (a syntax error, an unknown key, a wrong type).
    #[error("{path}: {source}")]
    Decode {
        /// The fixture file.
        path: PathBuf,
        /// What the decoder expected and found.
        source: crate::json::JsonError,
    },
    /// `now` is not a date.
    #[error("{path}: expected \"{key}\" as an ISO 8601 date such as 2024-09-17T23:58:28.392Z, found {found:?} ({reason})")]
    BadNow {
        /// The fixture file.
        path: PathBuf,
        /// `now` or `continue.now`.
        key: &'static str,
        /// The text given.
        found: String,
        /// Why it does not parse.
        reason: String,
    },
    /// `event` is not an object.
    #[error("{path}: expected \"event\" to be a JSON object")]
    EventNotObject {
        /// The fixture file.
        path: PathBuf,
    },
    /// Neither or both of `action` and `flow`.
    #[error("{path}: expected exactly one of \"action\" (one Action) or \"flow\" (a list of Actions), found {found}")]
    ActionOrFlow {
        /// The fixture file.
        path: PathBuf,
        /// `neither` or `both`.
        found: &'static str,
    },
    /// `flow` holds stubs only.
    #[error("{path}: expected \"flow\" to list at least one Action by name, found only stubs")]
    EmptyFlow {
        /// The fixture file.
        path: PathBuf,
    },
    /// A `flow` entry is neither a name nor a stub.
    #[error("{path}: \"flow\" entry {index}: expected an Action's name or a stub {{\"name\": ..., \"effects\": [...]}}, found {found}")]
    BadFlowEntry {
        /// The fixture file.
        path: PathBuf,
        /// The entry's position, from 1.
        index: usize,
        /// What the entry is, or why it does not decode.
        found: String,
    },
    /// `expect` is not a list of effects.
    #[error("{path}: \"expect\": {source}")]
    BadExpect {
        /// The fixture file.
        path: PathBuf,
        /// What the decoder expected and found.
        source: serde_json::Error,
    },
    /// `expect_final` without `flow`, or a flow without it; `continue.expect` likewise.
    #[error("{path}: expected {expected}, found {found}")]
    Shape {
        /// The fixture file.
        path: PathBuf,
        /// What the fixture should have.
        expected: &'static str,
        /// What it has instead.
        found: &'static str,
    },
}

/// A fixture checked and ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The fixture file.
    pub path: PathBuf,
    /// Its name in reports: its description, else its file name.
    pub name: String,
    /// The Action of a one-Action fixture, as named (the runner checks that it has it).
    pub action: Option<String>,
    /// The instant the fixture pins, if it pins one.
    pub now: Option<Timestamp>,
    /// The event, with the fixture's `secrets` merged into `event.secrets`.
    pub event: Value,
    /// The answers of the calls that answer, in order.
    pub answers: Vec<FixtureAnswer>,
    /// The expected effects of a one-Action fixture.
    pub expect: Vec<Effect>,
    /// After a redirect: the continuation, its instant resolved.
    pub resume: Option<Resume>,
    /// Set for a flow fixture: its Actions and the expected steps and final state.
    pub flow: Option<FlowCase>,
    /// What the fixture says it checks.
    pub description: Option<String>,
    /// Why the seed Action would answer otherwise, when it would.
    pub seed_differs: Option<String>,
}

/// A continuation, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume {
    /// Keys replacing the login's event's.
    pub event: Map<String, Value>,
    /// The instant of the continuation; the login's when absent.
    pub now: Option<Timestamp>,
    /// Its answers, in order.
    pub answers: Vec<FixtureAnswer>,
    /// With `action`: the effects of `onContinuePostLogin`.
    pub expect: Vec<Effect>,
}

/// The flow part of a flow fixture.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowCase {
    /// The flow's Actions in order: the modules' and stubs.
    pub actions: Vec<FlowAction>,
    /// The expected steps and final state.
    pub expect: FlowOutcome,
}

impl Case {
    /// Reads and checks a fixture file.
    pub fn load(path: &Path) -> Result<Case, FixtureError> {
        let text = std::fs::read(path).map_err(|source| FixtureError::Read { path: path.to_owned(), source })?;
        let fixture: Fixture =
            crate::json::from_slice(&text).map_err(|source| FixtureError::Decode { path: path.to_owned(), source })?;
        Case::from_fixture(path, fixture)
    }

    /// Checks a decoded fixture; `path` names it in errors.
    pub fn from_fixture(path: &Path, fixture: Fixture) -> Result<Case, FixtureError> {
        let bad_expect = |source| FixtureError::BadExpect { path: path.to_owned(), source };
        let shape = |expected, found| FixtureError::Shape { path: path.to_owned(), expected, found };
        let (action, expect, flow) = match (&fixture.action, &fixture.flow) {
            (Some(name), None) => {
                if fixture.expect_final.is_some() {
                    return Err(shape("\"expect_final\" only with \"flow\"", "it with \"action\""));
                }
                if fixture.resume.as_ref().is_some_and(|resume| resume.expect.is_none()) {
                    return Err(shape("\"continue\" to hold \"expect\", the effects of the continuation", "none"));
                }
                let expect: Vec<Effect> = serde_json::from_value(fixture.expect).map_err(bad_expect)?;
                (Some(name.clone()), expect, None)
            }
            (None, Some(entries)) => {
                let actions = entries
                    .iter()
                    .enumerate()
                    .map(|(index, entry)| match entry {
                        Value::String(name) => Ok(FlowAction::Named(name.clone())),
                        other => serde_json::from_value::<Stub>(other.clone()).map(FlowAction::Stub).map_err(|error| {
                            FixtureError::BadFlowEntry { path: path.to_owned(), index: index + 1, found: error.to_string() }
                        }),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if !actions.iter().any(|action| matches!(action, FlowAction::Named(_))) {
                    return Err(FixtureError::EmptyFlow { path: path.to_owned() });
                }
                if fixture.resume.as_ref().is_some_and(|resume| resume.expect.is_some()) {
                    return Err(shape("a flow's continuation steps in \"expect\"", "\"continue.expect\""));
                }
                let steps: Vec<Step> = serde_json::from_value(fixture.expect).map_err(bad_expect)?;
                let Some(final_state) = fixture.expect_final else {
                    return Err(shape("\"expect_final\" with \"flow\"", "none"));
                };
                (None, Vec::new(), Some(FlowCase { actions, expect: FlowOutcome { steps, final_state } }))
            }
            (Some(_), Some(_)) => return Err(FixtureError::ActionOrFlow { path: path.to_owned(), found: "both" }),
            (None, None) => return Err(FixtureError::ActionOrFlow { path: path.to_owned(), found: "neither" }),
        };
        let instant = |key: &'static str, text: Option<String>| {
            text.map(|text| {
                Timestamp::parse_js(&text).map_err(|error| FixtureError::BadNow {
                    path: path.to_owned(),
                    key,
                    found: text.clone(),
                    reason: error.to_string(),
                })
            })
            .transpose()
        };
        let now = instant("now", fixture.now)?;
        let resume = match fixture.resume {
            Some(resume) => Some(Resume {
                event: resume.event,
                now: instant("continue.now", resume.now)?,
                answers: resume.answers,
                expect: resume.expect.unwrap_or_default(),
            }),
            None => None,
        };
        let Value::Object(mut event) = fixture.event else {
            return Err(FixtureError::EventNotObject { path: path.to_owned() });
        };
        merge_secrets(&mut event, fixture.secrets);
        let name = case_name(path, None, fixture.description.as_deref());
        Ok(Case {
            path: path.to_owned(),
            name,
            action,
            now,
            event: Value::Object(event),
            answers: fixture.answers,
            expect,
            resume,
            flow,
            description: fixture.description,
            seed_differs: fixture.seed_differs,
        })
    }
}

/// What reports call a fixture or an event: its `description`, else `line N` for a line of
/// JSON Lines, else its file's name without `.json`. The one rule, for every kind of input.
pub fn case_name(path: &Path, line: Option<u64>, description: Option<&str>) -> String {
    match (description, line) {
        (Some(description), _) => description.to_owned(),
        (None, Some(line)) => format!("line {line}"),
        (None, None) => path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
    }
}

/// Sets `secrets` into `event.secrets` (creating it, or replacing a value that is not an
/// object), as fixtures and `--secret` give them.
pub fn merge_secrets(event: &mut Map<String, Value>, secrets: impl IntoIterator<Item = (String, String)>) {
    let mut secrets = secrets.into_iter().peekable();
    if secrets.peek().is_none() {
        return;
    }
    let slot = event.entry("secrets").or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(slot) = slot {
        for (key, value) in secrets {
            slot.insert(key, Value::String(value));
        }
    }
}

/// Every `.json` file under `paths` (files as given, folders walked), in a stable order.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, std::io::Error> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            found.extend(files_under(path)?.into_iter().filter(|p| p.extension().is_some_and(|ext| ext == "json")));
        } else {
            // A missing file is reported when it is read, with the fixture's other errors.
            found.push(path.clone());
        }
    }
    Ok(found)
}

/// Every file under `dir`, folders walked, in a stable (sorted) order.
pub fn files_under(dir: &Path) -> Result<Vec<PathBuf>, std::io::Error> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|entry| entry.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    let mut files = Vec::new();
    for path in entries {
        if path.is_dir() {
            files.extend(files_under(&path)?);
        } else {
            files.push(path);
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_misspelt_key_is_an_error() {
        let error = serde_json::from_value::<Fixture>(json!({
            "action": "Manage_Subscription", "event": {}, "expected": []
        }))
        .unwrap_err();
        assert!(error.to_string().contains("unknown field `expected`"), "{error}");
    }

    #[test]
    fn answers_must_fit_their_call() {
        let answer: FixtureAnswer = serde_json::from_value(json!({"api": "cache.get", "args": ["k"], "returns": null})).unwrap();
        let get = Effect::api("cache.get", [json!("k")]);
        assert_eq!(answer.answer_for(0, "A", &get), Ok(Answer::Returns(Value::Null)));
        let other = Effect::api("cache.get", [json!("other")]);
        assert!(answer.answer_for(0, "A", &other).unwrap_err().contains("does not fit the call: A asked for api.cache.get(\"other\")"));
        let wrong = Effect::api("rules.wasExecuted", [json!("r")]);
        assert_eq!(
            answer.answer_for(1, "A", &wrong).unwrap_err(),
            "answer 2 of \"answers\" is for api.cache.get, found A asking for api.rules.wasExecuted(\"r\")"
        );
    }
}
