//! The `pre-user-registration` (v2) `api`, as `@auth0/actions` types it, every call an
//! effect.

use crate::api::{Arg, api, namespaces};
use crate::value::Value;

api! {
    /// The `api` of a pre-user-registration Action.
    {
        access: Access,
        user: User,
        validation: Validation,
    }
}

namespaces! {
    /// `api.access`.
    Access,
    /// `api.user`.
    User,
    /// `api.validation`.
    Validation,
}

impl Access<'_, '_> {
    /// `api.access.deny(reason, userMessage)`: the user is not created; `reason` goes to the
    /// tenant's logs, `user_message` to the signup page.
    pub fn deny(&mut self, reason: &str, user_message: &str) {
        self.0.call("access.deny", &[Arg::Str(reason), Arg::Str(user_message)]);
    }
}

impl User<'_, '_> {
    /// `api.user.setAppMetadata(key, value)`: one top-level key; `null` deletes it (not for
    /// passwordless users).
    pub fn set_app_metadata(&mut self, key: &str, value: impl Into<Value>) {
        self.0.call("user.setAppMetadata", &[Arg::Str(key), Arg::Value(&value.into())]);
    }

    /// `api.user.setUserMetadata(key, value)`.
    pub fn set_user_metadata(&mut self, key: &str, value: impl Into<Value>) {
        self.0.call("user.setUserMetadata", &[Arg::Str(key), Arg::Value(&value.into())]);
    }
}

impl Validation<'_, '_> {
    /// `api.validation.error(errorCode, errorMessage)`: the signup fails with this code.
    pub fn error(&mut self, code: &str, message: &str) {
        self.0.call("validation.error", &[Arg::Str(code), Arg::Str(message)]);
    }
}
