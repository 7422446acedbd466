//! Errors of the Management API client. Each names the call; none holds a token or a secret.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The request never got an HTTP answer: refused connection, reset, timeout, TLS.
    #[error("{call}: expected an answer from the Management API, found a transport error ({detail})")]
    Transport { call: String, detail: String },
    /// Auth0 answered with an error status.
    #[error("{call}: Auth0 answered {status}{}: {message}{}", error_name(.error), hint(*.status, .scope.as_deref(), .call))]
    Status {
        call: String,
        status: u16,
        /// Auth0's `error` (e.g. `Forbidden`), or `error` of the token endpoint.
        error: Option<String>,
        /// Auth0's `message` (or `error_description`), else a short excerpt of the body.
        message: String,
        error_code: Option<String>,
        /// The scope this call needs, when the typed call knows it.
        scope: Option<String>,
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

    /// Names the scope the call needs, for a clearer 403.
    pub fn with_scope(self, needed: &str) -> ApiError {
        match self {
            ApiError::Status { call, status, error, message, error_code, scope: None } => ApiError::Status {
                call,
                status,
                error,
                message,
                error_code,
                scope: Some(needed.to_owned()),
            },
            other => other,
        }
    }
}

fn error_name(error: &Option<String>) -> String {
    match error {
        Some(error) if !error.is_empty() => format!(" ({error})"),
        _ => String::new(),
    }
}

fn hint(status: u16, scope: Option<&str>, call: &str) -> String {
    let token_call = call.ends_with("/oauth/token");
    match (status, scope) {
        (401 | 403, _) if token_call => {
            "; check the client id and secret, and that this machine-to-machine client is \
             authorized for the Auth0 Management API"
                .to_owned()
        }
        (403, Some(scope)) => format!("; the client needs the scope {scope} (Applications > APIs > Auth0 Management API > Permissions)"),
        (401, _) => "; the token was refused: check that the domain matches the client's tenant".to_owned(),
        _ => String::new(),
    }
}

/// Builds the error for a non-2xx answer from its body, leniently: Auth0's API errors are
/// `{statusCode, error, message, errorCode}`, the token endpoint's `{error, error_description}`.
pub(crate) fn status_error(call: &str, status: u16, text: &str) -> ApiError {
    let body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let message = field("message").or_else(|| field("error_description")).unwrap_or_else(|| {
        let excerpt: String = text.chars().take(200).collect();
        if excerpt.trim().is_empty() { "no message".to_owned() } else { excerpt }
    });
    ApiError::Status {
        call: call.to_owned(),
        status,
        error: field("error"),
        message,
        error_code: field("errorCode"),
        scope: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_names_the_scope() {
        let body = r#"{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: create:actions","errorCode":"insufficient_scope"}"#;
        let error = status_error("POST /api/v2/actions/actions", 403, body).with_scope("create:actions");
        let text = error.to_string();
        assert!(text.starts_with("POST /api/v2/actions/actions: Auth0 answered 403 (Forbidden): Insufficient scope"), "{text}");
        assert!(text.contains("the client needs the scope create:actions"), "{text}");
        assert!(error.is_refusal());
    }

    #[test]
    fn token_endpoint_errors() {
        let body = r#"{"error":"access_denied","error_description":"Unauthorized"}"#;
        let text = status_error("POST /oauth/token", 401, body).to_string();
        assert!(text.contains("401 (access_denied): Unauthorized; check the client id and secret"), "{text}");
    }

    #[test]
    fn non_json_bodies() {
        let error = status_error("GET /x", 502, "<html>bad gateway</html>");
        assert!(error.to_string().contains("<html>bad gateway</html>"));
        assert!(!error.is_refusal());
        assert!(!ApiError::RateLimited { call: "x".into(), tries: 3 }.is_refusal());
    }
}
