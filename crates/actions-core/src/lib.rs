//! The business logic of the post-login Actions, as pure functions of
//! (event, secrets, now) → effects.
//!
//! This crate does no IO and reads no clock: "now" is an argument, secrets arrive inside the
//! event, and the result is a list of [`Effect`]s that someone else applies. It therefore
//! cannot fail for outside reasons, and it never panics: every input gives effects, and the
//! only refused input (an event that is not a JSON object) gives an [`InputError`] as a value.

#![forbid(unsafe_code)]

pub mod effect;
pub mod event;
pub mod json;
mod log;
pub mod projection;
pub mod time;
mod url;

use serde::{Deserialize, Serialize};

pub use effect::{ApiCall, Effect, HttpMethod, ManagementApiRequest};
pub use event::{Field, PostLoginEvent};
pub use log::MAX_LOG_LINE_CHARS;
pub use time::Timestamp;

/// The lowercase hex SHA-256 of `bytes`. It names a module, a `code.js` and the tenant's
/// code in manifests, reports and the shim (`module_sha256`), so every host computes it here.
#[cfg(not(target_arch = "wasm32"))]
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The one table of the Actions this crate holds: each line is an Action's variant and the
/// module (`src/<module>.rs`) that holds its [`Declaration`] `SPEC` and its `decide`. The
/// enum, [`Action::ALL`], [`SPECS`], the dispatch and the module's exports (whose names are
/// the modules', through this macro in `actions-wasm`) all come from it, so adding an Action
/// is a new file and a line here (and its fixtures folder, `test-events/<module, with
/// hyphens>/`).
///
/// It hands the table to the macro named as its argument:
/// `for_each_action!(my_macro)` expands to `my_macro! { Variant => module, ... }`.
#[macro_export]
macro_rules! for_each_action {
    ($callback:ident) => {
        $callback! {
            ManageSubscription => manage_subscription,
            SetDefaultMemberRole => set_default_member_role,
        }
    };
}

macro_rules! define_actions {
    ($($variant:ident => $module:ident),* $(,)?) => {
        $(mod $module;)*

        /// The Actions this crate holds.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($variant),*
        }

        /// How many Actions the table holds.
        const COUNT: usize = [$(stringify!($variant)),*].len();

        /// Each Action's spec: its identity from the table, what its decision reads from
        /// its module's [`Declaration`].
        #[allow(non_upper_case_globals)]
        mod specs {
            use super::*;
            $(
                pub(super) const $variant: ActionSpec = ActionSpec {
                    action: Action::$variant,
                    name: $module::SPEC.name,
                    export: stringify!($module),
                    event_paths: $module::SPEC.event_paths,
                    decision_secrets: $module::SPEC.decision_secrets,
                    shim_secrets: $module::SPEC.shim_secrets,
                };
            )*
        }

        /// Every Action's spec, in the table's order.
        pub const SPECS: [ActionSpec; COUNT] = [$(specs::$variant),*];

        impl Action {
            pub const ALL: [Action; COUNT] = [$(Action::$variant),*];

            pub const fn spec(self) -> &'static ActionSpec {
                match self {
                    $(Action::$variant => &specs::$variant),*
                }
            }

            /// Runs the Action's decision. Total: every event gives a list of effects.
            pub fn decide(self, event: &PostLoginEvent, now: Timestamp) -> Vec<Effect> {
                match self {
                    $(Action::$variant => $module::decide(event, now)),*
                }
            }
        }
    };
}

for_each_action!(define_actions);

/// What an Action's module declares about itself: its name on the tenant and what its
/// decision reads. The table adds the rest ([`ActionSpec`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declaration {
    pub name: &'static str,
    pub event_paths: &'static [&'static str],
    pub decision_secrets: &'static [SecretSpec],
    pub shim_secrets: &'static [SecretSpec],
}

/// What a deployable Action needs around its logic: the name it has on the tenant, the paths
/// of the event its decision reads, and the secrets it reads. Both hosts derive the module's
/// input from `event_paths` and `decision_secrets` alone (see [`projection`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionSpec {
    pub action: Action,
    /// The Action's name on the tenant (and in fixtures).
    pub name: &'static str,
    /// The name of the module's export that runs this Action.
    pub export: &'static str,
    /// Dotted paths of `event` the decision reads (`user.app_metadata.subscription`); only
    /// these cross into the module, with the types of the objects along them kept.
    pub event_paths: &'static [&'static str],
    /// Secrets the decision reads: these, and only these, are passed to the module.
    pub decision_secrets: &'static [SecretSpec],
    /// Secrets the shim itself uses to perform effects; never passed to the module.
    pub shim_secrets: &'static [SecretSpec],
}

/// One secret an Action reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretSpec {
    pub name: &'static str,
    pub required: bool,
    pub note: &'static str,
}

impl ActionSpec {
    /// The folder of this Action's fixtures under `test-events/`: its module's name with
    /// hyphens (`manage-subscription`).
    pub fn fixtures_folder(&self) -> String {
        self.export.replace('_', "-")
    }

    /// Every path the decision reads, as keys: `event_paths` split on dots, then
    /// `secrets.NAME` for each decision secret (a secret's name is one key, dots and all).
    pub fn paths(&self) -> impl Iterator<Item = Vec<&'static str>> + '_ {
        let event = self.event_paths.iter().map(|path| path.split('.').collect());
        let secrets = self.decision_secrets.iter().map(|secret| vec!["secrets", secret.name]);
        event.chain(secrets)
    }
}

impl Action {

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The Action with this tenant name, exactly as spelt.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.name() == name)
    }

}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the module answers for one call: effects, or an error as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Outcome {
    Effects(Vec<Effect>),
    Error(InputErrorData),
}

impl Outcome {
    /// The answer's JSON, byte for byte as serde writes it (a test holds the two equal),
    /// without serde's serializer in the module.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.write_json(&mut out);
        out
    }

    /// Appends the answer's JSON to `out` (the module writes it behind its length header).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let out = &mut *out;
        match self {
            Outcome::Effects(effects) => {
                out.extend_from_slice(b"{\"effects\":[");
                for (index, effect) in effects.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    effect.write_json(out);
                }
                out.extend_from_slice(b"]}");
            }
            Outcome::Error(error) => {
                out.extend_from_slice(b"{\"error\":{\"code\":");
                json::write_str(out, &error.code);
                out.extend_from_slice(b",\"message\":");
                json::write_str(out, &error.message);
                out.extend_from_slice(b"}}");
            }
        }
    }
}

/// An input the module refused, as it crosses the boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputErrorData {
    pub code: String,
    pub message: String,
}

/// Why the module refused an input. Each message says what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    NotJson { detail: String },
    NotAnObject { found: &'static str },
    BadNow { found: &'static str },
}

impl InputError {
    pub fn code(&self) -> &'static str {
        match self {
            InputError::NotJson { .. } => "not_json",
            InputError::NotAnObject { .. } => "not_an_object",
            InputError::BadNow { .. } => "bad_now",
        }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::NotJson { detail } => {
                write!(f, "expected the event as UTF-8 JSON, found invalid JSON ({detail})")
            }
            InputError::NotAnObject { found } => {
                write!(f, "expected the event to be a JSON object, found {found}")
            }
            InputError::BadNow { found } => write!(
                f,
                "expected now as milliseconds since 1970 within JavaScript's Date range, \
                 found {found}"
            ),
        }
    }
}

impl std::error::Error for InputError {}

impl From<InputError> for InputErrorData {
    fn from(error: InputError) -> Self {
        InputErrorData { code: error.code().to_owned(), message: error.to_string() }
    }
}

/// The module's whole contract for one call: event JSON bytes and `Date.now()` in, an
/// [`Outcome`] out. Kept here, not in the wasm crate, so that it is unit-tested natively.
pub fn run_json(action: Action, event_json: &[u8], now_ms: f64) -> Outcome {
    let outcome = (|| {
        let now = Timestamp::from_js_number(now_ms)
            .ok_or(InputError::BadNow { found: describe_bad_now(now_ms) })?;
        let event = PostLoginEvent::read(event_json)?;
        Ok::<_, InputError>(action.decide(&event, now))
    })();
    match outcome {
        Ok(effects) => Outcome::Effects(effects),
        Err(error) => Outcome::Error(error.into()),
    }
}

/// Names a `now` that is not a time value without formatting a float: float formatting
/// would add about 15 kB to the module.
fn describe_bad_now(now_ms: f64) -> &'static str {
    if now_ms.is_nan() {
        "NaN"
    } else if now_ms.is_infinite() {
        "an infinite number"
    } else {
        "a number beyond 8.64e15 ms"
    }
}

/// Claim names Auth0 drops silently, or rejects, when an Action sets them.
pub const RESTRICTED_CLAIMS: &[&str] = &[
    "acr", "act", "active", "amr", "at_hash", "ath", "aud", "auth_time", "authorization_details",
    "azp", "c_hash", "client_id", "cnf", "cty", "dpop_jkt", "exp", "gty", "iat", "iss", "jti",
    "nbf", "nonce", "org_id", "org_name", "permissions", "roles", "scope", "sid", "sub", "tfa",
    "typ",
];

/// Whether Auth0 would drop a custom claim of this name.
pub fn is_restricted_claim(name: &str) -> bool {
    RESTRICTED_CLAIMS.contains(&name)
}

/// Namespaces Auth0 forbids in custom claim names.
pub const FORBIDDEN_CLAIM_DOMAINS: [&str; 3] = ["auth0.com", "webtask.io", "webtask.run"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_gives_an_outcome() {
        let Outcome::Error(error) = run_json(Action::ManageSubscription, b"\xff{", 0.0) else {
            panic!("expected an error")
        };
        assert_eq!(error.code, "not_json");
        let Outcome::Error(error) = run_json(Action::SetDefaultMemberRole, b"[]", 0.0) else {
            panic!("expected an error")
        };
        assert_eq!(error.message, "expected the event to be a JSON object, found an array");
        let Outcome::Error(error) = run_json(Action::ManageSubscription, b"{}", f64::NAN) else {
            panic!("expected an error")
        };
        assert_eq!(error.code, "bad_now");
    }

    #[test]
    fn outcomes_are_written_as_serde_writes_them() {
        for input in [&b"{\"user\":{\"app_metadata\":{}}}"[..], b"[]", b"{", b"{\"organization\":{\"id\":\"o\"},\"stats\":{\"logins_count\":1},\"user\":{\"user_id\":\"u|1\"},\"secrets\":{\"ROLE_ID\":\"r1,r2\"}}"] {
            for action in Action::ALL {
                let outcome = run_json(action, input, 0.0);
                assert_eq!(String::from_utf8(outcome.to_json()).unwrap(), serde_json::to_string(&outcome).unwrap());
            }
        }
    }

    #[test]
    fn declared_paths_are_plain_keys() {
        // The shim builds the module's input as a JavaScript object: a key that looks like an
        // array index would be moved first, and the two hosts' bytes would differ.
        for spec in &SPECS {
            for path in spec.paths() {
                for key in path {
                    assert!(!key.is_empty() && !key.bytes().all(|b| b.is_ascii_digit()), "{}: {key:?}", spec.name);
                }
            }
        }
    }

    #[test]
    fn specs_are_found_by_name() {
        for action in Action::ALL {
            assert_eq!(Action::from_name(action.name()), Some(action));
            assert_eq!(action.spec().action, action);
        }
        assert_eq!(Action::from_name("manage_subscription"), None);
    }
}
