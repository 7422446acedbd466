//! Add_Roles_Claim (post-login): puts the user's roles into the ID and access tokens, and
//! refuses users of a database connection who have not verified their email.
//!
//! - `event.connection.strategy` is `auth0` (a database) and `event.user.email_verified` is
//!   not `true`: `api.access.deny("Please verify your email before logging in.")`.
//! - Otherwise, when `event.authorization.roles` is a list of strings: the claim
//!   `<CLAIM_NAMESPACE>/roles` (default namespace `https://example.com`) on both tokens.
//!   Roles that cannot be read give no claim, and a log line says why.

use auth0_actions::post_login::{Api, Event};
use auth0_actions::{Decision, Field, PostLogin, Secret, Timestamp, Value};

pub const ACTION: PostLogin = PostLogin {
    event_paths: &["connection.strategy", "user.email_verified", "authorization.roles[]"],
    secrets: &[Secret::optional("CLAIM_NAMESPACE", "the namespace of the roles claim, an https URL; default https://example.com")],
    management_api: None,
    on_execute,
    on_continue: None,
};

const DEFAULT_NAMESPACE: &str = "https://example.com";

fn on_execute(event: &Event<'_>, api: &mut Api<'_>, _now: Timestamp) -> Decision {
    let database = event.connection().and_then(|connection| connection.strategy()).present() == Some("auth0");
    let verified = event.user().and_then(|user| user.email_verified()).present() == Some(true);
    if database && !verified {
        api.access().deny("Please verify your email before logging in.");
        return Ok(());
    }
    let roles = match event.authorization().and_then(|authorization| authorization.roles()) {
        Field::Present(list) => match list.all() {
            Ok(roles) => roles,
            Err(found) => {
                api.log(&format!("event.authorization.roles: expected a list of strings, found {found}; no roles claim"));
                return Ok(());
            }
        },
        Field::Missing => Vec::new(),
        Field::Unreadable { found } => {
            api.log(&format!("event.authorization.roles: expected a list of strings, found {found}; no roles claim"));
            return Ok(());
        }
    };
    let namespace = event.secrets().get("CLAIM_NAMESPACE").filter(|n| n.starts_with("https://")).unwrap_or(DEFAULT_NAMESPACE);
    let claim = format!("{}/roles", namespace.trim_end_matches('/'));
    let roles = Value::Array(roles.into_iter().map(Value::from).collect());
    api.id_token().set_custom_claim(&claim, roles.clone());
    api.access_token().set_custom_claim(&claim, roles);
    Ok(())
}
