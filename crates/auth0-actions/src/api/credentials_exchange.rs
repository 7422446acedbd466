//! The `credentials-exchange` (v2) `api`, as `@auth0/actions` types it, every call an
//! effect.

use crate::api::{Arg, api, namespaces, set_claim};
use crate::value::Value;

api! {
    /// The `api` of a credentials-exchange Action.
    {
        access: Access,
        access_token: AccessToken,
        transaction: Transaction,
    }
}

namespaces! {
    /// `api.access`.
    Access,
    /// `api.accessToken`.
    AccessToken,
    /// `api.transaction` (Early Access).
    Transaction,
}

/// The codes `api.access.deny` takes in a credentials exchange (OAuth's `error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyCode {
    InvalidScope,
    InvalidRequest,
    ServerError,
}

impl DenyCode {
    pub fn as_str(self) -> &'static str {
        match self {
            DenyCode::InvalidScope => "invalid_scope",
            DenyCode::InvalidRequest => "invalid_request",
            DenyCode::ServerError => "server_error",
        }
    }
}

impl Access<'_, '_> {
    /// `api.access.deny(code, reason)`: no token is issued; the client gets `code` as the
    /// OAuth `error` and `reason` as its description.
    pub fn deny(&mut self, code: DenyCode, reason: &str) {
        self.0.call("access.deny", &[Arg::Str(code.as_str()), Arg::Str(reason)]);
    }
}

impl AccessToken<'_, '_> {
    /// `api.accessToken.setCustomClaim(key, value)`.
    pub fn set_custom_claim(&mut self, key: &str, value: impl Into<Value>) {
        set_claim(self.0, "accessToken.setCustomClaim", key, value.into());
    }
}

impl Transaction<'_, '_> {
    /// `api.transaction.addTargetScope(scope)` (Early Access; scopes outside the client's
    /// grant are dropped).
    pub fn add_target_scope(&mut self, scope: &str) {
        self.0.call("transaction.addTargetScope", &[Arg::Str(scope)]);
    }

    /// `api.transaction.removeTargetScope(scope)`.
    pub fn remove_target_scope(&mut self, scope: &str) {
        self.0.call("transaction.removeTargetScope", &[Arg::Str(scope)]);
    }

    /// `api.transaction.setTargetScopes(scopes)`.
    pub fn set_target_scopes(&mut self, scopes: &[&str]) {
        let scopes = Value::Array(scopes.iter().map(|scope| Value::from(*scope)).collect());
        self.0.call("transaction.setTargetScopes", &[Arg::Value(&scopes)]);
    }

    /// `api.transaction.clearTargetScopes()`.
    pub fn clear_target_scopes(&mut self) {
        self.0.call("transaction.clearTargetScopes", &[]);
    }
}
