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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use actions_core::{Action, ActionSpec, Effect, Timestamp};
use serde::Deserialize;
use serde_json::{Map, Value};

/// One fixture file, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// What the case shows; reports use the file name when absent.
    #[serde(default)]
    pub description: Option<String>,
    /// The Action's name on the tenant, e.g. `Manage_Subscription`.
    pub action: String,
    /// The instant the login happens, as `toISOString()` prints it; `--now` when absent.
    #[serde(default)]
    pub now: Option<String>,
    /// The Action's secrets, merged over any `event.secrets`.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// The post-login event, as Auth0 sends it.
    pub event: Value,
    /// The effects the Action must ask for, in order.
    pub expect: Vec<Effect>,
    /// Set when the seed's JavaScript behaves otherwise on this input: says how, and why this
    /// Action does better. The Node tests compare with the seed only where this is absent.
    #[serde(default)]
    pub seed_differs: Option<String>,
}

/// Why a fixture file cannot be used; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("{path}: cannot read the file: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Decode { path: PathBuf, source: serde_json::Error },
    #[error("{path}: expected \"action\" to be one of {known}, found {found:?}")]
    UnknownAction { path: PathBuf, found: String, known: String },
    #[error("{path}: expected \"now\" as an ISO 8601 date such as 2024-09-17T23:58:28.392Z, found {found:?} ({reason})")]
    BadNow { path: PathBuf, found: String, reason: String },
    #[error("{path}: expected \"event\" to be a JSON object")]
    EventNotObject { path: PathBuf },
}

/// A fixture checked and ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub path: PathBuf,
    pub name: String,
    pub action: Action,
    pub now: Option<Timestamp>,
    pub event: Value,
    pub expect: Vec<Effect>,
}

impl Case {
    pub fn load(path: &Path) -> Result<Case, FixtureError> {
        let text = std::fs::read(path)
            .map_err(|source| FixtureError::Read { path: path.to_owned(), source })?;
        let fixture: Fixture = serde_json::from_slice(&text)
            .map_err(|source| FixtureError::Decode { path: path.to_owned(), source })?;
        Case::from_fixture(path, fixture)
    }

    pub fn from_fixture(path: &Path, fixture: Fixture) -> Result<Case, FixtureError> {
        let action = Action::from_name(&fixture.action).ok_or_else(|| FixtureError::UnknownAction {
            path: path.to_owned(),
            found: fixture.action.clone(),
            known: known_actions(),
        })?;
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
        if !fixture.secrets.is_empty() {
            let secrets = event.entry("secrets").or_insert_with(|| Value::Object(Map::new()));
            if !secrets.is_object() {
                *secrets = Value::Object(Map::new());
            }
            if let Value::Object(secrets) = secrets {
                for (key, value) in fixture.secrets {
                    secrets.insert(key, Value::String(value));
                }
            }
        }
        let name = fixture.description.unwrap_or_else(|| {
            path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
        });
        Ok(Case { path: path.to_owned(), name, action, now, event: Value::Object(event), expect: fixture.expect })
    }
}

pub fn known_actions() -> String {
    Action::ALL.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")
}

/// The JSON the module receives for `event`: only the top-level keys the Action's decision
/// reads, and only the secrets it reads. The shim sends exactly this projection.
pub fn module_input(spec: &ActionSpec, event: &Value) -> Vec<u8> {
    let mut input = Map::new();
    if let Value::Object(event) = event {
        for key in spec.event_keys {
            if let Some(value) = event.get(*key) {
                input.insert((*key).to_owned(), value.clone());
            }
        }
        if let Some(Value::Object(secrets)) = event.get("secrets") {
            let wanted: Map<String, Value> = spec
                .decision_secrets
                .iter()
                .filter_map(|secret| Some((secret.name.to_owned(), secrets.get(secret.name)?.clone())))
                .collect();
            input.insert("secrets".to_owned(), Value::Object(wanted));
        }
    }
    serde_json::to_vec(&Value::Object(input)).unwrap_or_default()
}

/// Every `.json` file under `paths` (files as given, folders walked), in a stable order.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, std::io::Error> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found)?;
        } else {
            // A missing file is reported when it is read, with the fixture's other errors.
            found.push(path.clone());
        }
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), std::io::Error> {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir)?.map(|entry| entry.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|ext| ext == "json") {
            found.push(path);
        }
    }
    Ok(())
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
    fn the_module_sees_only_what_the_decision_reads() {
        let spec = Action::SetDefaultMemberRole.spec();
        let event = json!({
            "user": {"user_id": "u"}, "stats": {"logins_count": 1}, "request": {"ip": "1.2.3.4"},
            "secrets": {"ROLE_ID": "rol_1", "clientSecret": "shh", "domain": "d"}
        });
        let input: Value = serde_json::from_slice(&module_input(spec, &event)).unwrap();
        assert_eq!(input, json!({"user": {"user_id": "u"}, "stats": {"logins_count": 1}, "secrets": {"ROLE_ID": "rol_1"}}));
    }
}
