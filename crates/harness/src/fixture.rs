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
//! A flow fixture names `"flow": ["Manage_Subscription", "Set_Default_Member_Role"]` instead
//! of `"action"`; its `expect` is one `{"action": NAME, "effects": [...]}` per Action that ran,
//! and `expect_final` the state the login ends with (see [`crate::flow`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use actions_core::{Action, Effect, Timestamp};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::flow::{FinalState, FlowAction, FlowOutcome, Step, Stub};

/// One fixture file, as written.
///
/// A fixture names either one `action` (and `expect` is that Action's effects, in order) or a
/// `flow`, the ordered Actions of the trigger (and `expect` is one `{"action", "effects"}`
/// step per Action that ran, plus `expect_final`, the state the login ends with).
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
    /// module's Actions, or a stub `{"name": NAME, "effects": [...]}` standing in for another.
    #[serde(default)]
    pub flow: Option<Vec<Value>>,
    /// The instant the login happens, as `toISOString()` prints it; `--now` when absent.
    #[serde(default)]
    pub now: Option<String>,
    /// The Action's secrets, merged over any `event.secrets`.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// The post-login event, as Auth0 sends it.
    pub event: Value,
    /// With `action`: the effects the Action must ask for, in order. With `flow`: the steps
    /// that must run, each `{"action": NAME, "effects": [...]}`.
    pub expect: Value,
    /// With `flow` only: the final `app_metadata`, `user_metadata`, `id_token_claims`,
    /// `access_token_claims` and `denied` (the reason, when the flow was denied).
    #[serde(default)]
    pub expect_final: Option<FinalState>,
    /// Set when the seed's JavaScript behaves otherwise on this input: says how, and why this
    /// Action does better. The Node tests compare with the seed only where this is absent.
    #[serde(default)]
    pub seed_differs: Option<String>,
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
    /// `action` names no Action of the module.
    #[error("{path}: expected \"action\" to be one of {known}, found {found:?}")]
    UnknownAction {
        /// The fixture file.
        path: PathBuf,
        /// The name given.
        found: String,
        /// The module's Actions, comma-separated.
        known: String,
    },
    /// `now` is not a date.
    #[error("{path}: expected \"now\" as an ISO 8601 date such as 2024-09-17T23:58:28.392Z, found {found:?} ({reason})")]
    BadNow {
        /// The fixture file.
        path: PathBuf,
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
    #[error("{path}: expected \"flow\" to list at least one of the module's Actions ({known}), found none")]
    EmptyFlow {
        /// The fixture file.
        path: PathBuf,
        /// The module's Actions, comma-separated.
        known: String,
    },
    /// A `flow` entry is neither a name nor a stub.
    #[error("{path}: \"flow\" entry {index}: expected an Action's name or a stub {{\"name\": ..., \"effects\": [...]}}, found {found}")]
    BadFlowEntry {
        /// The fixture file.
        path: PathBuf,
        /// The entry's position, from 0.
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
    /// `expect_final` without `flow`.
    #[error("{path}: expected \"expect_final\" with \"flow\", found {found}")]
    ExpectFinal {
        /// The fixture file.
        path: PathBuf,
        /// What the fixture has instead.
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
    /// The Action (for a flow: its first Action from the module).
    pub action: Action,
    /// The instant the fixture pins, if it pins one.
    pub now: Option<Timestamp>,
    /// The event, with the fixture's `secrets` merged into `event.secrets`.
    pub event: Value,
    /// The expected effects (for a flow: every step's effects, one after another).
    pub expect: Vec<Effect>,
    /// Set for a flow fixture: its Actions and the expected steps and final state.
    pub flow: Option<FlowCase>,
    /// What the fixture says it checks.
    pub description: Option<String>,
    /// Why the seed Action would answer otherwise, when it would.
    pub seed_differs: Option<String>,
}

/// The flow part of a flow fixture.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowCase {
    /// The flow's Actions in order: the module's and stubs.
    pub actions: Vec<FlowAction>,
    /// The expected steps and final state.
    pub expect: FlowOutcome,
}

impl Case {
    /// Reads and checks a fixture file.
    pub fn load(path: &Path) -> Result<Case, FixtureError> {
        let text = std::fs::read(path)
            .map_err(|source| FixtureError::Read { path: path.to_owned(), source })?;
        let fixture: Fixture = crate::json::from_slice(&text)
            .map_err(|source| FixtureError::Decode { path: path.to_owned(), source })?;
        Case::from_fixture(path, fixture)
    }

    /// Checks a decoded fixture; `path` names it in errors.
    pub fn from_fixture(path: &Path, fixture: Fixture) -> Result<Case, FixtureError> {
        let action_named = |name: &String| {
            Action::from_name(name).ok_or_else(|| FixtureError::UnknownAction {
                path: path.to_owned(),
                found: name.clone(),
                known: known_actions(),
            })
        };
        let bad_expect = |source| FixtureError::BadExpect { path: path.to_owned(), source };
        let (action, expect, flow) = match (&fixture.action, &fixture.flow) {
            (Some(name), None) => {
                if fixture.expect_final.is_some() {
                    return Err(FixtureError::ExpectFinal { path: path.to_owned(), found: "it with \"action\"" });
                }
                let expect: Vec<Effect> = serde_json::from_value(fixture.expect).map_err(bad_expect)?;
                (action_named(name)?, expect, None)
            }
            (None, Some(entries)) => {
                let actions = entries
                    .iter()
                    .enumerate()
                    .map(|(index, entry)| match entry {
                        Value::String(name) => action_named(name).map(FlowAction::Module),
                        other => serde_json::from_value::<Stub>(other.clone()).map(FlowAction::Stub).map_err(|error| {
                            FixtureError::BadFlowEntry { path: path.to_owned(), index: index + 1, found: error.to_string() }
                        }),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let Some(first) = actions.iter().find_map(|action| match action {
                    FlowAction::Module(action) => Some(*action),
                    FlowAction::Stub(_) => None,
                }) else {
                    return Err(FixtureError::EmptyFlow { path: path.to_owned(), known: known_actions() });
                };
                let steps: Vec<Step> = serde_json::from_value(fixture.expect).map_err(bad_expect)?;
                let Some(final_state) = fixture.expect_final else {
                    return Err(FixtureError::ExpectFinal { path: path.to_owned(), found: "none" });
                };
                let flat = steps.iter().flat_map(|step| step.effects.iter().cloned()).collect();
                (first, flat, Some(FlowCase { actions, expect: FlowOutcome { steps, final_state } }))
            }
            (Some(_), Some(_)) => return Err(FixtureError::ActionOrFlow { path: path.to_owned(), found: "both" }),
            (None, None) => return Err(FixtureError::ActionOrFlow { path: path.to_owned(), found: "neither" }),
        };
        let now = fixture
            .now
            .map(|text| {
                Timestamp::parse_js(&text).map_err(|error| FixtureError::BadNow {
                    path: path.to_owned(),
                    found: text.clone(),
                    reason: error.to_string(),
                })
            })
            .transpose()?;
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
            expect,
            flow,
            description: fixture.description,
            seed_differs: fixture.seed_differs,
        })
    }
}

/// Puts `secrets` into `event.secrets`, over what is there.
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

/// The module's Actions, comma-separated, for messages.
pub fn known_actions() -> String {
    Action::ALL.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")
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
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir)?.map(|entry| entry.map(|e| e.path())).collect::<Result<_, _>>()?;
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
}
