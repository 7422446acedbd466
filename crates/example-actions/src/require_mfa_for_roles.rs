//! Require_MFA_For_Roles (post-login): asks for MFA when the user has one of the roles of
//! the secret `MFA_ROLES` and has not done MFA in this login.
//!
//! The rules, in this order (the first that applies decides):
//! 1. `event.authentication.methods` holds an object whose `name` is `"mfa"`: no call.
//! 2. `MFA_ROLES` absent or empty: no call (a log line).
//! 3. `event.authorization.roles` is an array of strings and one of them is in `MFA_ROLES`
//!    (compared exactly): `api.multifactor.enable("any", {allowRememberBrowser: false})`.
//! 4. `event.authorization` or its `roles` absent (an `authorization` that is not an object
//!    has no `roles`): no roles, no call.
//! 5. `roles` present but not an array of strings: fail closed, the same call, and a log line
//!    saying why.
//!
//! `methods` absent or not an array counts as no MFA done.

use auth0_actions::post_login::{Api, Event, MfaOptions, MfaProvider};
use auth0_actions::{Decision, Field, PostLogin, Secret, Timestamp};

use crate::list::comma_separated;

pub const ACTION: PostLogin = PostLogin {
    event_paths: &["authentication.methods[].name", "authorization.roles[]"],
    secrets: &[Secret::required("MFA_ROLES", "role names that require MFA, separated by commas (compared exactly)")],
    management_api: None,
    on_execute,
    on_continue: None,
};

fn on_execute(event: &Event<'_>, api: &mut Api<'_>, _now: Timestamp) -> Decision {
    let methods = event.authentication().and_then(|authentication| authentication.methods());
    let mfa_done = methods
        .present()
        .is_some_and(|methods| methods.iter().any(|method| method.and_then(|m| m.name()).present() == Some("mfa")));
    if mfa_done {
        return Ok(());
    }
    let mfa_roles = comma_separated(event.secrets().get("MFA_ROLES").unwrap_or_default());
    if mfa_roles.is_empty() {
        api.log("secret MFA_ROLES: expected role names separated by commas, found none; MFA not required");
        return Ok(());
    }
    let roles = match event.authorization() {
        Field::Missing => return Ok(()),
        Field::Present(authorization) => authorization.roles(),
        // A value that is not an object has no `roles`: absent, as the rules read it.
        Field::Unreadable { found } => {
            api.log(&format!("event.authorization: expected an object, found {found}; no roles, MFA not required"));
            return Ok(());
        }
    };
    match roles {
        Field::Missing => Ok(()),
        Field::Present(list) => match list.all() {
            Ok(roles) if roles.iter().any(|role| mfa_roles.contains(role)) => require(api),
            Ok(_) => Ok(()),
            Err(found) => {
                api.log(&format!("event.authorization.roles: expected an array of strings, found {found}; MFA required"));
                require(api)
            }
        },
        Field::Unreadable { found } => {
            api.log(&format!("event.authorization.roles: expected an array of strings, found {found}; MFA required"));
            require(api)
        }
    }
}

fn require(api: &mut Api<'_>) -> Decision {
    api.multifactor().enable_with(MfaProvider::Any, &MfaOptions { allow_remember_browser: Some(false), provider_options: None });
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    fn calls(event: Value) -> Vec<Value> {
        let answer = crate::run("Require_MFA_For_Roles", 1, &event, "");
        answer["effects"].as_array().unwrap().iter().filter(|e| e.get("api").is_some()).cloned().collect()
    }

    fn enable() -> Vec<Value> {
        vec![json!({"api": "multifactor.enable", "args": ["any", {"allowRememberBrowser": false}]})]
    }

    fn event(roles: Value, methods: Value) -> Value {
        json!({"authorization": {"roles": roles}, "authentication": {"methods": methods}, "secrets": {"MFA_ROLES": " admin, billing-admin ,"}})
    }

    #[test]
    fn an_admin_without_mfa_is_asked_for_it() {
        assert_eq!(calls(event(json!(["user", "admin"]), json!([{"name": "pwd"}]))), enable());
        assert_eq!(calls(event(json!(["Admin"]), json!([]))), Vec::<Value>::new(), "compared exactly");
    }

    #[test]
    fn mfa_done_decides_first() {
        assert!(calls(event(json!(["admin"]), json!(["x", {"name": "mfa"}]))).is_empty());
        assert_eq!(calls(event(json!(["admin"]), json!("mfa"))), enable(), "methods that are not an array: no MFA done");
    }

    #[test]
    fn unreadable_roles_fail_closed_and_absent_ones_do_not() {
        assert_eq!(calls(event(json!(["admin", 3]), json!([]))), enable());
        assert_eq!(calls(event(json!("admin"), json!([]))), enable());
        assert!(calls(event(Value::Null, json!([]))).is_empty());
        assert!(calls(json!({"secrets": {"MFA_ROLES": "admin"}})).is_empty());
        assert!(calls(json!({"authorization": {"roles": ["admin"]}, "secrets": {"MFA_ROLES": " , "}})).is_empty());
        assert!(calls(json!({"authorization": "admin", "secrets": {"MFA_ROLES": "admin"}})).is_empty(), "a string has no roles");
    }
}
