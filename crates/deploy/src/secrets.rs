//! Where secret values come from: environment variables and an optional file. Values are
//! held as [`Secret`] from the moment they are read, so no `Debug` shows them.
//!
//! For an Action `A` and a secret `S`, the first of these that is set wins:
//! 1. env `AUTH0_SECRET_<A>_<S>` (this Action only), e.g. `AUTH0_SECRET_Set_Default_Member_Role_ROLE_ID`;
//! 2. env `AUTH0_SECRET_<S>` (every Action that declares `S`), e.g. `AUTH0_SECRET_TRIAL_DAYS`;
//! 3. the file's `A.S`, then the file's `S`.
//!
//! The file is JSON (`{"S": "v", "A": {"S": "v"}}`) or `KEY=VALUE` lines (`S=v`, `A.S=v`;
//! `#` starts a comment line).

use std::collections::BTreeMap;
use std::path::Path;

use auth0_mgmt::Secret;

use crate::DeployError;

pub const ENV_PREFIX: &str = "AUTH0_SECRET_";

/// Secret values by key: `S` (every Action) or `A.S` (one Action).
#[derive(Debug, Clone, Default)]
pub struct SecretValues {
    env: BTreeMap<String, Secret>,
    file: BTreeMap<String, Secret>,
}

impl SecretValues {
    /// Takes the `AUTH0_SECRET_*` variables from `vars` (pass `std::env::vars_os()`).
    pub fn from_env(vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>) -> SecretValues {
        let env = vars
            .into_iter()
            .filter_map(|(key, value)| {
                let key = key.into_string().ok()?;
                let name = key.strip_prefix(ENV_PREFIX)?.to_owned();
                Some((name, Secret::new(value.into_string().ok()?)))
            })
            .collect();
        SecretValues { env, file: BTreeMap::new() }
    }

    /// Adds the values of a secrets file (JSON or KEY=VALUE lines).
    pub fn with_file(mut self, path: &Path) -> Result<SecretValues, DeployError> {
        let text = std::fs::read_to_string(path).map_err(|source| DeployError::Read { path: path.to_owned(), hint: "", source })?;
        self.file = parse_file(&text).map_err(|detail| DeployError::SecretsFile { path: path.to_owned(), detail })?;
        Ok(self)
    }

    /// The value for secret `secret` of Action `action`, and where it came from (for the plan).
    pub fn get(&self, action: &str, secret: &str) -> Option<(&Secret, String)> {
        if let Some(value) = self.env.get(&format!("{action}_{secret}")) {
            return Some((value, format!("env {ENV_PREFIX}{action}_{secret}")));
        }
        if let Some(value) = self.env.get(secret) {
            return Some((value, format!("env {ENV_PREFIX}{secret}")));
        }
        if let Some(value) = self.file.get(&format!("{action}.{secret}")) {
            return Some((value, format!("file {action}.{secret}")));
        }
        self.file.get(secret).map(|value| (value, format!("file {secret}")))
    }

    /// Every value, to scrub from anything printed (belt and braces).
    pub fn all_values(&self) -> impl Iterator<Item = &Secret> {
        self.env.values().chain(self.file.values())
    }
}

/// Errors name the line or key, never a value.
fn parse_file(text: &str) -> Result<BTreeMap<String, Secret>, String> {
    let mut values = BTreeMap::new();
    if text.trim_start().starts_with('{') {
        let json: serde_json::Value = serde_json::from_str(text).map_err(|error| {
            format!("expected a JSON object of strings, found invalid JSON at line {} column {}", error.line(), error.column())
        })?;
        let serde_json::Value::Object(map) = json else { return Err("expected a JSON object".to_owned()) };
        for (key, value) in map {
            match value {
                serde_json::Value::String(value) => {
                    values.insert(key, Secret::new(value));
                }
                serde_json::Value::Object(inner) => {
                    for (secret, value) in inner {
                        let serde_json::Value::String(value) = value else {
                            return Err(format!("expected a string for {key}.{secret}, found another JSON type"));
                        };
                        values.insert(format!("{key}.{secret}"), Secret::new(value));
                    }
                }
                _ => return Err(format!("expected a string or an object for {key}, found another JSON type")),
            }
        }
        return Ok(values);
    }
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("expected KEY=VALUE at line {}, found no '='", number + 1));
        };
        let key = key.trim().trim_start_matches("export ").trim();
        if key.is_empty() {
            return Err(format!("expected a key before '=' at line {}", number + 1));
        }
        values.insert(key.to_owned(), Secret::new(value));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env(pairs: &[(&str, &str)]) -> SecretValues {
        SecretValues::from_env(pairs.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))))
    }

    #[test]
    fn per_action_env_beats_shared_env_beats_file() {
        let mut values = env(&[("AUTH0_SECRET_ROLE_ID", "shared"), ("AUTH0_SECRET_A_ROLE_ID", "mine"), ("HOME", "/x")]);
        values.file = parse_file("ROLE_ID=file\nB.ROLE_ID=fileb\n").unwrap();
        assert_eq!(values.get("A", "ROLE_ID").unwrap().0.expose(), "mine");
        assert_eq!(values.get("B", "ROLE_ID").unwrap().0.expose(), "shared");
        values.env.clear();
        assert_eq!(values.get("B", "ROLE_ID").unwrap().0.expose(), "fileb");
        assert_eq!(values.get("C", "ROLE_ID").unwrap().0.expose(), "file");
        assert!(values.get("C", "OTHER").is_none());
    }

    #[test]
    fn json_files() {
        let values = parse_file(r#"{"TRIAL_DAYS": "7", "Set_Default_Member_Role": {"ROLE_ID": "rol_1"}}"#).unwrap();
        assert_eq!(values["TRIAL_DAYS"].expose(), "7");
        assert_eq!(values["Set_Default_Member_Role.ROLE_ID"].expose(), "rol_1");
        let error = parse_file(r#"{"A": {"S": 1}}"#).unwrap_err();
        assert!(!error.contains('1') || error.contains("A.S"), "{error}");
    }

    #[test]
    fn line_errors_never_show_values() {
        let error = parse_file("# comment\nsupersecretvalue\n").unwrap_err();
        assert!(error.contains("line 2") && !error.contains("supersecretvalue"), "{error}");
        let values = parse_file("export A.S=va=lue\n").unwrap();
        assert_eq!(values["A.S"].expose(), "va=lue");
    }
}
