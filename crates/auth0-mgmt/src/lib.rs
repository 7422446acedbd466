//! A small client for Auth0's Management API: a client-credentials token, one generic
//! [`Client::request`] with bounded retries on rate limits, and typed calls on top
//! ([`actions`]; [`sso`] for self-service SSO tickets; [`connections`] for enterprise
//! connections and their SAML signing certificates, checked locally by [`certificate`]).
//! Each typed call declares the scopes it needs ([`scope::Required`], from Auth0's
//! Management API spec); a 403 names those the token lacks, from Auth0's own answer first.
//!
//! Architecture invariant: no token and no secret value ever reaches an error, a `Debug`
//! output or a log line. Tokens and secrets travel as [`Secret`], whose `Debug` is redacted
//! and which has no `Display`; errors name the call (method and path), the status and
//! Auth0's `message`, nothing else.

#![forbid(unsafe_code)]

pub mod actions;
pub mod certificate;
pub mod connections;
mod error;
mod retry;
pub mod scope;
pub mod sso;

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

pub use error::ApiError;
pub use retry::RetryPolicy;
use scope::Required;

/// A value that must never be printed: a client secret, a token, an Action's secret value.
/// Serializes as the plain string (it has to reach Auth0), but `Debug` shows `[redacted]`
/// and there is no `Display`.
#[derive(Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the few places that must send or compare it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// HTTP methods the Management API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A machine-to-machine client's credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The tenant's domain, e.g. `example.eu.auth0.com` (the token's audience is built from it).
    pub domain: String,
    pub client_id: String,
    pub client_secret: Secret,
}

/// How to reach the API.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://{domain}` in production; `http://127.0.0.1:PORT` (loopback only) in tests.
    pub base_url: String,
    pub retry: RetryPolicy,
    /// Time one HTTP exchange may take, connect to last byte.
    pub timeout: Duration,
}

impl ClientConfig {
    /// The production configuration for a tenant domain.
    pub fn for_domain(domain: &str) -> Result<ClientConfig, ApiError> {
        validate_domain(domain)?;
        Ok(ClientConfig {
            base_url: format!("https://{domain}"),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
        })
    }
}

/// A domain is a host name (and optionally a port), never a URL.
fn validate_domain(domain: &str) -> Result<(), ApiError> {
    let ok = !domain.is_empty()
        && domain.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::Config(format!(
            "expected the tenant domain as a host name such as example.eu.auth0.com, found {domain:?}"
        )))
    }
}

/// An answer from the API: its status and its JSON body (`Value::Null` when empty).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Value,
}

/// What the token endpoint granted (the token itself stays inside the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Space-separated scopes, as Auth0 lists them.
    pub scope: Option<String>,
    pub expires_in: Option<u64>,
}

/// A Management API client. Make one with [`Client::new`], then [`Client::authenticate`].
pub struct Client {
    agent: ureq::Agent,
    base_url: String,
    retry: RetryPolicy,
    token: Option<Secret>,
    /// The token's scopes, when the token answer listed them: a 403 names only the others.
    granted: Option<Vec<String>>,
    requests: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .field("authenticated", &self.token.is_some())
            .field("requests", &self.requests)
            .finish()
    }
}

impl Client {
    /// Refuses a base URL that would send credentials in clear text to another machine:
    /// `https://` anywhere, `http://` only to the loopback interface.
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        check_base_url(&base_url)?;
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(config.timeout))
            .max_redirects(0)
            .user_agent(concat!("auth0-actions-rs/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client {
            agent: ureq::Agent::new_with_config(agent_config),
            base_url,
            retry: config.retry,
            token: None,
            granted: None,
            requests: 0,
        })
    }

    /// HTTP exchanges sent so far, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.requests
    }

    /// Gets a token with the client-credentials grant and keeps it for later calls.
    pub fn authenticate(&mut self, credentials: &Credentials) -> Result<TokenInfo, ApiError> {
        validate_domain(&credentials.domain)?;
        #[derive(Serialize)]
        struct TokenRequest<'a> {
            grant_type: &'static str,
            client_id: &'a str,
            client_secret: &'a Secret,
            audience: String,
        }
        let body = TokenRequest {
            grant_type: "client_credentials",
            client_id: &credentials.client_id,
            client_secret: &credentials.client_secret,
            audience: format!("https://{}/api/v2/", credentials.domain),
        };
        let body = serde_json::to_value(&body).map_err(|error| ApiError::Config(error.to_string()))?;
        let call = "POST /oauth/token".to_owned();
        let response = self.send_with_retries(Method::Post, "/oauth/token", Some(&body), &call, None)?;
        let token = response.body.get("access_token").and_then(Value::as_str).ok_or_else(|| ApiError::Decode {
            call: call.clone(),
            expected: "an access_token",
            found: describe(&response.body),
        })?;
        self.token = Some(Secret::new(token));
        let scope = response.body.get("scope").and_then(Value::as_str).map(str::to_owned);
        self.granted = scope.as_deref().map(|scope| scope.split_whitespace().map(str::to_owned).collect());
        Ok(TokenInfo { scope, expires_in: response.body.get("expires_in").and_then(Value::as_u64) })
    }

    /// One call to the Management API with the token: `path` starts with `/api/v2/`.
    /// A 2xx answer is `Ok`; anything else is an [`ApiError`] naming the call.
    pub fn request(&mut self, method: Method, path: &str, body: Option<&Value>) -> Result<Response, ApiError> {
        self.send_with_token(method, path, body, &format!("{method} {path}"), None)
    }

    /// [`Client::request`] for a typed call, with the scopes it needs: a 403 whose answer names
    /// none names what the token lacks of these.
    pub(crate) fn request_needing(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        required: Required,
    ) -> Result<Response, ApiError> {
        self.send_with_token(method, path, body, &format!("{method} {path}"), Some(required))
    }

    /// [`Client::request_needing`], with errors naming the call as `call` says: for a path
    /// that holds a credential (a ticket id), which must not reach an error.
    pub(crate) fn request_as(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        (call, required): (&str, Required),
    ) -> Result<Response, ApiError> {
        self.send_with_token(method, path, body, call, Some(required))
    }

    fn send_with_token(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        call: &str,
        required: Option<Required>,
    ) -> Result<Response, ApiError> {
        if self.token.is_none() {
            return Err(ApiError::NotAuthenticated { call: call.to_owned() });
        }
        self.send_with_retries(method, path, body, call, required)
    }

    fn send_with_retries(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        call: &str,
        required: Option<Required>,
    ) -> Result<Response, ApiError> {
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let (status, headers, text) = self.send_once(method, path, body, call)?;
            let retryable = status == 429 || (method == Method::Get && matches!(status, 502..=504));
            if retryable {
                if attempt >= self.retry.max_tries.max(1) {
                    return Err(if status == 429 {
                        ApiError::RateLimited { call: call.to_owned(), tries: attempt }
                    } else {
                        error::status_error(call, status, &text, self.granted.as_deref(), required)
                    });
                }
                let wait = self.retry.wait(attempt, &headers, retry::unix_now());
                std::thread::sleep(wait);
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(error::status_error(call, status, &text, self.granted.as_deref(), required));
            }
            let body = if text.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).map_err(|error| ApiError::Decode {
                    call: call.to_owned(),
                    expected: "a JSON body",
                    found: format!("invalid JSON ({error})"),
                })?
            };
            return Ok(Response { status, body });
        }
    }

    /// One HTTP exchange: status, the rate-limit headers, and the body as text.
    fn send_once(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        call: &str,
    ) -> Result<(u16, retry::RateHeaders, String), ApiError> {
        self.requests += 1;
        let url = format!("{}{path}", self.base_url);
        let mut builder = ureq::http::Request::builder()
            .method(method.as_str())
            .uri(&url)
            .header("Accept", "application/json");
        if let Some(token) = &self.token {
            builder = builder.header("Authorization", format!("Bearer {}", token.expose()));
        }
        let transport = |error: &dyn std::fmt::Display| ApiError::Transport {
            call: call.to_owned(),
            detail: error.to_string(),
        };
        let result = match body {
            Some(body) => {
                let bytes = serde_json::to_vec(body).map_err(|error| transport(&error))?;
                let request = builder
                    .header("Content-Type", "application/json")
                    .body(bytes)
                    .map_err(|error| transport(&error))?;
                self.agent.run(request)
            }
            None => {
                let request = builder.body(()).map_err(|error| transport(&error))?;
                self.agent.run(request)
            }
        };
        let mut response = result.map_err(|error| transport(&error))?;
        let status = response.status().as_u16();
        let headers = retry::RateHeaders::from_headers(response.headers());
        let text = response
            .body_mut()
            .with_config()
            .limit(16 * 1024 * 1024)
            .read_to_string()
            .map_err(|error| transport(&error))?;
        Ok((status, headers, text))
    }
}

fn check_base_url(base_url: &str) -> Result<(), ApiError> {
    if base_url.strip_prefix("https://").is_some_and(|rest| !rest.is_empty()) {
        return Ok(());
    }
    if let Some(rest) = base_url.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        let host = if rest.starts_with("[::1]") { "[::1]" } else { host };
        if matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            return Ok(());
        }
    }
    Err(ApiError::Config(format!(
        "expected the base URL as https://HOST, or http:// to the loopback interface, found {base_url:?}"
    )))
}

/// A short description of an unexpected JSON value, for errors (never the value itself:
/// it may hold a token).
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "an empty body".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Number(_) => "a number".to_owned(),
        Value::String(_) => "a string".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).take(8).collect();
            format!("an object with keys [{}]", keys.join(", "))
        }
    }
}

/// One page of a page-numbered listing: its items, and Auth0's `total` when it gives one.
pub(crate) struct NumberedPage<T> {
    pub(crate) items: Vec<T>,
    pub(crate) total: Option<usize>,
}

/// The most items a page-numbered listing is followed for, a guard against endless paging.
const MAX_LISTED: usize = 10_000;

impl Client {
    /// Follows page-numbered paging (`path(0)`, `path(1)`, ... each asking for `per_page`
    /// items) until Auth0's `total` is reached or a page is empty, or, without a total, a page
    /// is short. `read` decodes one answer (its call named); `call` and `too_many` name the
    /// listing when it passes `MAX_LISTED` items.
    pub(crate) fn numbered_pages<T>(
        &mut self,
        path: impl Fn(usize) -> String,
        per_page: usize,
        required: Required,
        read: impl Fn(String, Value) -> Result<NumberedPage<T>, ApiError>,
        (call, too_many): (String, &'static str),
    ) -> Result<Vec<T>, ApiError> {
        let mut all = Vec::new();
        for page in 0..MAX_LISTED.div_ceil(per_page.max(1)) {
            let path = path(page);
            let response = self.request_needing(Method::Get, &path, None, required)?;
            let NumberedPage { items, total } = read(format!("GET {path}"), response.body)?;
            let count = items.len();
            all.extend(items);
            let done = match total {
                Some(total) => all.len() >= total || count == 0,
                None => count < per_page,
            };
            if done {
                return Ok(all);
            }
        }
        Err(ApiError::Decode { call, expected: too_many, found: "more".to_owned() })
    }
}

/// `null` and absence both give the default.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    Ok(<Option<T> as serde::Deserialize>::deserialize(deserializer)?.unwrap_or_default())
}

/// Decodes an answer's body leniently into a typed value; the error names the call.
pub(crate) fn decode<T: for<'de> serde::Deserialize<'de>>(call: String, value: Value, expected: &'static str) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|error| ApiError::Decode { call, expected, found: error.to_string() })
}

pub(crate) fn to_body(value: &impl Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|error| ApiError::Config(format!("cannot encode a request body: {error}")))
}

/// Percent-encodes one path segment or query value (RFC 3986 unreserved characters stay).
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        let credentials = Credentials {
            domain: "example.auth0.com".into(),
            client_id: "id".into(),
            client_secret: secret,
        };
        assert!(!format!("{credentials:?}").contains("hunter2"));
    }

    #[test]
    fn base_urls() {
        assert!(check_base_url("https://example.eu.auth0.com").is_ok());
        assert!(check_base_url("http://127.0.0.1:8080").is_ok());
        assert!(check_base_url("http://localhost:1").is_ok());
        assert!(check_base_url("http://[::1]:9").is_ok());
        assert!(check_base_url("http://example.com").is_err());
        assert!(check_base_url("http://127.0.0.1.evil.com").is_err());
        assert!(check_base_url("ftp://x").is_err());
    }

    #[test]
    fn domains() {
        assert!(validate_domain("example.eu.auth0.com").is_ok());
        assert!(validate_domain("https://example.eu.auth0.com").is_err());
        assert!(validate_domain("").is_err());
    }

    #[test]
    fn encoding() {
        assert_eq!(encode_component("Manage_Subscription"), "Manage_Subscription");
        assert_eq!(encode_component("a b&c"), "a%20b%26c");
    }
}
