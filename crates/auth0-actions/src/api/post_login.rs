//! The `post-login` (v3) `api`, as `@auth0/actions` types it, every call an effect. The same
//! `api` serves `onExecutePostLogin` and `onContinuePostLogin`; what Auth0 allows in each is
//! checked by the replay ([`crate::rules`]).

use crate::api::{Answered, Arg, Pending, Recorder, User, Validation, api, bad, namespaces, set_claim};
use crate::json::Tree;
use crate::value::Value;

api! {
    /// The `api` of a post-login Action.
    {
        access: Access,
        access_token: AccessToken,
        authentication: Authentication,
        id_token: IdToken,
        multifactor: Multifactor,
        prompt: Prompt,
        redirect: Redirect,
        refresh_token: RefreshToken,
        rules: Rules,
        saml_response: SamlResponse,
        session: Session,
        transaction: Transaction,
        user: User,
        validation: Validation,
    }
}

namespaces! {
    /// `api.access`.
    Access,
    /// `api.accessToken`.
    AccessToken,
    /// `api.authentication`.
    Authentication,
    /// `api.idToken`.
    IdToken,
    /// `api.multifactor`.
    Multifactor,
    /// `api.prompt`.
    Prompt,
    /// `api.redirect`.
    Redirect,
    /// `api.refreshToken` (Enterprise).
    RefreshToken,
    /// `api.rules`.
    Rules,
    /// `api.samlResponse`.
    SamlResponse,
    /// `api.session` (Enterprise).
    Session,
    /// `api.transaction`.
    Transaction,
}

impl Access<'_, '_> {
    /// `api.access.deny(reason)`: the login ends with `access_denied` and this description;
    /// later Actions do not run (metadata set before is still written).
    pub fn deny(&mut self, reason: &str) {
        self.0.call("access.deny", &[Arg::Str(reason)]);
    }
}

impl AccessToken<'_, '_> {
    /// `api.accessToken.setCustomClaim(key, value)`.
    pub fn set_custom_claim(&mut self, key: &str, value: impl Into<Value>) {
        set_claim(self.0, "accessToken.setCustomClaim", key, value.into());
    }

    /// `api.accessToken.addScope(scope)`.
    pub fn add_scope(&mut self, scope: &str) {
        self.0.call("accessToken.addScope", &[Arg::Str(scope)]);
    }

    /// `api.accessToken.removeScope(scope)`.
    pub fn remove_scope(&mut self, scope: &str) {
        self.0.call("accessToken.removeScope", &[Arg::Str(scope)]);
    }
}

impl IdToken<'_, '_> {
    /// `api.idToken.setCustomClaim(key, value)`.
    pub fn set_custom_claim(&mut self, key: &str, value: impl Into<Value>) {
        set_claim(self.0, "idToken.setCustomClaim", key, value.into());
    }
}

/// An MFA factor to challenge or enroll with: `{type, options?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    pub kind: FactorKind,
    /// The factor's own options (`phone`: `{preferredMethod}`; `push-notification`:
    /// `{otpFallback}`), on the factor as Auth0 wants them.
    pub options: Option<Value>,
}

impl Factor {
    pub fn of(kind: FactorKind) -> Factor {
        Factor { kind, options: None }
    }

    fn to_value(&self) -> Value {
        let mut members = vec![("type".to_owned(), Value::from(self.kind.as_str()))];
        if let Some(options) = &self.options {
            members.push(("options".to_owned(), options.clone()));
        }
        Value::Object(members)
    }
}

/// The factor kinds of `api.authentication.challengeWith` and `enrollWith`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorKind {
    Otp,
    RecoveryCode,
    WebauthnPlatform,
    WebauthnRoaming,
    /// Challenge only: Auth0 does not enroll with email.
    Email,
    Phone,
    PushNotification,
}

impl FactorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FactorKind::Otp => "otp",
            FactorKind::RecoveryCode => "recovery-code",
            FactorKind::WebauthnPlatform => "webauthn-platform",
            FactorKind::WebauthnRoaming => "webauthn-roaming",
            FactorKind::Email => "email",
            FactorKind::Phone => "phone",
            FactorKind::PushNotification => "push-notification",
        }
    }
}

fn factors(list: &[Factor]) -> Value {
    Value::Array(list.iter().map(Factor::to_value).collect())
}

/// `api.authentication.<path>(factor, {additionalFactors})`, the options only when there
/// are any.
fn with_additional(recorder: &mut Recorder<'_>, path: &'static str, factor: &Factor, additional: &[Factor]) {
    let factor = factor.to_value();
    if additional.is_empty() {
        recorder.call(path, &[Arg::Value(&factor)]);
    } else {
        recorder.call(path, &[Arg::Value(&factor), Arg::Value(&Value::object([("additionalFactors", factors(additional))]))]);
    }
}

impl Authentication<'_, '_> {
    /// `api.authentication.challengeWith(factor, {additionalFactors})`.
    pub fn challenge_with(&mut self, factor: &Factor, additional: &[Factor]) {
        with_additional(self.0, "authentication.challengeWith", factor, additional);
    }

    /// `api.authentication.challengeWithAny(factors)`.
    pub fn challenge_with_any(&mut self, list: &[Factor]) {
        self.0.call("authentication.challengeWithAny", &[Arg::Value(&factors(list))]);
    }

    /// `api.authentication.enrollWith(factor, {additionalFactors})`.
    pub fn enroll_with(&mut self, factor: &Factor, additional: &[Factor]) {
        with_additional(self.0, "authentication.enrollWith", factor, additional);
    }

    /// `api.authentication.enrollWithAny(factors)`.
    pub fn enroll_with_any(&mut self, list: &[Factor]) {
        self.0.call("authentication.enrollWithAny", &[Arg::Value(&factors(list))]);
    }

    /// `api.authentication.recordMethod(provider_url)`: on `onContinuePostLogin` only.
    pub fn record_method(&mut self, provider_url: &str) {
        self.0.call("authentication.recordMethod", &[Arg::Str(provider_url)]);
    }

    /// `api.authentication.setPrimaryUser(primary_user_id)`: once per transaction.
    pub fn set_primary_user(&mut self, primary_user_id: &str) {
        self.0.call("authentication.setPrimaryUser", &[Arg::Str(primary_user_id)]);
    }
}

/// The providers of `api.multifactor.enable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaProvider {
    /// Any factor the tenant has enabled.
    Any,
    Duo,
    Guardian,
    GoogleAuthenticator,
    None,
}

impl MfaProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            MfaProvider::Any => "any",
            MfaProvider::Duo => "duo",
            MfaProvider::Guardian => "guardian",
            MfaProvider::GoogleAuthenticator => "google-authenticator",
            MfaProvider::None => "none",
        }
    }
}

/// The options of `api.multifactor.enable`: those set are written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MfaOptions {
    /// `allowRememberBrowser` (Auth0's default: false).
    pub allow_remember_browser: Option<bool>,
    /// `providerOptions`: Duo only, `{host, ikey, skey, username?}`.
    pub provider_options: Option<Value>,
}

impl Multifactor<'_, '_> {
    /// `api.multifactor.enable(provider)`.
    pub fn enable(&mut self, provider: MfaProvider) {
        self.0.call("multifactor.enable", &[Arg::Str(provider.as_str())]);
    }

    /// `api.multifactor.enable(provider, options)`.
    pub fn enable_with(&mut self, provider: MfaProvider, options: &MfaOptions) {
        let mut members = Vec::new();
        if let Some(allow) = options.allow_remember_browser {
            members.push(("allowRememberBrowser".to_owned(), Value::from(allow)));
        }
        if let Some(provider_options) = &options.provider_options {
            members.push(("providerOptions".to_owned(), provider_options.clone()));
        }
        self.0.call("multifactor.enable", &[Arg::Str(provider.as_str()), Arg::Value(&Value::Object(members))]);
    }
}

/// The options of `api.prompt.render`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PromptOptions {
    /// Fields prefilled on the Form (client side).
    pub fields: Option<Value>,
    /// Variables the Form reads (server side).
    pub vars: Option<Value>,
}

impl Prompt<'_, '_> {
    /// `api.prompt.render(formId, {fields, vars})`: the Form's result comes to
    /// `onContinuePostLogin` as `event.prompt`.
    pub fn render(&mut self, form_id: &str, options: &PromptOptions) {
        let mut members = Vec::new();
        if let Some(fields) = &options.fields {
            members.push(("fields".to_owned(), fields.clone()));
        }
        if let Some(vars) = &options.vars {
            members.push(("vars".to_owned(), vars.clone()));
        }
        if members.is_empty() {
            self.0.call("prompt.render", &[Arg::Str(form_id)]);
        } else {
            self.0.call("prompt.render", &[Arg::Str(form_id), Arg::Value(&Value::Object(members))]);
        }
    }
}

/// The argument of `api.redirect.encodeToken`.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodeToken<'s> {
    /// The HS256 key; the external site must know it to check the token.
    pub secret: &'s str,
    /// Claims of the token (an object).
    pub payload: Value,
    /// Auth0's default is 900.
    pub expires_in_seconds: Option<u64>,
}

/// The argument of `api.redirect.validateToken`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidateToken<'s> {
    pub secret: &'s str,
    /// The query or body parameter holding the token; Auth0's default is `session_token`.
    pub token_parameter_name: Option<&'s str>,
}

/// `api.redirect.validateToken` threw: the token is missing, expired, badly signed, or not
/// for this transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidToken {
    /// The error's message, as Auth0 gave it.
    pub message: String,
}

impl Redirect<'_, '_> {
    /// `api.redirect.encodeToken({secret, expiresInSeconds, payload})`: a signed token for
    /// the external site, given by the host.
    pub fn encode_token(&mut self, token: &EncodeToken<'_>) -> Result<String, Pending> {
        const CALL: &str = "redirect.encodeToken";
        let mut members = vec![("secret".to_owned(), Value::from(token.secret))];
        if let Some(seconds) = token.expires_in_seconds {
            members.push(("expiresInSeconds".to_owned(), Value::from(seconds)));
        }
        members.push(("payload".to_owned(), token.payload.clone()));
        match self.0.returned(CALL, &[Arg::Value(&Value::Object(members))])? {
            Tree::String(text) => Ok(text.as_ref().to_owned()),
            other => Err(bad(CALL, "a string (the token)", other.kind())),
        }
    }

    /// `api.redirect.sendUserTo(url, {query})`: after this Action, the browser goes to `url`;
    /// Auth0 runs `onContinuePostLogin` when it comes back to `/continue`.
    pub fn send_user_to(&mut self, url: &str, query: &[(&str, &str)]) {
        if query.is_empty() {
            self.0.call("redirect.sendUserTo", &[Arg::Str(url)]);
        } else {
            let query = Value::object(query.iter().map(|(key, value)| (*key, Value::from(*value))));
            self.0.call("redirect.sendUserTo", &[Arg::Str(url), Arg::Value(&Value::object([("query", query)]))]);
        }
    }

    /// `api.redirect.validateToken({secret, tokenParameterName})`: the payload of the token
    /// the external site sent back, or why it is not valid (the call threw).
    pub fn validate_token(&mut self, token: &ValidateToken<'_>) -> Result<Result<Value, InvalidToken>, Pending> {
        let mut members = vec![("secret".to_owned(), Value::from(token.secret))];
        if let Some(name) = token.token_parameter_name {
            members.push(("tokenParameterName".to_owned(), Value::from(name)));
        }
        Ok(match self.0.ask_api("redirect.validateToken", &[Arg::Value(&Value::Object(members))])? {
            Answered::Returns(payload) => Ok(Value::from_tree(payload)),
            Answered::Throws(message) => Err(InvalidToken { message }),
        })
    }
}

impl RefreshToken<'_, '_> {
    /// `api.refreshToken.revoke(reason)`: only in a refresh-token exchange.
    pub fn revoke(&mut self, reason: &str) {
        self.0.call("refreshToken.revoke", &[Arg::Str(reason)]);
    }

    /// `api.refreshToken.setExpiresAt(ms)`.
    pub fn set_expires_at(&mut self, ms: u64) {
        self.0.call("refreshToken.setExpiresAt", &[Arg::Value(&Value::from(ms))]);
    }

    /// `api.refreshToken.setIdleExpiresAt(ms)`.
    pub fn set_idle_expires_at(&mut self, ms: u64) {
        self.0.call("refreshToken.setIdleExpiresAt", &[Arg::Value(&Value::from(ms))]);
    }

    /// `api.refreshToken.setMetadata(key, value)`; `None` removes the key.
    pub fn set_metadata(&mut self, key: &str, value: Option<&str>) {
        self.0.call("refreshToken.setMetadata", &[Arg::Str(key), Arg::Value(&value.into())]);
    }

    /// `api.refreshToken.deleteMetadata(key)`.
    pub fn delete_metadata(&mut self, key: &str) {
        self.0.call("refreshToken.deleteMetadata", &[Arg::Str(key)]);
    }

    /// `api.refreshToken.evictMetadata()`.
    pub fn evict_metadata(&mut self) {
        self.0.call("refreshToken.evictMetadata", &[]);
    }
}

impl Rules<'_, '_> {
    /// `api.rules.wasExecuted(ruleId)`: whether a Rule of the tenant ran in this
    /// transaction, as the host says.
    pub fn was_executed(&mut self, rule_id: &str) -> Result<bool, Pending> {
        const CALL: &str = "rules.wasExecuted";
        match self.0.returned(CALL, &[Arg::Str(rule_id)])? {
            Tree::Bool(value) => Ok(*value),
            other => Err(bad(CALL, "a boolean", other.kind())),
        }
    }
}

/// The signature algorithms of `api.samlResponse.setSignatureAlgorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamlSignatureAlgorithm {
    RsaSha256,
    /// Deprecated by Auth0.
    RsaSha1,
}

/// The digest algorithms of `api.samlResponse.setDigestAlgorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamlDigestAlgorithm {
    Sha256,
    /// Deprecated by Auth0.
    Sha1,
}

impl SamlResponse<'_, '_> {
    /// `api.samlResponse.setAttribute(name, value)`: a string, number, boolean, `null`
    /// (removes it) or an array of those.
    pub fn set_attribute(&mut self, name: &str, value: impl Into<Value>) {
        self.0.call("samlResponse.setAttribute", &[Arg::Str(name), Arg::Value(&value.into())]);
    }

    fn text(&mut self, path: &'static str, value: &str) {
        self.0.call(path, &[Arg::Str(value)]);
    }

    fn flag(&mut self, path: &'static str, value: bool) {
        self.0.call(path, &[Arg::Value(&value.into())]);
    }

    /// `api.samlResponse.setAudience(audience)`.
    pub fn set_audience(&mut self, audience: &str) {
        self.text("samlResponse.setAudience", audience);
    }

    /// `api.samlResponse.setRecipient(recipient)`.
    pub fn set_recipient(&mut self, recipient: &str) {
        self.text("samlResponse.setRecipient", recipient);
    }

    /// `api.samlResponse.setDestination(destination)`.
    pub fn set_destination(&mut self, destination: &str) {
        self.text("samlResponse.setDestination", destination);
    }

    /// `api.samlResponse.setIssuer(issuer)`.
    pub fn set_issuer(&mut self, issuer: &str) {
        self.text("samlResponse.setIssuer", issuer);
    }

    /// `api.samlResponse.setRelayState(relayState)`.
    pub fn set_relay_state(&mut self, relay_state: &str) {
        self.text("samlResponse.setRelayState", relay_state);
    }

    /// `api.samlResponse.setNameIdentifierFormat(format)`.
    pub fn set_name_identifier_format(&mut self, format: &str) {
        self.text("samlResponse.setNameIdentifierFormat", format);
    }

    /// `api.samlResponse.setAuthnContextClassRef(classRef)`.
    pub fn set_authn_context_class_ref(&mut self, class_ref: &str) {
        self.text("samlResponse.setAuthnContextClassRef", class_ref);
    }

    /// `api.samlResponse.setNameIdentifierProbes(probes)`.
    pub fn set_name_identifier_probes(&mut self, probes: &[&str]) {
        let probes = Value::Array(probes.iter().map(|probe| Value::from(*probe)).collect());
        self.0.call("samlResponse.setNameIdentifierProbes", &[Arg::Value(&probes)]);
    }

    /// `api.samlResponse.setSignatureAlgorithm(algorithm)`.
    pub fn set_signature_algorithm(&mut self, algorithm: SamlSignatureAlgorithm) {
        let name = match algorithm {
            SamlSignatureAlgorithm::RsaSha256 => "rsa-sha256",
            SamlSignatureAlgorithm::RsaSha1 => "rsa-sha1",
        };
        self.text("samlResponse.setSignatureAlgorithm", name);
    }

    /// `api.samlResponse.setDigestAlgorithm(algorithm)`.
    pub fn set_digest_algorithm(&mut self, algorithm: SamlDigestAlgorithm) {
        let name = match algorithm {
            SamlDigestAlgorithm::Sha256 => "sha256",
            SamlDigestAlgorithm::Sha1 => "sha1",
        };
        self.text("samlResponse.setDigestAlgorithm", name);
    }

    /// `api.samlResponse.setEncryptionAlgorithm('aes256-gcm')`.
    pub fn set_encryption_algorithm(&mut self, algorithm: &str) {
        self.text("samlResponse.setEncryptionAlgorithm", algorithm);
    }

    /// `api.samlResponse.setLifetimeInSeconds(seconds)`.
    pub fn set_lifetime_in_seconds(&mut self, seconds: u64) {
        self.0.call("samlResponse.setLifetimeInSeconds", &[Arg::Value(&Value::from(seconds))]);
    }

    /// `api.samlResponse.setSignResponse(flag)`.
    pub fn set_sign_response(&mut self, sign: bool) {
        self.flag("samlResponse.setSignResponse", sign);
    }

    /// `api.samlResponse.setCreateUpnClaim(flag)`.
    pub fn set_create_upn_claim(&mut self, create: bool) {
        self.flag("samlResponse.setCreateUpnClaim", create);
    }

    /// `api.samlResponse.setPassthroughClaimsWithNoMapping(flag)`.
    pub fn set_passthrough_claims_with_no_mapping(&mut self, passthrough: bool) {
        self.flag("samlResponse.setPassthroughClaimsWithNoMapping", passthrough);
    }

    /// `api.samlResponse.setMapIdentities(flag)`.
    pub fn set_map_identities(&mut self, map: bool) {
        self.flag("samlResponse.setMapIdentities", map);
    }

    /// `api.samlResponse.setIncludeAttributeNameFormat(flag)`.
    pub fn set_include_attribute_name_format(&mut self, include: bool) {
        self.flag("samlResponse.setIncludeAttributeNameFormat", include);
    }

    /// `api.samlResponse.setTypedAttributes(flag)`.
    pub fn set_typed_attributes(&mut self, typed: bool) {
        self.flag("samlResponse.setTypedAttributes", typed);
    }

    /// `api.samlResponse.setMapUnknownClaimsAsIs(flag)`.
    pub fn set_map_unknown_claims_as_is(&mut self, map: bool) {
        self.flag("samlResponse.setMapUnknownClaimsAsIs", map);
    }

    /// `api.samlResponse.setSigningCert(pem)`.
    pub fn set_signing_cert(&mut self, pem: &str) {
        self.text("samlResponse.setSigningCert", pem);
    }

    /// `api.samlResponse.setEncryptionCert(pem)` (with `setEncryptionPublicKey`).
    pub fn set_encryption_cert(&mut self, pem: &str) {
        self.text("samlResponse.setEncryptionCert", pem);
    }

    /// `api.samlResponse.setEncryptionPublicKey(pem)` (with `setEncryptionCert`).
    pub fn set_encryption_public_key(&mut self, pem: &str) {
        self.text("samlResponse.setEncryptionPublicKey", pem);
    }

    /// `api.samlResponse.setCert(pem)` (with `setKey`).
    pub fn set_cert(&mut self, pem: &str) {
        self.text("samlResponse.setCert", pem);
    }

    /// `api.samlResponse.setKey(pem)` (with `setCert`).
    pub fn set_key(&mut self, pem: &str) {
        self.text("samlResponse.setKey", pem);
    }
}

/// The cookie modes of `api.session.setCookieMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieMode {
    Persistent,
    NonPersistent,
}

impl Session<'_, '_> {
    /// `api.session.revoke(reason, {preserveRefreshTokens})`: denies the login and ends the
    /// session.
    pub fn revoke(&mut self, reason: &str, preserve_refresh_tokens: bool) {
        let options = Value::object([("preserveRefreshTokens", Value::from(preserve_refresh_tokens))]);
        self.0.call("session.revoke", &[Arg::Str(reason), Arg::Value(&options)]);
    }

    /// `api.session.setExpiresAt(ms)`.
    pub fn set_expires_at(&mut self, ms: u64) {
        self.0.call("session.setExpiresAt", &[Arg::Value(&Value::from(ms))]);
    }

    /// `api.session.setIdleExpiresAt(ms)`.
    pub fn set_idle_expires_at(&mut self, ms: u64) {
        self.0.call("session.setIdleExpiresAt", &[Arg::Value(&Value::from(ms))]);
    }

    /// `api.session.setCookieMode(mode)`.
    pub fn set_cookie_mode(&mut self, mode: CookieMode) {
        let mode = match mode {
            CookieMode::Persistent => "persistent",
            CookieMode::NonPersistent => "non-persistent",
        };
        self.0.call("session.setCookieMode", &[Arg::Str(mode)]);
    }

    /// `api.session.setMetadata(key, value)`; `None` removes the key.
    pub fn set_metadata(&mut self, key: &str, value: Option<&str>) {
        self.0.call("session.setMetadata", &[Arg::Str(key), Arg::Value(&value.into())]);
    }

    /// `api.session.deleteMetadata(key)`.
    pub fn delete_metadata(&mut self, key: &str) {
        self.0.call("session.deleteMetadata", &[Arg::Str(key)]);
    }

    /// `api.session.evictMetadata()`.
    pub fn evict_metadata(&mut self) {
        self.0.call("session.evictMetadata", &[]);
    }
}

impl Transaction<'_, '_> {
    /// `api.transaction.setMetadata(key, value)`: a string, number, boolean or `null`
    /// (removes the key); later Actions see it in `event.transaction.metadata`.
    pub fn set_metadata(&mut self, key: &str, value: impl Into<Value>) {
        self.0.call("transaction.setMetadata", &[Arg::Str(key), Arg::Value(&value.into())]);
    }
}

