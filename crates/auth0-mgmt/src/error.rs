//! Errors of the Management API client. Each names the call; none holds a token or a secret.

use serde_json::Value;

use crate::scope::{Required, Scopes};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The request never got an HTTP answer: refused connection, reset, timeout, TLS.
    #[error("{call}: expected an answer from the Management API, found a transport error ({detail})")]
    Transport { call: String, detail: String },
    /// Auth0 answered with an error status.
    #[error("{call}: Auth0 answered {status}{}: {message}{}", error_name(.error), hint(*.status, .call, .missing))]
    Status {
        call: String,
        status: u16,
        /// Auth0's `error` (e.g. `Forbidden`), or `error` of the token endpoint.
        error: Option<String>,
        /// Auth0's `message` (or `error_description`), else a short excerpt of the body.
        message: String,
        error_code: Option<String>,
        /// For a 403, the scopes the token lacks of those the call needs: the call's needs as
        /// Auth0's `message` names them (else as the typed call declares them), less the
        /// token's scopes (when the token answer listed them). Empty when none is known.
        missing: Scopes,
    },
    /// Still 429 after the policy's tries.
    #[error("{call}: expected the rate limit to clear, found 429 Too Many Requests after {tries} tries")]
    RateLimited { call: String, tries: u32 },
    /// A 2xx answer that is not the expected shape.
    #[error("{call}: expected {expected} in Auth0's answer, found {found}")]
    Decode { call: String, expected: &'static str, found: String },
    #[error("{call}: no token yet: call authenticate first")]
    NotAuthenticated { call: String },
    #[error("{0}")]
    Config(String),
}

impl ApiError {
    /// The HTTP status Auth0 answered, when it answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            ApiError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// True when Auth0 refused the request (a 4xx other than 429): rerunning as is will not help.
    pub fn is_refusal(&self) -> bool {
        matches!(self, ApiError::Status { status, .. } if (400..500).contains(status) && *status != 429)
    }

    /// For a 403: the scopes the token lacks, of those the call needs (empty when none is
    /// known). `None` for any other error.
    pub fn missing_scopes(&self) -> Option<&Scopes> {
        match self {
            ApiError::Status { status: 403, missing, .. } => Some(missing),
            _ => None,
        }
    }
}

fn error_name(error: &Option<String>) -> String {
    match error {
        Some(error) if !error.is_empty() => format!(" ({error})"),
        _ => String::new(),
    }
}

/// A 403's hint names only what the token lacks: never a scope it was granted, and nothing
/// when it lacks none of those known (the refusal is then about something else).
fn hint(status: u16, call: &str, missing: &Scopes) -> String {
    let token_call = call.ends_with("/oauth/token");
    match status {
        401 | 403 if token_call => {
            "; check the client id and secret, and that this machine-to-machine client is \
             authorized for the Auth0 Management API"
                .to_owned()
        }
        403 if !missing.is_empty() => {
            format!("; the client needs {missing} (Applications > APIs > Auth0 Management API > Permissions)")
        }
        401 => "; the token was refused: check that the domain matches the client's tenant".to_owned(),
        _ => String::new(),
    }
}

/// Builds the error for a non-2xx answer from its body, leniently: Auth0's API errors are
/// `{statusCode, error, message, errorCode}`, the token endpoint's `{error, error_description}`.
///
/// For a 403, what the call needs is what Auth0's message names as expected: it is the one
/// that refused. `required`, the typed call's own declaration, counts only when the message
/// names none. `granted` is the token's scopes, when known: the hint never names one of them.
pub(crate) fn status_error(
    call: &str,
    status: u16,
    text: &str,
    granted: Option<&[String]>,
    required: Option<Required>,
) -> ApiError {
    let body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let message = field("message").or_else(|| field("error_description")).unwrap_or_else(|| {
        let excerpt: String = text.chars().take(200).collect();
        if excerpt.trim().is_empty() { "no message".to_owned() } else { excerpt }
    });
    let missing = if status == 403 {
        let named = Scopes::from_message(&message);
        let expected = match required {
            Some(required) if named.is_empty() => required.into(),
            _ => named,
        };
        expected.missing_from(granted)
    } else {
        Scopes::default()
    };
    ApiError::Status { call: call.to_owned(), status, error: field("error"), message, error_code: field("errorCode"), missing }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE: Required = Required::new(&[&["create:actions"]]);
    const CLIENT_CONNECTIONS: Required = Required::new(&[&["read:connections"], &["read:clients", "read:client_summary"]]);

    fn granted(scopes: &[&str]) -> Vec<String> {
        scopes.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn forbidden_names_the_scope_auth0_expects() {
        let body = r#"{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: create:actions","errorCode":"insufficient_scope"}"#;
        let error = status_error("POST /api/v2/actions/actions", 403, body, Some(&granted(&["read:actions"])), Some(CREATE));
        let text = error.to_string();
        assert!(text.starts_with("POST /api/v2/actions/actions: Auth0 answered 403 (Forbidden): Insufficient scope"), "{text}");
        assert!(text.ends_with("; the client needs the scope create:actions (Applications > APIs > Auth0 Management API > Permissions)"), "{text}");
        assert!(error.is_refusal());
    }

    #[test]
    fn the_hint_names_only_what_the_token_lacks() {
        let body = r#"{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected: read:connections and any of: read:clients or read:client_summary.","errorCode":"insufficient_scope"}"#;
        let call = "GET /api/v2/clients/cli_1/connections?take=50";
        let error = status_error(call, 403, body, Some(&granted(&["read:connections", "create:sso_access_tickets"])), None);
        let text = error.to_string();
        assert!(text.ends_with("; the client needs one of the scopes read:clients or read:client_summary (Applications > APIs > Auth0 Management API > Permissions)"), "{text}");
        assert!(!text.contains("needs the scope read:connections"), "{text}");
        // Auth0's word wins over the call's own requirement.
        let fallback = Required::new(&[&["read:connections"], &["delete:everything"]]);
        let with_fallback = status_error(call, 403, body, Some(&granted(&["read:connections", "create:sso_access_tickets"])), Some(fallback));
        assert_eq!(with_fallback, error);
        // Without the token's scopes, everything Auth0 names.
        let unknown = status_error(call, 403, body, None, None).to_string();
        assert!(unknown.contains("the client needs the scopes read:connections and one of read:clients or read:client_summary"), "{unknown}");
    }

    #[test]
    fn the_calls_requirement_is_the_fallback_when_auth0_names_none() {
        let body = r#"{"statusCode":403,"error":"Forbidden","message":"Forbidden"}"#;
        let call = "GET /api/v2/clients/cli_1/connections";
        let error = status_error(call, 403, body, Some(&granted(&["read:clients"])), Some(CLIENT_CONNECTIONS));
        assert!(error.to_string().ends_with("; the client needs the scope read:connections (Applications > APIs > Auth0 Management API > Permissions)"), "{error}");
        // A token that holds everything known: no hint at all, the refusal is about something else.
        let error = status_error(call, 403, body, Some(&granted(&["read:connections", "read:client_summary"])), Some(CLIENT_CONNECTIONS));
        assert_eq!(error.to_string(), "GET /api/v2/clients/cli_1/connections: Auth0 answered 403 (Forbidden): Forbidden");
        assert_eq!(error.missing_scopes(), Some(&Scopes::default()));
        // Nothing known at all: no hint either.
        assert_eq!(status_error(call, 403, body, None, None).to_string(), "GET /api/v2/clients/cli_1/connections: Auth0 answered 403 (Forbidden): Forbidden");
    }

    #[test]
    fn token_endpoint_errors() {
        let body = r#"{"error":"access_denied","error_description":"Unauthorized"}"#;
        let text = status_error("POST /oauth/token", 401, body, None, None).to_string();
        assert!(text.contains("401 (access_denied): Unauthorized; check the client id and secret"), "{text}");
    }

    #[test]
    fn non_json_bodies() {
        let error = status_error("GET /x", 502, "<html>bad gateway</html>", None, None);
        assert!(error.to_string().contains("<html>bad gateway</html>"));
        assert!(!error.is_refusal());
        assert!(error.missing_scopes().is_none());
        assert!(!ApiError::RateLimited { call: "x".into(), tries: 3 }.is_refusal());
    }
}
