//! What an Action declares about itself: its trigger, the paths of the event its decision
//! reads, its secrets, and whether it calls the Management API. Both hosts derive the
//! module's input from this one declaration ([`crate::projection`]), the module checks every
//! read against it ([`crate::event`]), and the module describes itself from it
//! ([`crate::describe`]), so the runner, the bundler and deploy need no other table.
//!
//! Paths are dotted keys of the event, `[]` after a key meaning "each element of this list":
//! `user.app_metadata.subscription`, `authorization.roles[]`,
//! `authentication.methods[].name`. A secret the decision reads is declared as a
//! [`Secret`] and crosses as `secrets.NAME`.

use crate::event::{ELEMENTS, MAX_PATH_KEYS};

/// The triggers an Action can be written for, with the version of their `event` and `api`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Trigger {
    /// `post-login` v3: `onExecutePostLogin`, and `onContinuePostLogin` after a redirect.
    PostLogin,
    /// `credentials-exchange` v2: `onExecuteCredentialsExchange` (machine to machine).
    CredentialsExchange,
    /// `pre-user-registration` v2: `onExecutePreUserRegistration`.
    PreUserRegistration,
}

impl Trigger {
    pub const ALL: [Trigger; 3] = [Trigger::PostLogin, Trigger::CredentialsExchange, Trigger::PreUserRegistration];

    /// Auth0's id of the trigger (`supported_triggers[].id`, the bindings' path).
    pub const fn id(self) -> &'static str {
        match self {
            Trigger::PostLogin => "post-login",
            Trigger::CredentialsExchange => "credentials-exchange",
            Trigger::PreUserRegistration => "pre-user-registration",
        }
    }

    /// The version of the trigger these event and `api` models are (`supported_triggers[].version`).
    pub const fn version(self) -> &'static str {
        match self {
            Trigger::PostLogin => "v3",
            Trigger::CredentialsExchange | Trigger::PreUserRegistration => "v2",
        }
    }

    /// The trigger's first handler, the one every Action of it exports.
    pub const fn execute(self) -> &'static str {
        match self {
            Trigger::PostLogin => "onExecutePostLogin",
            Trigger::CredentialsExchange => "onExecuteCredentialsExchange",
            Trigger::PreUserRegistration => "onExecutePreUserRegistration",
        }
    }

    /// The handler Auth0 runs after a redirect, for triggers that redirect.
    pub const fn resume(self) -> Option<&'static str> {
        match self {
            Trigger::PostLogin => Some("onContinuePostLogin"),
            Trigger::CredentialsExchange | Trigger::PreUserRegistration => None,
        }
    }

    /// The trigger with Auth0's id `id`.
    pub fn from_id(id: &str) -> Option<Trigger> {
        Trigger::ALL.into_iter().find(|trigger| trigger.id() == id)
    }

    /// The top-level keys of the trigger's `event` (besides `secrets`), as Auth0 documents
    /// them: the first key of every declared path must be one of these.
    pub const fn event_keys(self) -> &'static [&'static str] {
        match self {
            Trigger::PostLogin => &[
                "authentication", "authorization", "client", "connection", "custom_domain", "organization", "prompt",
                "refresh_token", "request", "resource_server", "security_context", "session", "stats", "tenant",
                "transaction", "user", "agent",
            ],
            Trigger::CredentialsExchange => {
                &["accessToken", "client", "custom_domain", "organization", "request", "resource_server", "tenant", "transaction"]
            }
            Trigger::PreUserRegistration => &[
                "authentication", "client", "connection", "custom_domain", "request", "security_context", "tenant",
                "transaction", "user",
            ],
        }
    }
}

impl std::fmt::Display for Trigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// One secret the decision reads (`event.secrets.NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Secret {
    pub name: &'static str,
    /// A deploy stops before any write when a required secret has no value anywhere.
    pub required: bool,
    /// What to set it to, for the manifest and the deploy's messages.
    pub note: &'static str,
}

impl Secret {
    pub const fn required(name: &'static str, note: &'static str) -> Secret {
        Secret { name, required: true, note }
    }

    pub const fn optional(name: &'static str, note: &'static str) -> Secret {
        Secret { name, required: false, note }
    }
}

/// An Action that calls the Management API with a machine-to-machine application of its
/// own: the shim gets a token with the secrets [`MANAGEMENT_API_SECRETS`] (which the module
/// never sees) and makes the requests the decision asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagementApi {
    /// The scopes that application needs, for the manifest and the shim's messages.
    pub scopes: &'static [&'static str],
}

/// The secrets of the Management API's credentials, read by the shim only.
pub const MANAGEMENT_API_SECRETS: [&str; 3] = ["domain", "clientId", "clientSecret"];

/// What an Action declares. Built by each trigger's Action type ([`crate::PostLogin`], ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declaration {
    pub trigger: Trigger,
    /// Paths of the event the decision reads; only these cross into the module.
    pub event_paths: &'static [&'static str],
    /// Secrets the decision reads; only these cross into the module.
    pub secrets: &'static [Secret],
    pub management_api: Option<ManagementApi>,
}

/// The keys of a declared path, `[]` as a key of its own: `methods[].name` gives
/// `methods`, `[]`, `name`.
#[derive(Debug, Clone)]
pub(crate) struct Segments<'p> {
    rest: &'p str,
    elements_next: bool,
}

impl<'p> Segments<'p> {
    pub(crate) fn new(path: &'p str) -> Self {
        Segments { rest: path, elements_next: false }
    }
}

impl<'p> Iterator for Segments<'p> {
    type Item = &'p str;

    fn next(&mut self) -> Option<&'p str> {
        if self.elements_next {
            self.elements_next = false;
            return Some(ELEMENTS);
        }
        if self.rest.is_empty() {
            return None;
        }
        let (segment, rest) = self.rest.split_once('.').unwrap_or((self.rest, ""));
        self.rest = rest;
        match segment.strip_suffix(ELEMENTS) {
            Some(key) => {
                self.elements_next = true;
                Some(key)
            }
            None => Some(segment),
        }
    }
}

/// Checks a declaration at compile time (the registration macro calls it in a `const`), so
/// a misspelt path is a build error: Auth0's name rules for the Action, every path's syntax
/// and first key, every secret's name.
// Evaluated at compile time by the registration macro (const fns cannot use `get`): the
// indices are in bounds by the loops' conditions, and a panic would be a build error.
#[allow(clippy::indexing_slicing)]
pub const fn check(name: &str, declaration: &Declaration) -> Result<(), &'static str> {
    if let Err(problem) = check_name(name) {
        return Err(problem);
    }
    let keys = declaration.trigger.event_keys();
    let mut index = 0;
    while index < declaration.event_paths.len() {
        if let Err(problem) = check_path(declaration.event_paths[index], keys) {
            return Err(problem);
        }
        index += 1;
    }
    let mut index = 0;
    while index < declaration.secrets.len() {
        let secret = declaration.secrets[index].name.as_bytes();
        if secret.is_empty() || secret.len() > 128 {
            return Err("a secret's name must be 1 to 128 characters (Auth0's limit)");
        }
        let shim_secrets = if declaration.management_api.is_some() { MANAGEMENT_API_SECRETS.len() } else { 0 };
        let mut other = 0;
        while other < shim_secrets {
            if bytes_eq(secret, MANAGEMENT_API_SECRETS[other].as_bytes()) {
                return Err("domain, clientId and clientSecret are the Management API's secrets: the shim reads them, never the decision");
            }
            other += 1;
        }
        index += 1;
    }
    if declaration.secrets.len() + if declaration.management_api.is_some() { MANAGEMENT_API_SECRETS.len() } else { 0 } > 30 {
        return Err("an Action has at most 30 secrets (Auth0's limit)");
    }
    Ok(())
}

/// An Action's name: 1 to 100 letters, digits, `_` or `-` (it names the module's export, the
/// bundle's folder and the Action on the tenant).
// Evaluated at compile time by the registration macro (const fns cannot use `get`): the
// indices are in bounds by the loops' conditions, and a panic would be a build error.
#[allow(clippy::indexing_slicing)]
pub const fn check_name(name: &str) -> Result<(), &'static str> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > 100 {
        return Err("an Action's name must be 1 to 100 characters");
    }
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if !(byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-') {
            return Err("an Action's name may hold only letters, digits, '_' and '-'");
        }
        index += 1;
    }
    Ok(())
}

// Evaluated at compile time by the registration macro (const fns cannot use `get`): the
// indices are in bounds by the loops' conditions, and a panic would be a build error.
#[allow(clippy::indexing_slicing)]
const fn check_path(path: &str, keys: &[&str]) -> Result<(), &'static str> {
    let bytes = path.as_bytes();
    if bytes.is_empty() {
        return Err("a declared event path is empty");
    }
    // The first key must be one of the trigger's event keys.
    let mut end = 0;
    while end < bytes.len() && bytes[end] != b'.' && bytes[end] != b'[' {
        end += 1;
    }
    let mut known = false;
    let mut index = 0;
    while index < keys.len() {
        if prefix_eq(bytes, end, keys[index].as_bytes()) {
            known = true;
        }
        index += 1;
    }
    if !known {
        return Err("a declared event path must start with one of the trigger's event keys (see Trigger::event_keys; secrets are declared as Secret)");
    }
    // Keys are non-empty, not all digits (the shim builds the input as a JavaScript object,
    // which would move such a key first), and `[]` only ends a key.
    let (mut start, mut at, mut count) = (0, 0, 0);
    while at <= bytes.len() {
        if at == bytes.len() || bytes[at] == b'.' {
            let mut key_end = at;
            if key_end >= start + 2 && bytes[key_end - 2] == b'[' && bytes[key_end - 1] == b']' {
                key_end -= 2;
                count += 1;
            }
            if key_end == start {
                return Err("a declared event path has an empty key (two dots, or [] alone)");
            }
            let mut digits = true;
            let mut k = start;
            while k < key_end {
                if bytes[k] == b'[' || bytes[k] == b']' {
                    return Err("a declared event path has '[' or ']' other than [] at the end of a key");
                }
                if !bytes[k].is_ascii_digit() {
                    digits = false;
                }
                k += 1;
            }
            if digits {
                return Err("a declared event path has a key of digits only");
            }
            count += 1;
            start = at + 1;
        }
        at += 1;
    }
    if count > MAX_PATH_KEYS {
        return Err("a declared event path is deeper than 12 keys ([] counting as one)");
    }
    Ok(())
}

// Evaluated at compile time by the registration macro (const fns cannot use `get`): the
// indices are in bounds by the loops' conditions, and a panic would be a build error.
#[allow(clippy::indexing_slicing)]
const fn prefix_eq(bytes: &[u8], len: usize, key: &[u8]) -> bool {
    if key.len() != len {
        return false;
    }
    let mut index = 0;
    while index < len {
        if bytes[index] != key[index] {
            return false;
        }
        index += 1;
    }
    true
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && prefix_eq(a, a.len(), b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declaration(paths: &'static [&'static str]) -> Declaration {
        Declaration { trigger: Trigger::PostLogin, event_paths: paths, secrets: &[], management_api: None }
    }

    #[test]
    fn segments_split_keys_and_element_markers() {
        let keys: Vec<&str> = Segments::new("authentication.methods[].name").collect();
        assert_eq!(keys, ["authentication", "methods", "[]", "name"]);
        let keys: Vec<&str> = Segments::new("authorization.roles[]").collect();
        assert_eq!(keys, ["authorization", "roles", "[]"]);
    }

    #[test]
    fn declarations_are_checked() {
        assert_eq!(check("Good_Name-1", &declaration(&["user.app_metadata.plan", "authorization.roles[]"])), Ok(()));
        assert!(check("bad name", &declaration(&[])).is_err());
        assert!(check("", &declaration(&[])).is_err());
        for bad in ["usr.email", "user..email", "user.[]", "user.0", "user.roles[x]", "secrets.X", ""] {
            let paths: &'static [&'static str] = Box::leak(Box::new([bad]));
            assert!(check("A", &declaration(paths)).is_err(), "{bad}");
        }
        const SHIM: &[Secret] = &[Secret::required("clientSecret", "")];
        let shim = Declaration {
            secrets: SHIM,
            management_api: Some(ManagementApi { scopes: &[] }),
            ..declaration(&[])
        };
        assert!(check("A", &shim).is_err(), "the M2M secret never crosses into the decision");
    }
}
