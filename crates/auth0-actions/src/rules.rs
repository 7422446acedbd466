//! What Auth0 does with each `api` call, checked before deploy: the calls it refuses (the
//! login or token request fails, or the call throws), and the ones it silently changes (a
//! dropped claim). The replay runs every effect of every Action through [`Checker`]; a
//! refusal fails the replay with a sentence naming the rule, a silent change is a warning.
//!
//! Sources: `../shared/auth0-actions-api.md` (each trigger's `api`, §7 "Checks before
//! deploy") and Auth0's documentation pages it names.

use serde_json::Value;

use crate::declaration::Trigger;
use crate::effect::{ApiCall, Effect};
use crate::log::MAX_LOG_LINE_CHARS;

/// One thing Auth0 would do with a call, in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Auth0 refuses the call: the replay fails.
    Refused(String),
    /// Auth0 accepts it and silently changes or drops something: a warning.
    Changed(String),
}

/// The `api` of each trigger, by path below `api`.
pub fn api_paths(trigger: Trigger) -> &'static [&'static str] {
    match trigger {
        Trigger::PostLogin => &POST_LOGIN,
        Trigger::CredentialsExchange => &CREDENTIALS_EXCHANGE,
        Trigger::PreUserRegistration => &PRE_USER_REGISTRATION,
    }
}

const POST_LOGIN: [&str; 62] = [
    "access.deny",
    "accessToken.setCustomClaim",
    "accessToken.addScope",
    "accessToken.removeScope",
    "authentication.challengeWith",
    "authentication.challengeWithAny",
    "authentication.enrollWith",
    "authentication.enrollWithAny",
    "authentication.recordMethod",
    "authentication.setPrimaryUser",
    "cache.get",
    "cache.set",
    "cache.delete",
    "idToken.setCustomClaim",
    "multifactor.enable",
    "prompt.render",
    "redirect.encodeToken",
    "redirect.sendUserTo",
    "redirect.validateToken",
    "refreshToken.revoke",
    "refreshToken.setExpiresAt",
    "refreshToken.setIdleExpiresAt",
    "refreshToken.setMetadata",
    "refreshToken.deleteMetadata",
    "refreshToken.evictMetadata",
    "rules.wasExecuted",
    "samlResponse.setAttribute",
    "samlResponse.setAudience",
    "samlResponse.setRecipient",
    "samlResponse.setDestination",
    "samlResponse.setIssuer",
    "samlResponse.setRelayState",
    "samlResponse.setNameIdentifierFormat",
    "samlResponse.setAuthnContextClassRef",
    "samlResponse.setNameIdentifierProbes",
    "samlResponse.setSignatureAlgorithm",
    "samlResponse.setDigestAlgorithm",
    "samlResponse.setEncryptionAlgorithm",
    "samlResponse.setLifetimeInSeconds",
    "samlResponse.setSignResponse",
    "samlResponse.setCreateUpnClaim",
    "samlResponse.setPassthroughClaimsWithNoMapping",
    "samlResponse.setMapIdentities",
    "samlResponse.setIncludeAttributeNameFormat",
    "samlResponse.setTypedAttributes",
    "samlResponse.setMapUnknownClaimsAsIs",
    "samlResponse.setSigningCert",
    "samlResponse.setEncryptionCert",
    "samlResponse.setEncryptionPublicKey",
    "samlResponse.setCert",
    "samlResponse.setKey",
    "session.revoke",
    "session.setCookieMode",
    "transaction.setMetadata",
    "validation.error",
    "session.setExpiresAt",
    "session.setIdleExpiresAt",
    "session.setMetadata",
    "session.deleteMetadata",
    "session.evictMetadata",
    "user.setAppMetadata",
    "user.setUserMetadata",
];

const CREDENTIALS_EXCHANGE: [&str; 9] = [
    "access.deny",
    "accessToken.setCustomClaim",
    "cache.get",
    "cache.set",
    "cache.delete",
    "transaction.addTargetScope",
    "transaction.removeTargetScope",
    "transaction.setTargetScopes",
    "transaction.clearTargetScopes",
];

const PRE_USER_REGISTRATION: [&str; 7] =
    ["access.deny", "validation.error", "user.setAppMetadata", "user.setUserMetadata", "cache.get", "cache.set", "cache.delete"];

fn has(trigger: Trigger, path: &str) -> bool {
    api_paths(trigger).contains(&path)
}

/// Whether some trigger's `api` has `path`; the error names what that namespace has (a
/// misspelt call in a fixture is an error, not an effect that can never match).
pub fn check_known(path: &str) -> Result<(), String> {
    if Trigger::ALL.iter().any(|trigger| has(*trigger, path)) {
        return Ok(());
    }
    let namespace = path.split('.').next().unwrap_or_default();
    let mut siblings: Vec<&str> = Trigger::ALL
        .iter()
        .flat_map(|trigger| api_paths(*trigger).iter())
        .filter_map(|known| known.strip_prefix(namespace).and_then(|rest| rest.strip_prefix('.')))
        .collect();
    siblings.sort_unstable();
    siblings.dedup();
    if siblings.is_empty() {
        Err(format!("unknown api call \"{path}\": no trigger's api has a namespace \"{namespace}\""))
    } else {
        Err(format!("unknown api call \"{path}\"; api.{namespace} has {}", siblings.join(", ")))
    }
}

/// Claim names Auth0 drops (or rejects) when an Action sets them (auth0-actions-api.md §7,
/// and the OAuth names `scope`, `dpop_jkt`, `tfa` it also reserves).
pub const RESTRICTED_CLAIMS: &[&str] = &[
    "acr", "act", "active", "amr", "at_hash", "ath", "attest", "aud", "auth_time", "authorization_details", "azp",
    "c_hash", "client_id", "cnf", "cty", "dest", "dpop_jkt", "entitlements", "events", "exp", "groups", "gty", "htm",
    "htu", "iat", "internalService", "iss", "jcard", "jku", "jti", "jwe", "jwk", "kid", "may_act", "mky", "nbf",
    "nonce", "object_id", "org_id", "org_name", "orig", "origid", "permissions", "roles", "rph", "s_hash", "scope",
    "sid", "sip_callid", "sip_cseq_num", "sip_date", "sip_from_tag", "sip_via_branch", "sub", "sub_jwk", "tfa", "toe",
    "txn", "typ", "uuid", "vot", "vtm", "x5t#S256",
];

/// Whether Auth0 would drop a custom claim of this name.
pub fn is_restricted_claim(name: &str) -> bool {
    RESTRICTED_CLAIMS.contains(&name)
}

/// Hosts Auth0 forbids in custom claim namespaces (and their subdomains).
pub const FORBIDDEN_CLAIM_DOMAINS: [&str; 3] = ["auth0.com", "webtask.io", "webtask.run"];

/// Why Auth0 would drop a claim of this name, if it would.
pub fn claim_dropped(name: &str) -> Option<String> {
    if is_restricted_claim(name) {
        return Some(format!("{name:?} is a restricted claim name"));
    }
    if name.starts_with("urn:auth0") {
        return Some("the urn:auth0 namespace is reserved".to_owned());
    }
    let host = name.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_ascii_lowercase())?;
    FORBIDDEN_CLAIM_DOMAINS
        .iter()
        .find(|domain| host == **domain || host.strip_suffix(*domain).is_some_and(|head| head.ends_with('.')))
        .map(|domain| format!("claim namespaces must not use {domain}"))
}

/// Auth0's limits (auth0-actions-api.md §7).
const MAX_CACHE_ENTRIES: usize = 20;
const MAX_CACHE_KEY_BYTES: usize = 64;
const MAX_CACHE_VALUE_BYTES: usize = 4096;
const MAX_CACHE_TTL_MS: f64 = 86_400_000.0;
const MAX_CLAIMS_BYTES: usize = 100 * 1024;
const MAX_TRANSACTION_KEY_CHARS: usize = 64;
const MAX_TRANSACTION_VALUE_BYTES: usize = 8 * 1024;
const MAX_TRANSACTION_BYTES: usize = 16 * 1024;
const MAX_SESSION_METADATA_KEYS: usize = 25;
const MAX_SESSION_METADATA_VALUE_CHARS: usize = 255;
const MAX_PRIMARY_USER_ID_CHARS: usize = 128;
const MAX_SAML_ATTRIBUTES: usize = 100;

/// `app_metadata` keys Auth0 reserves.
const RESERVED_APP_METADATA: [&str; 18] = [
    "__tenant", "_id", "blocked", "clientID", "created_at", "email_verified", "email", "globalClientID",
    "global_client_id", "identities", "lastIP", "lastLogin", "loginsCount", "metadata", "multifactor_last_modified",
    "multifactor", "updated_at", "user_id",
];

/// Where a call is made: which trigger, handler and Action, and the event it read.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub trigger: Trigger,
    /// `onExecutePostLogin`, `onContinuePostLogin`, …
    pub handler: &'a str,
    pub action: &'a str,
    /// The whole event the Action was run on.
    pub event: &'a Value,
}

/// Checks the calls of one execution of a trigger (a flow, redirects included), keeping
/// what the limits that span calls need.
#[derive(Debug, Default)]
pub struct Checker {
    cache_keys: Vec<String>,
    primary_user_set: bool,
    /// (Action, handler) that redirected, and the URLs sent to.
    redirected: Vec<(String, String)>,
    redirect_urls: Vec<String>,
    /// (Action, handler) that rendered a Form.
    rendered: Vec<(String, String)>,
    id_token_claims: serde_json::Map<String, Value>,
    access_token_claims: serde_json::Map<String, Value>,
    transaction_metadata: serde_json::Map<String, Value>,
    session_metadata: Vec<String>,
    saml_attributes: Vec<String>,
}

impl Checker {
    pub fn new() -> Checker {
        Checker::default()
    }

    /// What Auth0 does with one effect, made at `place`.
    pub fn effect(&mut self, place: &Place<'_>, effect: &Effect) -> Vec<Finding> {
        match effect {
            Effect::Api(call) => self.call(place, call),
            Effect::Log(line) => {
                let chars = line.chars().count();
                if chars > MAX_LOG_LINE_CHARS {
                    vec![Finding::Changed(format!(
                        "{}: a log line of {chars} characters would be cut to the {MAX_LOG_LINE_CHARS} Auth0 keeps",
                        place.action
                    ))]
                } else {
                    Vec::new()
                }
            }
            Effect::ManagementApi(request) => {
                if request.path.starts_with("/api/v2/") {
                    Vec::new()
                } else {
                    vec![Finding::Refused(format!(
                        "{}: a Management API request must go to a path under /api/v2/, found {:?}",
                        place.action, request.path
                    ))]
                }
            }
        }
    }

    /// What Auth0 does with one `api` call made at `place`.
    pub fn call(&mut self, place: &Place<'_>, call: &ApiCall) -> Vec<Finding> {
        let refused = |rule: String| vec![Finding::Refused(format!("{}: api.{} would be refused by Auth0: {rule}", place.action, call.path))];
        if !has(place.trigger, &call.path) {
            return refused(format!("the {} api has no such call", place.trigger.id()));
        }
        match self.rule(place, call) {
            Ok(changed) => changed.into_iter().map(Finding::Changed).collect(),
            Err(rule) => refused(rule),
        }
    }

    /// What the whole execution leaves that Auth0 limits: the claims' size per token.
    pub fn finish(&self) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (token, claims) in [("ID token", &self.id_token_claims), ("access token", &self.access_token_claims)] {
            let bytes = serde_json::to_vec(claims).map(|b| b.len()).unwrap_or(0);
            if bytes > MAX_CLAIMS_BYTES {
                findings.push(Finding::Refused(format!(
                    "the custom claims of the {token} would be {bytes} bytes, over the {MAX_CLAIMS_BYTES} Auth0 allows: the transaction would fail"
                )));
            }
        }
        findings
    }

    fn rule(&mut self, place: &Place<'_>, call: &ApiCall) -> Result<Vec<String>, String> {
        let args = Args { values: &call.args, path: &call.path };
        let post_login = place.trigger == Trigger::PostLogin;
        match call.path.as_str() {
            "access.deny" => match place.trigger {
                Trigger::PostLogin => {
                    args.count(1)?;
                    args.string(0, "reason")?;
                }
                Trigger::CredentialsExchange => {
                    args.count_between(1, 2)?;
                    let code = args.string(0, "code")?;
                    if !["invalid_scope", "invalid_request", "server_error"].contains(&code) {
                        return Err(format!("expected a code among invalid_scope, invalid_request, server_error, found {code:?}"));
                    }
                    if args.values.len() == 2 {
                        args.string(1, "reason")?;
                    }
                }
                Trigger::PreUserRegistration => {
                    args.count(2)?;
                    args.string(0, "reason")?;
                    args.string(1, "userMessage")?;
                }
            },
            "accessToken.setCustomClaim" | "idToken.setCustomClaim" => {
                args.count(2)?;
                let key = args.string(0, "key")?;
                if key.is_empty() {
                    return Err("expected a claim name, found an empty string".to_owned());
                }
                let value = args.values.get(1).cloned().unwrap_or_default();
                let token = if call.path.starts_with("id") { &mut self.id_token_claims } else { &mut self.access_token_claims };
                token.insert(key.to_owned(), value);
                let token_name = call.path.split('.').next().unwrap_or_default();
                if let Some(why) = claim_dropped(key) {
                    return Ok(vec![format!("{}: api.{token_name}.setCustomClaim({key:?}) would be dropped by Auth0: {why}", place.action)]);
                }
                if token_name == "accessToken" && !key.contains("://") && auth0_api_audience(place.event) {
                    return Ok(vec![format!(
                        "{}: api.accessToken.setCustomClaim({key:?}) would be dropped by Auth0: an access token for an Auth0 API keeps namespaced claims only",
                        place.action
                    )]);
                }
            }
            "accessToken.addScope" | "accessToken.removeScope" => {
                args.count(1)?;
                let scope = args.string(0, "scope")?;
                // RFC 6749's scope-token: printable ASCII without spaces, `"` or `\`.
                if scope.is_empty() || !scope.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\') {
                    return Err(format!("expected a scope token (printable ASCII, no spaces, quotes or backslashes), found {scope:?}"));
                }
            }
            "authentication.challengeWith" | "authentication.enrollWith" => {
                args.count_between(1, 2)?;
                let enroll = call.path.ends_with("enrollWith");
                factor(args.values.first(), enroll)?;
                if let Some(options) = args.values.get(1) {
                    let additional = options.get("additionalFactors");
                    match additional {
                        None | Some(Value::Null) => {}
                        Some(Value::Array(list)) => list.iter().try_for_each(|f| factor(Some(f), enroll))?,
                        Some(other) => return Err(format!("expected additionalFactors as an array of factors, found {}", kind(other))),
                    }
                }
            }
            "authentication.challengeWithAny" | "authentication.enrollWithAny" => {
                args.count(1)?;
                let enroll = call.path.ends_with("enrollWithAny");
                match args.values.first() {
                    Some(Value::Array(list)) if !list.is_empty() => list.iter().try_for_each(|f| factor(Some(f), enroll))?,
                    Some(other) => return Err(format!("expected a non-empty array of factors, found {}", describe(other))),
                    None => return Err("expected an array of factors, found none".to_owned()),
                }
            }
            "authentication.recordMethod" => {
                args.count(1)?;
                if place.handler != "onContinuePostLogin" {
                    return Err(format!("recordMethod is allowed only in onContinuePostLogin, found it in {}", place.handler));
                }
                http_url(args.string(0, "provider_url")?)?;
            }
            "authentication.setPrimaryUser" => {
                args.count(1)?;
                let id = args.string(0, "primary_user_id")?;
                if id.is_empty() || id.chars().count() > MAX_PRIMARY_USER_ID_CHARS {
                    return Err(format!("expected a user id of 1 to {MAX_PRIMARY_USER_ID_CHARS} characters, found {} characters", id.chars().count()));
                }
                if self.primary_user_set {
                    return Err("setPrimaryUser may be called once per transaction, found a second call".to_owned());
                }
                self.primary_user_set = true;
            }
            "cache.get" | "cache.delete" => {
                args.count(1)?;
                cache_key(args.string(0, "key")?)?;
            }
            "cache.set" => {
                args.count_between(2, 3)?;
                let key = cache_key(args.string(0, "key")?)?;
                let value = match args.values.get(1) {
                    Some(Value::String(value)) => value,
                    Some(other) => return Err(format!("expected the value as a string, found {}", kind(other))),
                    None => return Err("expected a value".to_owned()),
                };
                if value.len() > MAX_CACHE_VALUE_BYTES {
                    return Err(format!("expected a value of at most {MAX_CACHE_VALUE_BYTES} bytes, found {} bytes", value.len()));
                }
                if let Some(options) = args.values.get(2) {
                    for name in ["ttl", "expires_at"] {
                        match options.get(name) {
                            None | Some(Value::Null) => {}
                            Some(Value::Number(n)) if n.as_f64().is_some_and(|n| n > 0.0) => {
                                if name == "ttl" && n.as_f64().is_some_and(|n| n > MAX_CACHE_TTL_MS) {
                                    return Err(format!("expected a ttl of at most {MAX_CACHE_TTL_MS} ms (24 h), found {n}"));
                                }
                            }
                            Some(other) => return Err(format!("expected {name} as a positive number of milliseconds, found {}", describe(other))),
                        }
                    }
                }
                if !self.cache_keys.iter().any(|k| k == key) {
                    self.cache_keys.push(key.to_owned());
                }
                if self.cache_keys.len() > MAX_CACHE_ENTRIES {
                    return Err(format!("expected at most {MAX_CACHE_ENTRIES} cache entries per trigger, found {}", self.cache_keys.len()));
                }
            }
            "multifactor.enable" => {
                args.count_between(1, 2)?;
                let provider = args.string(0, "provider")?;
                const PROVIDERS: [&str; 5] = ["duo", "none", "guardian", "google-authenticator", "any"];
                if !PROVIDERS.contains(&provider) {
                    return Err(format!("expected a provider among {}, found {provider:?}", PROVIDERS.join(", ")));
                }
                if let Some(options) = args.values.get(1) {
                    let Value::Object(options) = options else {
                        return Err(format!("expected the options as an object, found {}", kind(options)));
                    };
                    for (key, value) in options {
                        match (key.as_str(), value) {
                            ("allowRememberBrowser", Value::Bool(_)) => {}
                            ("allowRememberBrowser", other) => return Err(format!("expected allowRememberBrowser as a boolean, found {}", kind(other))),
                            ("providerOptions", Value::Object(duo)) if provider == "duo" => {
                                for needed in ["host", "ikey", "skey"] {
                                    if !duo.get(needed).is_some_and(Value::is_string) {
                                        return Err(format!("expected providerOptions.{needed} as a string for duo, found none"));
                                    }
                                }
                            }
                            ("providerOptions", _) => return Err("expected providerOptions only for duo, as {host, ikey, skey, username?}".to_owned()),
                            (other, _) => return Err(format!("expected the options allowRememberBrowser and providerOptions, found {other:?}")),
                        }
                    }
                }
            }
            "prompt.render" => {
                args.count_between(1, 2)?;
                let form = args.string(0, "formId")?;
                if !form.starts_with("ap_") {
                    return Err(format!("expected a Form id starting with ap_, found {form:?}"));
                }
                if let Some(options) = args.values.get(1) {
                    for name in ["fields", "vars"] {
                        if let Some(value) = options.get(name).filter(|v| !v.is_null() && !v.is_object()) {
                            return Err(format!("expected {name} as an object, found {}", kind(value)));
                        }
                    }
                }
                let here = (place.action.to_owned(), place.handler.to_owned());
                if self.redirected.contains(&here) {
                    return Err("an Action may not render a Form and redirect in the same execution".to_owned());
                }
                if self.rendered.contains(&here) {
                    return Err("an Action may render one Form per execution, found a second".to_owned());
                }
                self.rendered.push(here);
                interactive(place)?;
            }
            "redirect.encodeToken" => {
                args.count(1)?;
                let Some(Value::Object(options)) = args.values.first() else {
                    return Err("expected {secret, payload, expiresInSeconds?}".to_owned());
                };
                if options.get("secret").and_then(Value::as_str).is_none_or(str::is_empty) {
                    return Err("expected secret as a non-empty string".to_owned());
                }
                if !options.get("payload").is_some_and(Value::is_object) {
                    return Err("expected payload as an object".to_owned());
                }
                if let Some(seconds) = options.get("expiresInSeconds")
                    && !seconds.as_f64().is_some_and(|s| s > 0.0)
                {
                    return Err(format!("expected expiresInSeconds as a positive number, found {}", describe(seconds)));
                }
            }
            "redirect.sendUserTo" => {
                args.count_between(1, 2)?;
                let url = args.string(0, "url")?;
                http_url(url)?;
                if let Some(options) = args.values.get(1) {
                    match options.get("query") {
                        None | Some(Value::Null) => {}
                        Some(Value::Object(query)) => {
                            if let Some((key, value)) = query.iter().find(|(_, v)| !v.is_string()) {
                                return Err(format!("expected query values as strings, found {} for {key:?}", kind(value)));
                            }
                        }
                        Some(other) => return Err(format!("expected query as an object of strings, found {}", kind(other))),
                    }
                }
                let here = (place.action.to_owned(), place.handler.to_owned());
                if self.rendered.contains(&here) {
                    return Err("an Action may not render a Form and redirect in the same execution".to_owned());
                }
                if self.redirected.contains(&here) {
                    return Err("an Action may redirect once per execution, found a second sendUserTo".to_owned());
                }
                if self.redirect_urls.iter().any(|seen| seen == url) {
                    return Err(format!("each URL may be redirected to once per flow, found {url:?} again"));
                }
                self.redirected.push(here);
                self.redirect_urls.push(url.to_owned());
                interactive(place)?;
            }
            "redirect.validateToken" => {
                args.count(1)?;
                let Some(Value::Object(options)) = args.values.first() else {
                    return Err("expected {secret, tokenParameterName?}".to_owned());
                };
                if options.get("secret").and_then(Value::as_str).is_none_or(str::is_empty) {
                    return Err("expected secret as a non-empty string".to_owned());
                }
                if let Some(name) = options.get("tokenParameterName").filter(|n| !n.is_string()) {
                    return Err(format!("expected tokenParameterName as a string, found {}", kind(name)));
                }
            }
            "refreshToken.revoke" => {
                args.count(1)?;
                args.string(0, "reason")?;
                if protocol(place.event) != Some("oauth2-refresh-token") {
                    return Err("refreshToken.revoke is allowed only when event.transaction.protocol is oauth2-refresh-token".to_owned());
                }
            }
            "refreshToken.setExpiresAt" | "refreshToken.setIdleExpiresAt" | "session.setExpiresAt" | "session.setIdleExpiresAt" => {
                args.count(1)?;
                if !args.values.first().and_then(Value::as_f64).is_some_and(|ms| ms > 0.0) {
                    return Err("expected milliseconds since 1970 as a positive number".to_owned());
                }
            }
            "refreshToken.setMetadata" | "session.setMetadata" => {
                args.count(2)?;
                let key = args.string(0, "key")?.to_owned();
                match args.values.get(1) {
                    Some(Value::String(value)) => {
                        if value.chars().count() > MAX_SESSION_METADATA_VALUE_CHARS {
                            return Err(format!("expected a value of at most {MAX_SESSION_METADATA_VALUE_CHARS} characters, found {}", value.chars().count()));
                        }
                        if call.path.starts_with("session") && !self.session_metadata.contains(&key) {
                            self.session_metadata.push(key);
                            if self.session_metadata.len() > MAX_SESSION_METADATA_KEYS {
                                return Err(format!("expected at most {MAX_SESSION_METADATA_KEYS} session metadata keys, found {}", self.session_metadata.len()));
                            }
                        }
                    }
                    Some(Value::Null) => {}
                    Some(other) => return Err(format!("expected the value as a string or null, found {}", kind(other))),
                    None => return Err("expected a value".to_owned()),
                }
            }
            "refreshToken.deleteMetadata" | "session.deleteMetadata" => {
                args.count(1)?;
                args.string(0, "key")?;
            }
            "refreshToken.evictMetadata" | "session.evictMetadata" | "transaction.clearTargetScopes" => args.count(0)?,
            "rules.wasExecuted" => {
                args.count(1)?;
                args.string(0, "ruleId")?;
            }
            "session.revoke" => {
                args.count_between(1, 2)?;
                args.string(0, "reason")?;
                if let Some(flag) = args.values.get(1).and_then(|options| options.get("preserveRefreshTokens")).filter(|v| !v.is_boolean()) {
                    return Err(format!("expected preserveRefreshTokens as a boolean, found {}", kind(flag)));
                }
            }
            "session.setCookieMode" => {
                args.count(1)?;
                let mode = args.string(0, "mode")?;
                if !["persistent", "non-persistent"].contains(&mode) {
                    return Err(format!("expected persistent or non-persistent, found {mode:?}"));
                }
            }
            "transaction.setMetadata" => {
                args.count(2)?;
                let key = args.string(0, "key")?;
                if key.is_empty() || key.chars().count() > MAX_TRANSACTION_KEY_CHARS {
                    return Err(format!("expected a key of 1 to {MAX_TRANSACTION_KEY_CHARS} characters, found {}", key.chars().count()));
                }
                let value = args.values.get(1).cloned().unwrap_or_default();
                match &value {
                    Value::Null => {
                        self.transaction_metadata.remove(key);
                    }
                    Value::String(_) | Value::Bool(_) => {}
                    Value::Number(n) => {
                        if n.as_f64().is_some_and(|n| n.fract() == 0.0 && n.abs() > 9_007_199_254_740_991.0) {
                            return Err(format!("expected a safe integer (at most 2^53 - 1), found {n}"));
                        }
                    }
                    other => return Err(format!("expected a string, number, boolean or null, found {}", kind(other))),
                }
                let bytes = serde_json::to_vec(&value).map(|b| b.len()).unwrap_or(0);
                if bytes > MAX_TRANSACTION_VALUE_BYTES {
                    return Err(format!("expected a value of at most {MAX_TRANSACTION_VALUE_BYTES} bytes, found {bytes}"));
                }
                if !value.is_null() {
                    self.transaction_metadata.insert(key.to_owned(), value);
                }
                let total = serde_json::to_vec(&self.transaction_metadata).map(|b| b.len()).unwrap_or(0);
                if total > MAX_TRANSACTION_BYTES {
                    return Err(format!("expected the transaction's metadata to stay within {MAX_TRANSACTION_BYTES} bytes, found {total}"));
                }
            }
            "transaction.addTargetScope" | "transaction.removeTargetScope" => {
                args.count(1)?;
                args.string(0, "scope")?;
            }
            "transaction.setTargetScopes" => {
                args.count(1)?;
                if !args.values.first().and_then(Value::as_array).is_some_and(|list| list.iter().all(Value::is_string)) {
                    return Err("expected an array of scope strings".to_owned());
                }
            }
            "user.setAppMetadata" | "user.setUserMetadata" => {
                args.count(2)?;
                let key = args.string(0, "key")?;
                if key.is_empty() || key.contains('.') || key.contains('$') {
                    return Err(format!("expected a metadata key without '.' or '$', found {key:?}"));
                }
                if call.path == "user.setAppMetadata" && RESERVED_APP_METADATA.contains(&key) {
                    return Err(format!("{key:?} is a name Auth0 reserves in app_metadata"));
                }
            }
            "validation.error" => {
                args.count(2)?;
                args.string(0, "errorCode")?;
                args.string(1, "errorMessage")?;
            }
            "samlResponse.setAttribute" => {
                args.count(2)?;
                let name = args.string(0, "name")?;
                if name.len() > 1024 {
                    return Err(format!("expected an attribute name of at most 1024 bytes, found {}", name.len()));
                }
                let value = args.values.get(1).cloned().unwrap_or_default();
                let scalar = |v: &Value| matches!(v, Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_));
                let fits = match &value {
                    Value::Array(items) => items.iter().all(scalar),
                    other => scalar(other),
                };
                if !fits {
                    return Err(format!("expected a string, number, boolean, null or an array of those, found {}", kind(&value)));
                }
                if serde_json::to_vec(&value).map(|b| b.len()).unwrap_or(0) > 2048 {
                    return Err("expected an attribute value of at most 2 KB".to_owned());
                }
                if !self.saml_attributes.iter().any(|seen| seen == name) {
                    self.saml_attributes.push(name.to_owned());
                }
                if self.saml_attributes.len() > MAX_SAML_ATTRIBUTES {
                    return Err(format!("expected at most {MAX_SAML_ATTRIBUTES} attributes, found {}", self.saml_attributes.len()));
                }
            }
            "samlResponse.setNameIdentifierProbes" => {
                args.count(1)?;
                match args.values.first() {
                    Some(Value::Array(list)) if list.len() <= 10 && list.iter().all(|p| p.as_str().is_some_and(|p| p.len() <= 512)) => {}
                    _ => return Err("expected at most 10 strings of at most 0.5 KB".to_owned()),
                }
            }
            "samlResponse.setSignatureAlgorithm" => enumerated(&args, &["rsa-sha256", "rsa-sha1"])?,
            "samlResponse.setDigestAlgorithm" => enumerated(&args, &["sha256", "sha1"])?,
            "samlResponse.setEncryptionAlgorithm" => enumerated(&args, &["aes256-gcm", "aes256-cbc"])?,
            "samlResponse.setLifetimeInSeconds" => {
                args.count(1)?;
                if !args.values.first().and_then(Value::as_f64).is_some_and(|s| s > 0.0) {
                    return Err("expected a positive number of seconds".to_owned());
                }
            }
            path if path.starts_with("samlResponse.") && post_login => {
                args.count(1)?;
                let flags = [
                    "setSignResponse", "setCreateUpnClaim", "setPassthroughClaimsWithNoMapping", "setMapIdentities",
                    "setIncludeAttributeNameFormat", "setTypedAttributes", "setMapUnknownClaimsAsIs",
                ];
                let method = path.trim_start_matches("samlResponse.");
                if flags.contains(&method) {
                    if !args.values.first().is_some_and(Value::is_boolean) {
                        return Err("expected a boolean".to_owned());
                    }
                } else {
                    let text = args.string(0, "value")?;
                    let limit = match method {
                        "setNameIdentifierFormat" | "setAuthnContextClassRef" => 512,
                        "setSigningCert" | "setEncryptionCert" | "setEncryptionPublicKey" | "setCert" | "setKey" => 4096,
                        _ => 2048,
                    };
                    if text.len() > limit {
                        return Err(format!("expected at most {limit} bytes, found {}", text.len()));
                    }
                }
            }
            _ => {}
        }
        Ok(Vec::new())
    }
}

/// An `api` call's arguments, checked one by one.
struct Args<'a> {
    values: &'a [Value],
    path: &'a str,
}

impl<'a> Args<'a> {
    fn count(&self, n: usize) -> Result<(), String> {
        self.count_between(n, n)
    }

    fn count_between(&self, least: usize, most: usize) -> Result<(), String> {
        let found = self.values.len();
        if (least..=most).contains(&found) {
            return Ok(());
        }
        let expected = if least == most { format!("{least}") } else { format!("{least} to {most}") };
        Err(format!("expected {expected} argument(s) for {}, found {found}", self.path))
    }

    fn string(&self, index: usize, name: &str) -> Result<&'a str, String> {
        match self.values.get(index) {
            Some(Value::String(text)) => Ok(text),
            Some(other) => Err(format!("expected {name} as a string, found {}", kind(other))),
            None => Err(format!("expected {name}, found no argument")),
        }
    }
}

fn enumerated(args: &Args<'_>, allowed: &[&str]) -> Result<(), String> {
    args.count(1)?;
    let value = args.string(0, "value")?;
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!("expected one of {}, found {value:?}", allowed.join(", ")))
    }
}

/// A factor `{type, options?}` of challengeWith / enrollWith.
fn factor(value: Option<&Value>, enroll: bool) -> Result<(), String> {
    const KINDS: [&str; 8] =
        ["otp", "recovery-code", "webauthn-platform", "webauthn-roaming", "email", "phone", "push-notification", "push"];
    let Some(Value::Object(factor)) = value else {
        return Err(format!("expected a factor {{type, options?}}, found {}", value.map_or("nothing", kind)));
    };
    let kind_name = match factor.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        Some(other) => return Err(format!("expected the factor's type as a string, found {}", kind(other))),
        None => return Err("expected the factor's type, found none".to_owned()),
    };
    if !KINDS.contains(&kind_name) {
        return Err(format!("expected a factor type among {}, found {kind_name:?}", KINDS.join(", ")));
    }
    if enroll && kind_name == "email" {
        return Err("Auth0 does not enroll with the email factor (challenge only)".to_owned());
    }
    if let Some(extra) = factor.keys().find(|key| *key != "type" && *key != "options") {
        return Err(format!("expected a factor's keys type and options, found {extra:?} (options go on the factor)"));
    }
    Ok(())
}

fn cache_key(key: &str) -> Result<&str, String> {
    if key.is_empty() || key.len() > MAX_CACHE_KEY_BYTES {
        return Err(format!("expected a cache key of 1 to {MAX_CACHE_KEY_BYTES} bytes, found {} bytes", key.len()));
    }
    Ok(key)
}

fn http_url(url: &str) -> Result<(), String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => Ok(()),
        _ => Err(format!("expected an absolute http(s) URL, found {:?}", url.chars().take(80).collect::<String>())),
    }
}

fn protocol(event: &Value) -> Option<&str> {
    event.get("transaction")?.get("protocol")?.as_str()
}

/// A redirect or a Form needs the user's browser.
fn interactive(place: &Place<'_>) -> Result<(), String> {
    if let Some(protocol) = protocol(place.event).filter(|p| *p == "oauth2-refresh-token" || *p == "oauth2-password") {
        return Err(format!("a redirect is not possible in a {protocol} transaction (no browser): the login would fail"));
    }
    let prompt = place.event.get("request").and_then(|r| r.get("query")).and_then(|q| q.get("prompt")).and_then(Value::as_str);
    if prompt == Some("none") {
        return Err("a redirect with prompt=none fails the login with interaction_required".to_owned());
    }
    Ok(())
}

/// Whether the access token is for one of Auth0's own APIs (Management, MFA, ...).
fn auth0_api_audience(event: &Value) -> bool {
    let identifier = event.get("resource_server").and_then(|r| r.get("identifier")).and_then(Value::as_str).unwrap_or_default();
    let Some(rest) = identifier.strip_prefix("https://") else { return false };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let auth0_host = host.ends_with(".auth0.com") || host.ends_with(".auth0app.com");
    auth0_host && (path.starts_with("api") || path.starts_with("mfa"))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => format!("{:?}", text.chars().take(40).collect::<String>()),
        Value::Number(n) => n.to_string(),
        other => kind(other).to_owned(),
    }
}

/// The JSON type of a serde_json value, as messages name it.
pub fn json_type(value: &Value) -> &'static str {
    kind(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(trigger: Trigger, handler: &str, path: &str, args: Value) -> Vec<Finding> {
        let event = json!({"transaction": {"protocol": "oidc-basic-profile"}});
        let place = Place { trigger, handler, action: "A", event: &event };
        let Value::Array(args) = args else { panic!("args") };
        Checker::new().call(&place, &ApiCall { path: path.to_owned(), args })
    }

    fn refused(findings: &[Finding]) -> String {
        match findings {
            [Finding::Refused(sentence)] => sentence.clone(),
            other => panic!("expected one refusal, found {other:?}"),
        }
    }

    #[test]
    fn calls_auth0_refuses_name_the_rule() {
        let post = Trigger::PostLogin;
        let execute = "onExecutePostLogin";
        assert!(refused(&check(post, execute, "multifactor.enable", json!(["sms"]))).contains("expected a provider among duo"));
        assert!(refused(&check(post, execute, "cache.set", json!(["k", 5]))).contains("expected the value as a string, found a number"));
        assert!(refused(&check(post, execute, "redirect.sendUserTo", json!(["javascript:alert(1)"]))).contains("absolute http(s) URL"));
        assert!(refused(&check(post, execute, "authentication.recordMethod", json!(["https://idp.example"]))).contains("only in onContinuePostLogin"));
        assert!(check(post, "onContinuePostLogin", "authentication.recordMethod", json!(["https://idp.example"])).is_empty());
        assert!(refused(&check(post, execute, "authentication.enrollWith", json!([{"type": "email"}]))).contains("does not enroll with the email factor"));
        assert!(refused(&check(post, execute, "cache.get", json!(["k".repeat(65)]))).contains("1 to 64 bytes"));
        assert!(refused(&check(post, execute, "user.setAppMetadata", json!(["a.b", 1]))).contains("without '.' or '$'"));
        assert!(refused(&check(post, execute, "transaction.setMetadata", json!(["k", {"a": 1}]))).contains("string, number, boolean or null"));
        let deny = check(Trigger::CredentialsExchange, "onExecuteCredentialsExchange", "access.deny", json!(["nope", "x"]));
        assert!(refused(&deny).contains("invalid_scope, invalid_request, server_error"));
        let wrong_trigger = check(Trigger::PreUserRegistration, "onExecutePreUserRegistration", "idToken.setCustomClaim", json!(["k", 1]));
        assert!(refused(&wrong_trigger).contains("the pre-user-registration api has no such call"));
    }

    #[test]
    fn calls_auth0_accepts_pass_and_dropped_claims_are_warnings() {
        let post = Trigger::PostLogin;
        let execute = "onExecutePostLogin";
        assert!(check(post, execute, "multifactor.enable", json!(["any", {"allowRememberBrowser": false}])).is_empty());
        assert!(check(post, execute, "redirect.encodeToken", json!([{"secret": "s", "expiresInSeconds": 600, "payload": {}}])).is_empty());
        assert!(check(post, execute, "redirect.sendUserTo", json!(["https://x.example/p", {"query": {"session_token": "t"}}])).is_empty());
        let dropped = check(post, execute, "idToken.setCustomClaim", json!(["sub", "x"]));
        assert!(matches!(&dropped[..], [Finding::Changed(s)] if s.contains("restricted claim name")), "{dropped:?}");
        let dropped = check(post, execute, "idToken.setCustomClaim", json!(["https://a.auth0.com/x", "x"]));
        assert!(matches!(&dropped[..], [Finding::Changed(s)] if s.contains("must not use auth0.com")), "{dropped:?}");
    }

    #[test]
    fn a_redirect_needs_a_browser() {
        let event = json!({"transaction": {"protocol": "oauth2-refresh-token"}});
        let place = Place { trigger: Trigger::PostLogin, handler: "onExecutePostLogin", action: "A", event: &event };
        let findings = Checker::new().call(&place, &ApiCall::new("redirect.sendUserTo", [json!("https://x.example")]));
        assert!(refused(&findings).contains("not possible in a oauth2-refresh-token transaction"));
    }

    #[test]
    fn unknown_calls_name_what_the_namespace_has() {
        assert!(check_known("multifactor.enable").is_ok());
        let error = check_known("multifactor.enabled").unwrap_err();
        assert_eq!(error, "unknown api call \"multifactor.enabled\"; api.multifactor has enable");
        assert!(check_known("foo.bar").unwrap_err().contains("no trigger's api has a namespace \"foo\""));
    }
}
