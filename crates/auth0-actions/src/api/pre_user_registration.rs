//! The `pre-user-registration` (v2) `api`, as `@auth0/actions` types it, every call an
//! effect.

use crate::api::{Arg, User, Validation, api, namespaces};

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
}

impl Access<'_, '_> {
    /// `api.access.deny(reason, userMessage)`: the user is not created; `reason` goes to the
    /// tenant's logs, `user_message` to the signup page.
    pub fn deny(&mut self, reason: &str, user_message: &str) {
        self.0.call("access.deny", &[Arg::Str(reason), Arg::Str(user_message)]);
    }
}

