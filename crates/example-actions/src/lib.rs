//! Four example Actions, written on the `auth0-actions` framework as a team writes its own,
//! one per kind of thing Actions do: a decision on the event (MFA by role), a redirect and
//! its continuation (a progressive profile), a machine-to-machine trigger (scope limits),
//! and a signup trigger (disposable email domains). Each is one function (two for the
//! redirect) and one line below; their fixtures are under `test-events/examples/`.
//!
//! `runner deploy` never deploys them unless pointed at their bundles (`--dist dist/examples`).

pub mod block_disposable_signup;
pub mod limit_m2m_scopes;
pub mod list;
pub mod progressive_profile;
pub mod require_mfa_for_roles;

auth0_actions::actions! {
    "Require_MFA_For_Roles" => require_mfa_for_roles::ACTION,
    "Progressive_Profile" => progressive_profile::ACTION,
    "Limit_M2M_Scopes" => limit_m2m_scopes::ACTION,
    "Block_Disposable_Signup" => block_disposable_signup::ACTION,
}

/// Runs one of this crate's Actions through the module's whole contract (as the native loop
/// does), for the unit tests: the answer's JSON.
#[cfg(test)]
pub(crate) fn run(name: &str, handler: u32, event: &serde_json::Value, answers: &str) -> serde_json::Value {
    let action = ACTIONS.iter().find(|action| action.name == name).unwrap_or_else(|| panic!("no Action {name}"));
    let answer = auth0_actions::run(action, handler, event.to_string().as_bytes(), answers.as_bytes(), 1_726_531_108_392.0);
    serde_json::from_slice(&answer).unwrap_or_else(|error| panic!("the answer is JSON: {error}"))
}
