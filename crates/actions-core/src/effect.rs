//! What an Action asks for, as data. Nothing here performs anything: the JavaScript shim
//! applies effects to Auth0's `api` object, and the runner records them.
//!
//! Wire form (the module's output, and the `expect` lists of fixtures), one object each:
//! - `{"api": "idToken.setCustomClaim", "args": ["subscription", "trial;…;active"]}`: a call
//!   on Auth0's `api` object, named by its path below `api` and given its arguments in order;
//! - `{"management_api": {"method": "POST", "path": "/api/v2/…", "body": {…}}}`: a Management
//!   API request the shim makes with the Action's own machine-to-machine credentials;
//! - `{"log": "…"}`: one `console.log` line.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::json::{write_str, write_value};

/// One effect, in the order the Action asks for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WireEffect", into = "WireEffect")]
pub enum Effect {
    Api(ApiCall),
    ManagementApi(ManagementApiRequest),
    Log(String),
}

/// The calls on Auth0's post-login `api` object that Actions here make. Others (`multifactor`,
/// `redirect`, `samlResponse`, `cache`, …) are new variants with their `api` path and arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiCall {
    /// `api.user.setAppMetadata(key, value)`; `null` deletes the key.
    SetAppMetadata { key: String, value: Value },
    /// `api.user.setUserMetadata(key, value)`; `null` deletes the key.
    SetUserMetadata { key: String, value: Value },
    /// `api.idToken.setCustomClaim(key, value)`.
    SetIdTokenClaim { key: String, value: Value },
    /// `api.accessToken.setCustomClaim(key, value)`.
    SetAccessTokenClaim { key: String, value: Value },
    /// `api.access.deny(reason)`: ends the login and the flow.
    Deny { reason: String },
}

/// Every `api` path an [`ApiCall`] may name, for error messages.
pub const API_PATHS: [&str; 5] = [
    "user.setAppMetadata",
    "user.setUserMetadata",
    "idToken.setCustomClaim",
    "accessToken.setCustomClaim",
    "access.deny",
];

impl ApiCall {
    /// The call's path below `api`, as JavaScript spells it.
    pub fn path(&self) -> &'static str {
        match self {
            ApiCall::SetAppMetadata { .. } => "user.setAppMetadata",
            ApiCall::SetUserMetadata { .. } => "user.setUserMetadata",
            ApiCall::SetIdTokenClaim { .. } => "idToken.setCustomClaim",
            ApiCall::SetAccessTokenClaim { .. } => "accessToken.setCustomClaim",
            ApiCall::Deny { .. } => "access.deny",
        }
    }

    /// The call's arguments, in order.
    pub fn args(&self) -> Vec<Value> {
        match self {
            ApiCall::SetAppMetadata { key, value }
            | ApiCall::SetUserMetadata { key, value }
            | ApiCall::SetIdTokenClaim { key, value }
            | ApiCall::SetAccessTokenClaim { key, value } => {
                vec![Value::String(key.clone()), value.clone()]
            }
            ApiCall::Deny { reason } => vec![Value::String(reason.clone())],
        }
    }

    /// Reads a call from its path and arguments, checking their number and types.
    pub fn from_parts(path: &str, args: Vec<Value>) -> Result<Self, String> {
        let key_value = |args: Vec<Value>| -> Result<(String, Value), String> {
            match <[Value; 2]>::try_from(args) {
                Ok([Value::String(key), value]) => Ok((key, value)),
                Ok([other, _]) => Err(format!(
                    "api.{path} expects a string key first, found {}",
                    crate::json::json_type(&other)
                )),
                Err(args) => Err(format!(
                    "api.{path} expects 2 arguments (key, value), found {}",
                    args.len()
                )),
            }
        };
        Ok(match path {
            "user.setAppMetadata" => {
                let (key, value) = key_value(args)?;
                ApiCall::SetAppMetadata { key, value }
            }
            "user.setUserMetadata" => {
                let (key, value) = key_value(args)?;
                ApiCall::SetUserMetadata { key, value }
            }
            "idToken.setCustomClaim" => {
                let (key, value) = key_value(args)?;
                ApiCall::SetIdTokenClaim { key, value }
            }
            "accessToken.setCustomClaim" => {
                let (key, value) = key_value(args)?;
                ApiCall::SetAccessTokenClaim { key, value }
            }
            "access.deny" => match <[Value; 1]>::try_from(args) {
                Ok([Value::String(reason)]) => ApiCall::Deny { reason },
                _ => return Err("api.access.deny expects 1 string argument (reason)".to_owned()),
            },
            other => {
                return Err(format!(
                    "unknown api call \"{other}\"; expected one of {}",
                    API_PATHS.join(", ")
                ));
            }
        })
    }
}

/// A Management API request, relative to `https://{domain}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagementApiRequest {
    pub method: HttpMethod,
    /// Starts with `/api/v2/`; path segments taken from data are percent-encoded.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
        }
    }
}

impl Effect {
    /// Writes the effect's wire form, byte for byte as serde writes it (a test holds the two
    /// equal), without serde's serializer in the module.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Effect::Api(call) => {
                out.extend_from_slice(b"{\"api\":");
                write_str(out, call.path());
                out.extend_from_slice(b",\"args\":[");
                match call {
                    ApiCall::SetAppMetadata { key, value }
                    | ApiCall::SetUserMetadata { key, value }
                    | ApiCall::SetIdTokenClaim { key, value }
                    | ApiCall::SetAccessTokenClaim { key, value } => {
                        write_str(out, key);
                        out.push(b',');
                        write_value(out, value);
                    }
                    ApiCall::Deny { reason } => write_str(out, reason),
                }
                out.extend_from_slice(b"]}");
            }
            Effect::ManagementApi(request) => {
                out.extend_from_slice(b"{\"management_api\":{\"method\":");
                write_str(out, request.method.as_str());
                out.extend_from_slice(b",\"path\":");
                write_str(out, &request.path);
                if let Some(body) = &request.body {
                    out.extend_from_slice(b",\"body\":");
                    write_value(out, body);
                }
                out.extend_from_slice(b"}}");
            }
            Effect::Log(line) => {
                out.extend_from_slice(b"{\"log\":");
                write_str(out, line);
                out.push(b'}');
            }
        }
    }
}

/// The wire form: exactly one of `api` (with `args`), `management_api` or `log`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEffect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    args: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    management_api: Option<ManagementApiRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    log: Option<String>,
}

impl TryFrom<WireEffect> for Effect {
    type Error = String;

    fn try_from(wire: WireEffect) -> Result<Self, String> {
        match wire {
            WireEffect { api: Some(path), args, management_api: None, log: None } => {
                Ok(Effect::Api(ApiCall::from_parts(&path, args.unwrap_or_default())?))
            }
            WireEffect { api: None, args: None, management_api: Some(request), log: None } => {
                Ok(Effect::ManagementApi(request))
            }
            WireEffect { api: None, args: None, management_api: None, log: Some(line) } => {
                Ok(Effect::Log(line))
            }
            _ => Err("expected an effect with exactly one of \"api\" (with \"args\"), \
                 \"management_api\" or \"log\""
                .to_owned()),
        }
    }
}

impl From<Effect> for WireEffect {
    fn from(effect: Effect) -> Self {
        let none = WireEffect { api: None, args: None, management_api: None, log: None };
        match effect {
            Effect::Api(call) => {
                WireEffect { api: Some(call.path().to_owned()), args: Some(call.args()), ..none }
            }
            Effect::ManagementApi(request) => WireEffect { management_api: Some(request), ..none },
            Effect::Log(line) => WireEffect { log: Some(line), ..none },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_through_the_wire_form() {
        let effects = vec![
            Effect::Api(ApiCall::SetIdTokenClaim { key: "k".into(), value: json!("v") }),
            Effect::Api(ApiCall::Deny { reason: "no".into() }),
            Effect::ManagementApi(ManagementApiRequest {
                method: HttpMethod::Post,
                path: "/api/v2/x".into(),
                body: Some(json!({"roles": ["rol_1"]})),
            }),
            Effect::Log("hello".into()),
        ];
        let wire = serde_json::to_value(&effects).unwrap();
        assert_eq!(wire[0], json!({"api": "idToken.setCustomClaim", "args": ["k", "v"]}));
        assert_eq!(wire[2]["management_api"]["method"], "POST");
        let back: Vec<Effect> = serde_json::from_value(wire).unwrap();
        assert_eq!(back, effects);
    }

    #[test]
    fn the_hand_written_wire_form_is_serde_s_byte_for_byte() {
        let effects = vec![
            Effect::Api(ApiCall::SetAppMetadata { key: "k\"\n".into(), value: json!({"b": [1, 2.5, null, true], "a": "é"}) }),
            Effect::Api(ApiCall::Deny { reason: "no\u{1}".into() }),
            Effect::ManagementApi(ManagementApiRequest {
                method: HttpMethod::Post,
                path: "/api/v2/x%7C".into(),
                body: Some(json!({"roles": ["rol_1", "rol_2"]})),
            }),
            Effect::ManagementApi(ManagementApiRequest { method: HttpMethod::Delete, path: "/api/v2/y".into(), body: None }),
            Effect::Log("hello \u{2028} \\".into()),
        ];
        for effect in effects {
            let mut ours = Vec::new();
            effect.write_json(&mut ours);
            assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&effect).unwrap());
        }
    }

    #[test]
    fn a_misspelt_effect_is_an_error_that_says_what_was_expected() {
        let err = serde_json::from_value::<Effect>(json!({"api": "idToken.setClaim", "args": []}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown api call \"idToken.setClaim\""), "{err}");
        let err = serde_json::from_value::<Effect>(json!({"apu": "x"})).unwrap_err().to_string();
        assert!(err.contains("unknown field `apu`"), "{err}");
        let err = serde_json::from_value::<Effect>(json!({"api": "access.deny", "log": "x"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("exactly one of"), "{err}");
    }
}
