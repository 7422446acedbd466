//! Write Auth0 Actions as pure Rust: each trigger's `event` as typed views with Auth0's names,
//! its `api` as effects, and the ABI that makes a crate of Actions one WebAssembly module per
//! Action (no imports, JSON in, JSON out) that the shim deploys and the runner replays.
//!
//! This crate knows no Action. A team's crate holds its Actions, each a declaration and a
//! pure function of (event, api, now), and registers them in one line each:
//!
//! ```
//! use auth0_actions::post_login::{Api, Event};
//! use auth0_actions::{Decision, Field, PostLogin, Secret, Timestamp};
//!
//! /// Denies users whose email is not verified, on database connections.
//! pub const DENY_UNVERIFIED: PostLogin = PostLogin {
//!     event_paths: &["user.email_verified", "connection.strategy"],
//!     secrets: &[Secret::optional("MESSAGE", "what the user is told; default \"verify your email first\"")],
//!     management_api: None,
//!     on_execute: deny_unverified,
//!     on_continue: None,
//! };
//!
//! fn deny_unverified(event: &Event<'_>, api: &mut Api<'_>, _now: Timestamp) -> Decision {
//!     let database = event.connection().and_then(|c| c.strategy()).present() == Some("auth0");
//!     let verified = event.user().and_then(|u| u.email_verified()).present() == Some(true);
//!     if database && !verified {
//!         let message = event.secrets().get("MESSAGE").unwrap_or("verify your email first");
//!         api.access().deny(message);
//!     }
//!     Ok(())
//! }
//!
//! auth0_actions::actions! {
//!     "Deny_Unverified" => DENY_UNVERIFIED,
//! }
//! # fn main() {}
//! ```
//!
//! The crate is a `cdylib` (and an `rlib` for its tests) built for `wasm32-unknown-unknown`;
//! `runner build` makes one module per Action from it (each with only its own code) and
//! bundles each as a `code.js`. [`actions!`] also gives the crate `ACTIONS`, the list the
//! native loop and the tests run (`harness::ModuleRunner::native`).
//!
//! Architecture invariant: this crate does no IO, reads no clock and has no randomness, so an
//! Action cannot fail for outside reasons. "Now", secrets and answers are inputs.
//!
//! Architecture invariant: nothing in the module panics on input: every input gives effects
//! or an error as data ([`action`]).

#![forbid(unsafe_op_in_unsafe_fn)]

pub mod abi;
pub mod action;
pub mod api;
pub mod declaration;
pub mod describe;
pub mod effect;
pub mod event;
pub mod json;
pub mod log;
pub mod projection;
pub mod rules;
pub mod time;
pub mod url;
pub mod value;

pub use action::{ABI_VERSION, CredentialsExchange, PostLogin, PreUserRegistration, Registered, Registration, run};
pub use api::{CacheOptions, CacheRecord, CacheWrite, Decision, HttpAnswer, Pending};
pub use declaration::{Declaration, ManagementApi, Secret, Trigger};
pub use describe::ActionInfo;
pub use effect::{Answer, ApiCall, Effect, ErrorData, HttpMethod, ManagementApiRequest, ModuleAnswer};
pub use event::{Any, BadElement, Field, List, Metadata, Secrets};
pub use json::Kind;
pub use log::{MAX_LOG_LINE_CHARS, quote};
pub use time::Timestamp;
pub use value::Value;

/// The post-login trigger (v3): its `event`, its `api`, and the options of its calls.
pub mod post_login {
    pub use crate::api::post_login::{
        Api, CookieMode, EncodeToken, Factor, FactorKind, InvalidToken, MfaOptions, MfaProvider, PromptOptions,
        SamlDigestAlgorithm, SamlSignatureAlgorithm, ValidateToken,
    };
    pub use crate::event::common::*;
    pub use crate::event::post_login::*;
}

/// The credentials-exchange trigger (v2): its `event`, its `api`, and the options of its calls.
pub mod credentials_exchange {
    pub use crate::api::credentials_exchange::{Api, DenyCode};
    pub use crate::event::common::*;
    pub use crate::event::credentials_exchange::*;
}

/// The pre-user-registration trigger (v2): its `event`, its `api`.
pub mod pre_user_registration {
    pub use crate::api::pre_user_registration::Api;
    pub use crate::event::common::*;
    pub use crate::event::pre_user_registration::*;
}

/// The lowercase hex SHA-256 of `bytes`. It names a module, a `code.js` and the tenant's
/// code in manifests, reports and the shim (`module_sha256`), so every host computes it here.
#[cfg(not(target_arch = "wasm32"))]
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Whether `names` has no name twice (the registration macro checks it at compile time).
#[doc(hidden)]
// Evaluated at compile time: the indices are in bounds by the loops' conditions, and a
// panic there would be a build error, not a failed login.
#[allow(clippy::indexing_slicing)]
pub const fn distinct(names: &[&str]) -> bool {
    let mut i = 0;
    while i < names.len() {
        let mut j = i + 1;
        while j < names.len() {
            let (a, b) = (names[i].as_bytes(), names[j].as_bytes());
            if a.len() == b.len() {
                let mut k = 0;
                while k < a.len() && a[k] == b[k] {
                    k += 1;
                }
                if k == a.len() {
                    return false;
                }
            }
            j += 1;
        }
        i += 1;
    }
    true
}

/// Registers a crate's Actions, one line each: `"Name" => ACTION,` (the Action's name on the
/// tenant, and a const of [`PostLogin`], [`CredentialsExchange`] or [`PreUserRegistration`]).
///
/// It checks each declaration at compile time ([`declaration::check`]), gives the crate
/// `pub const ACTIONS: &[Registered]` (for the native loop and the tests), and, built for
/// wasm32, the module's ABI ([`abi`]): `alloc`, `dealloc`, `abi_version` and one export
/// `auth0_action:<Name>` per Action. `runner build` builds the crate once per Action with
/// `--cfg auth0_actions_select --cfg auth0_action="<Name>"`, so each module holds only that
/// Action's code; the crate must declare those two cfgs (in its `Cargo.toml`:
/// `[lints.rust] unexpected_cfgs = { level = "warn", check-cfg = ["cfg(auth0_actions_select)",
/// "cfg(auth0_action, values(any()))"] }`). Call it once per crate.
#[macro_export]
macro_rules! actions {
    ($($name:literal => $action:path),* $(,)?) => {
        /// Every Action of this crate, in registration order: what `harness::ModuleRunner::native`
        /// runs and what the tests iterate.
        pub const ACTIONS: &[$crate::Registered] = &[$($crate::Registered { name: $name, action: &$action }),*];

        const _: () = {
            $(
                if let Err(problem) = $crate::declaration::check($name, &$action.declaration()) {
                    panic!("{}", problem);
                }
            )*
            assert!($crate::distinct(&[$($name),*]), "two Actions of this crate have the same name");
        };

        #[cfg(target_arch = "wasm32")]
        const _: () = {
            #[unsafe(no_mangle)]
            pub extern "C" fn abi_version() -> u32 {
                $crate::abi::abi_version()
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn alloc(len: u32) -> u32 {
                $crate::abi::alloc(len)
            }

            /// # Safety
            /// `ptr` and `len` must be a region from `alloc` or an answer, not yet given back.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn dealloc(ptr: u32, len: u32) {
                // SAFETY: forwarded from this function's contract.
                unsafe { $crate::abi::dealloc(ptr, len) }
            }
        };

        $(
            #[cfg(all(target_arch = "wasm32", any(not(auth0_actions_select), auth0_action = $name)))]
            const _: () = {
                static ACTION: $crate::Registered = $crate::Registered { name: $name, action: &$action };

                /// # Safety
                /// Each region must be one from `alloc` that the host filled (or `0, 0`).
                #[unsafe(export_name = concat!("auth0_action:", $name))]
                pub unsafe extern "C" fn entry(handler: u32, ptr: u32, len: u32, answers_ptr: u32, answers_len: u32, now_ms: f64) -> u32 {
                    // SAFETY: forwarded from this function's contract.
                    unsafe { $crate::abi::entry(&ACTION, handler, ptr, len, answers_ptr, answers_len, now_ms) }
                }
            };
        )*
    };
}
