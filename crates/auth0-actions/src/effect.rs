//! What an Action asked for, as the hosts read it (the runner, the tests, deploy's verify):
//! the module's answer decoded. Nothing here performs anything.
//!
//! Wire form (the module's output, and the `expect` lists of fixtures), one object each:
//! - `{"api": "idToken.setCustomClaim", "args": ["subscription", "trial;…;active"]}`: a call
//!   on Auth0's `api` object, named by its path below `api` and given its arguments in order;
//! - `{"management_api": {"method": "POST", "path": "/api/v2/…", "body": {…}}}`: a Management
//!   API request the shim makes with the Action's own machine-to-machine credentials;
//! - `{"log": "…"}`: one `console.log` line.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One effect, in the order the Action asks for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WireEffect", into = "WireEffect")]
pub enum Effect {
    Api(ApiCall),
    ManagementApi(ManagementApiRequest),
    Log(String),
}

/// A call on Auth0's `api` object: `api.<path>(...args)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCall {
    /// The call's path below `api`, as JavaScript spells it (`user.setAppMetadata`).
    pub path: String,
    /// Its arguments, in order.
    pub args: Vec<Value>,
}

impl ApiCall {
    pub fn new(path: &str, args: impl IntoIterator<Item = Value>) -> ApiCall {
        ApiCall { path: path.to_owned(), args: args.into_iter().collect() }
    }
}

impl Effect {
    /// `api.<path>(...args)`.
    pub fn api(path: &str, args: impl IntoIterator<Item = Value>) -> Effect {
        Effect::Api(ApiCall::new(path, args))
    }

    /// The `api` call, when this is one.
    pub fn as_api(&self) -> Option<&ApiCall> {
        match self {
            Effect::Api(call) => Some(call),
            _ => None,
        }
    }

    /// How a report names it: `api.user.setAppMetadata`, `Management API POST /api/v2/…`, `log`.
    pub fn describe(&self) -> String {
        match self {
            Effect::Api(call) => format!("api.{}", call.path),
            Effect::ManagementApi(request) => format!("Management API {} {}", request.method.as_str(), request.path),
            Effect::Log(_) => "console.log".to_owned(),
        }
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

    /// Whether the request changes something on the tenant.
    pub fn writes(self) -> bool {
        !matches!(self, HttpMethod::Get)
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
                crate::rules::check_known(&path)?;
                Ok(Effect::Api(ApiCall { path, args: args.unwrap_or_default() }))
            }
            WireEffect { api: None, args: None, management_api: Some(request), log: None } => {
                Ok(Effect::ManagementApi(request))
            }
            WireEffect { api: None, args: None, management_api: None, log: Some(line) } => Ok(Effect::Log(line)),
            _ => Err("expected an effect with exactly one of \"api\" (with \"args\"), \"management_api\" or \"log\"".to_owned()),
        }
    }
}

impl From<Effect> for WireEffect {
    fn from(effect: Effect) -> Self {
        let none = WireEffect { api: None, args: None, management_api: None, log: None };
        match effect {
            Effect::Api(call) => WireEffect { api: Some(call.path), args: Some(call.args), ..none },
            Effect::ManagementApi(request) => WireEffect { management_api: Some(request), ..none },
            Effect::Log(line) => WireEffect { log: Some(line), ..none },
        }
    }
}

/// A call's answer, as the module writes it ([`crate::action`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effects: Option<Vec<Effect>>,
    /// The effect whose answer the decision needs before it can go on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorData>,
}

/// An error the module answered, as it crosses the boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorData {
    /// `not_json`, `not_an_object`, `bad_now`, `undeclared_read`, `bad_answer`, …
    pub code: String,
    pub message: String,
}

/// What the host answered for one call that answers, as it crosses into the module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// The call returned this (`undefined` is `null`).
    Returns(Value),
    /// The call threw, with this message.
    Throws(String),
}

/// The answers so far, as the module reads them: `[{"effect": N, "returns"|"throws": ...}]`.
pub fn answers_json(answers: &[(usize, Answer)]) -> Vec<u8> {
    if answers.is_empty() {
        return Vec::new();
    }
    let list: Vec<Value> = answers
        .iter()
        .map(|(effect, answer)| {
            let mut object = serde_json::Map::new();
            object.insert("effect".to_owned(), Value::from(*effect));
            match answer {
                Answer::Returns(value) => object.insert("returns".to_owned(), value.clone()),
                Answer::Throws(message) => object.insert("throws".to_owned(), Value::String(message.clone())),
            };
            Value::Object(object)
        })
        .collect();
    serde_json::to_vec(&list).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_through_the_wire_form() {
        let effects = vec![
            Effect::api("idToken.setCustomClaim", [json!("k"), json!("v")]),
            Effect::api("access.deny", [json!("no")]),
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
    fn a_misspelt_effect_is_an_error_that_says_what_was_expected() {
        let err = serde_json::from_value::<Effect>(json!({"api": "idToken.setClaim", "args": []})).unwrap_err().to_string();
        assert!(err.contains("unknown api call \"idToken.setClaim\""), "{err}");
        assert!(err.contains("setCustomClaim"), "it names what api.idToken has: {err}");
        let err = serde_json::from_value::<Effect>(json!({"apu": "x"})).unwrap_err().to_string();
        assert!(err.contains("unknown field `apu`"), "{err}");
        let err = serde_json::from_value::<Effect>(json!({"api": "access.deny", "log": "x"})).unwrap_err().to_string();
        assert!(err.contains("exactly one of"), "{err}");
    }

    #[test]
    fn answers_cross_as_the_module_reads_them() {
        let text = answers_json(&[(2, Answer::Returns(json!("tok"))), (4, Answer::Throws("expired".into()))]);
        assert_eq!(String::from_utf8(text).unwrap(), r#"[{"effect":2,"returns":"tok"},{"effect":4,"throws":"expired"}]"#);
        assert!(answers_json(&[]).is_empty(), "an Action that asks for nothing gets no answers region");
    }
}
