//! Each trigger's `api`, as effects: a call on it records what the Action asks for, in
//! order, and the host applies the list to Auth0's real `api` (the shim) or records it (the
//! runner). Nothing here performs anything.
//!
//! Some calls answer (`api.cache.get`, `api.redirect.encodeToken`, `validateToken`,
//! `api.rules.wasExecuted`, a Management API GET). The decision stays pure and the module
//! keeps zero imports: such a call returns `Err(`[`Pending`]`)` until the host has the
//! answer, the handler returns it with `?`, and the host runs the decision again from the
//! start with the answers so far, after performing the calls that came before, in order
//! (the shim performs every call exactly once). A decision is a function of its event,
//! "now" and its answers, so every run repeats the calls of the one before, and an Action
//! that asks for nothing runs once, as before.
//!
//! An answer ignored (`let _ = api.cache().set(...)`) does not stop the decision: the call
//! is still made, in its place, and its answer is never waited for.

pub mod credentials_exchange;
pub mod post_login;
pub mod pre_user_registration;

use crate::json::{Kind, Tree, number_value, write_str};
use crate::log::line;
use crate::value::Value;

/// The outcome of a handler: `Ok(())` when it is done, `Err(Pending)` (returned with `?`
/// from a call that answers) when it needs an answer the host has not given yet.
pub type Decision = Result<(), Pending>;

/// A decision that stopped for an answer: returned by the calls that answer, and to be
/// returned by the handler (with `?`). Only the framework makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending(pub(crate) Stop);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The answer of the call at this index of the effects is needed.
    Awaiting(usize),
    /// The host's answer is not of the call's shape.
    BadAnswer { call: &'static str, problem: String },
    /// The real `api` threw where this framework has no typed outcome for it.
    Threw { call: &'static str, message: String },
}

/// One argument of an `api` call, written into the effects as it is given.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'v> {
    Str(&'v str),
    Value(&'v Value),
}

impl Arg<'_> {
    fn write_json(self, out: &mut Vec<u8>) {
        match self {
            Arg::Str(text) => write_str(out, text),
            Arg::Value(value) => value.write_json(out),
        }
    }
}

/// What the host answered for one call.
enum Answered<'a> {
    Returns(&'a Tree<'a>),
    Throws(String),
}

/// Records the calls of one run, written as the answer's `effects` hold them (the host's
/// form is [`crate::Effect`]), and holds the answers the host gave so far.
#[derive(Debug, Default)]
pub struct Recorder<'a> {
    action: &'static str,
    /// The effects so far: their JSON, separated by commas, without the brackets.
    pub(crate) effects: Vec<u8>,
    /// How many.
    pub(crate) count: usize,
    /// `[{"effect": N, "returns": ...} | {"effect": N, "throws": "message"}, ...]`.
    answers: Option<&'a Tree<'a>>,
    /// Whether the Action declares the Management API; when it does not, its first request
    /// (`POST /api/v2/...`) is kept here, not made, and the call ends with an error.
    management_api: bool,
    pub(crate) undeclared_request: Option<String>,
}

impl<'a> Recorder<'a> {
    pub(crate) fn new(action: &'static str, answers: Option<&'a Tree<'a>>, management_api: bool) -> Self {
        Recorder { action, effects: Vec::with_capacity(256), count: 0, answers, management_api, undeclared_request: None }
    }

    /// Starts the next effect; its index.
    fn next(&mut self) -> usize {
        if self.count > 0 {
            self.effects.push(b',');
        }
        self.count += 1;
        self.count - 1
    }

    /// `api.<path>(...args)`; its index.
    fn call(&mut self, path: &'static str, args: &[Arg<'_>]) -> usize {
        let index = self.next();
        let out = &mut self.effects;
        // The paths are this crate's own (`user.setAppMetadata`): nothing in them to escape.
        out.extend_from_slice(b"{\"api\":\"");
        out.extend_from_slice(path.as_bytes());
        out.extend_from_slice(b"\",\"args\":[");
        for (position, arg) in args.iter().enumerate() {
            if position > 0 {
                out.push(b',');
            }
            arg.write_json(out);
        }
        out.extend_from_slice(b"]}");
        index
    }

    /// A Management API request the shim makes with the Action's own credentials; its index.
    fn management_api(&mut self, method: &'static str, path: &str, body: Option<&Value>) -> usize {
        if !self.management_api && self.undeclared_request.is_none() {
            self.undeclared_request = Some([method, " ", path].concat());
        }
        let index = self.next();
        let out = &mut self.effects;
        out.extend_from_slice(b"{\"management_api\":{\"method\":");
        write_str(out, method);
        out.extend_from_slice(b",\"path\":");
        write_str(out, path);
        if let Some(body) = body {
            out.extend_from_slice(b",\"body\":");
            body.write_json(out);
        }
        out.extend_from_slice(b"}}");
        index
    }

    /// The answer of the effect at `index`, when the host has given it.
    fn answer_of(&self, index: usize) -> Result<Answered<'a>, Pending> {
        let found = self.answers.and_then(|answers| match answers {
            Tree::Array(items) => items.iter().find(|item| {
                item.get("effect").is_some_and(|n| matches!(n, Tree::Number(text) if number_value(text) == index as f64))
            }),
            _ => None,
        });
        match found {
            None => Err(Pending(Stop::Awaiting(index))),
            Some(answer) => match (answer.get("returns"), answer.get("throws")) {
                (Some(value), None) => Ok(Answered::Returns(value)),
                (None, Some(message)) => Ok(Answered::Throws(message.as_str().unwrap_or("an error").to_owned())),
                _ => Ok(Answered::Returns(&Tree::Null)),
            },
        }
    }

    /// Records a call that answers, and gives its answer when the host has given it.
    fn ask_api(&mut self, path: &'static str, args: &[Arg<'_>]) -> Result<Answered<'a>, Pending> {
        let index = self.call(path, args);
        self.answer_of(index)
    }

    /// An answer that must be returned, not thrown.
    fn returned(&mut self, path: &'static str, args: &[Arg<'_>]) -> Result<&'a Tree<'a>, Pending> {
        match self.ask_api(path, args)? {
            Answered::Returns(value) => Ok(value),
            Answered::Throws(message) => Err(Pending(Stop::Threw { call: path, message })),
        }
    }

    /// One `console.log` line, `<Action>: message`, cut to the 256 characters Auth0 keeps.
    pub(crate) fn log(&mut self, message: &str) {
        self.next();
        self.effects.extend_from_slice(b"{\"log\":");
        write_str(&mut self.effects, &line(self.action, message));
        self.effects.push(b'}');
    }
}

fn bad(call: &'static str, expected: &str, found: Kind) -> Pending {
    Pending(Stop::BadAnswer { call, problem: format!("expected {expected}, found {found}") })
}

/// An entry of `api.cache`.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheRecord {
    pub value: String,
    /// When it expires, in milliseconds since 1970.
    pub expires_at: Option<f64>,
}

/// What `api.cache.set` and `api.cache.delete` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheWrite {
    Success,
    /// One of Auth0's codes: `MaxSideEffectsExceeded`, `CacheKeySizeExceeded`,
    /// `CacheValueSizeExceeded`, `CacheSizeExceeded`, `ItemAlreadyExpired`, `InvalidExpiry`,
    /// `FailedToSetCacheRecord`, `FailedToDeleteCacheRecord`, `CacheKeyDoesNotExist`.
    Error { code: String },
}

/// The options of `api.cache.set`; with both, the earlier expiry wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheOptions {
    /// Milliseconds the entry lives (Auth0's default applies when neither is set).
    pub ttl: Option<u64>,
    /// When it expires, in milliseconds since 1970.
    pub expires_at: Option<u64>,
}

/// `api.cache`: key-value entries that may survive between executions of the trigger
/// (never guaranteed). Its answers come from the host, so a replay states them.
#[derive(Debug)]
pub struct Cache<'r, 'a>(pub(crate) &'r mut Recorder<'a>);

impl Cache<'_, '_> {
    /// `api.cache.get(key)`: the entry, or `None`.
    pub fn get(&mut self, key: &str) -> Result<Option<CacheRecord>, Pending> {
        const CALL: &str = "cache.get";
        match self.0.returned(CALL, &[Arg::Str(key)])? {
            Tree::Null => Ok(None),
            object @ Tree::Object(_) => match object.get("value") {
                Some(Tree::String(value)) => Ok(Some(CacheRecord {
                    value: value.as_ref().to_owned(),
                    expires_at: match object.get("expires_at") {
                        Some(Tree::Number(text)) => Some(number_value(text)),
                        _ => None,
                    },
                })),
                other => Err(bad(CALL, "{value: string, expires_at} or undefined", other.map_or(Kind::Null, Tree::kind))),
            },
            other => Err(bad(CALL, "{value: string, expires_at} or undefined", other.kind())),
        }
    }

    /// `api.cache.set(key, value, {ttl, expires_at})`.
    pub fn set(&mut self, key: &str, value: &str, options: CacheOptions) -> Result<CacheWrite, Pending> {
        let mut object = Vec::new();
        if let Some(ttl) = options.ttl {
            object.push(("ttl".to_owned(), Value::from(ttl)));
        }
        if let Some(at) = options.expires_at {
            object.push(("expires_at".to_owned(), Value::from(at)));
        }
        let answer = if object.is_empty() {
            self.0.returned("cache.set", &[Arg::Str(key), Arg::Str(value)])?
        } else {
            self.0.returned("cache.set", &[Arg::Str(key), Arg::Str(value), Arg::Value(&Value::Object(object))])?
        };
        cache_write("cache.set", answer)
    }

    /// `api.cache.delete(key)`.
    pub fn delete(&mut self, key: &str) -> Result<CacheWrite, Pending> {
        let answer = self.0.returned("cache.delete", &[Arg::Str(key)])?;
        cache_write("cache.delete", answer)
    }
}

fn cache_write(call: &'static str, answer: &Tree<'_>) -> Result<CacheWrite, Pending> {
    match answer.get("type").and_then(Tree::as_str) {
        Some("success") => Ok(CacheWrite::Success),
        Some("error") => Ok(CacheWrite::Error {
            code: answer.get("code").and_then(Tree::as_str).unwrap_or("unknown").to_owned(),
        }),
        _ => Err(bad(call, "{type: \"success\"} or {type: \"error\", code}", answer.kind())),
    }
}

/// The answer of a Management API GET.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpAnswer {
    /// The HTTP status; 0 when no answer came (a network error, a timeout, no credentials).
    pub status: u16,
    /// The body, parsed when it is JSON, else its text; `null` when empty.
    pub body: Value,
}

impl HttpAnswer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Requests to the Management API with the Action's own machine-to-machine application
/// (declared with [`crate::ManagementApi`]): the shim gets the token and sends them, and
/// reports how each went in a log line of its own.
#[derive(Debug)]
pub struct ManagementApiCalls<'r, 'a>(pub(crate) &'r mut Recorder<'a>);

impl ManagementApiCalls<'_, '_> {
    /// `GET path` (from `/api/v2/`), whose answer the decision reads.
    pub fn get(&mut self, path: &str) -> Result<HttpAnswer, Pending> {
        const CALL: &str = "management_api GET";
        let index = self.0.management_api("GET", path, None);
        let answer = match self.0.answer_of(index)? {
            Answered::Returns(answer) => answer,
            Answered::Throws(message) => return Err(Pending(Stop::Threw { call: CALL, message })),
        };
        let status = match answer.get("status") {
            // Statuses are small whole numbers; anything else reads as no answer.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(Tree::Number(text)) => number_value(text).clamp(0.0, 999.0) as u16,
            _ => return Err(bad(CALL, "{status, body}", answer.kind())),
        };
        let body = answer.get("body").map(Value::from_tree).unwrap_or_default();
        Ok(HttpAnswer { status, body })
    }

    /// `POST path` with a JSON body; its answer is only logged by the shim.
    pub fn post(&mut self, path: &str, body: Value) {
        self.send("POST", path, Some(body));
    }

    /// `PATCH path` with a JSON body.
    pub fn patch(&mut self, path: &str, body: Value) {
        self.send("PATCH", path, Some(body));
    }

    /// `PUT path` with a JSON body.
    pub fn put(&mut self, path: &str, body: Value) {
        self.send("PUT", path, Some(body));
    }

    /// `DELETE path`.
    pub fn delete(&mut self, path: &str) {
        self.send("DELETE", path, None);
    }

    fn send(&mut self, method: &'static str, path: &str, body: Option<Value>) {
        self.0.management_api(method, path, body.as_ref());
    }
}

/// `api.idToken` and `api.accessToken`'s `setCustomClaim`.
fn set_claim(recorder: &mut Recorder<'_>, path: &'static str, key: &str, value: Value) {
    recorder.call(path, &[Arg::Str(key), Arg::Value(&value)]);
}

/// Defines the namespace structs of an `api` (each a borrow of the recorder).
macro_rules! namespaces {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug)]
        pub struct $name<'r, 'a>(pub(crate) &'r mut $crate::api::Recorder<'a>);
    )*};
}

pub(crate) use namespaces;

namespaces! {
    /// `api.user`, the same in post-login and pre-user-registration.
    User,
    /// `api.validation`, the same in post-login and pre-user-registration.
    Validation,
}

impl User<'_, '_> {
    /// `api.user.setAppMetadata(key, value)`: one top-level key; `null` deletes it (in
    /// pre-user-registration, not for passwordless users).
    pub fn set_app_metadata(&mut self, key: &str, value: impl Into<Value>) {
        self.0.call("user.setAppMetadata", &[Arg::Str(key), Arg::Value(&value.into())]);
    }

    /// `api.user.setUserMetadata(key, value)`: one top-level key; `null` deletes it.
    pub fn set_user_metadata(&mut self, key: &str, value: impl Into<Value>) {
        self.0.call("user.setUserMetadata", &[Arg::Str(key), Arg::Value(&value.into())]);
    }
}

impl Validation<'_, '_> {
    /// `api.validation.error(errorCode, errorMessage)`: the login (post-login) or the signup
    /// (pre-user-registration) fails with this code.
    pub fn error(&mut self, code: &str, message: &str) {
        self.0.call("validation.error", &[Arg::Str(code), Arg::Str(message)]);
    }
}

/// Defines a trigger's `api` struct: its namespaces, `cache`, `management_api` and `log`.
macro_rules! api {
    ($(#[$meta:meta])* { $($(#[$fmeta:meta])* $field:ident: $ty:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct Api<'a>(pub(crate) $crate::api::Recorder<'a>);

        impl<'a> Api<'a> {
            $(
                $(#[$fmeta])*
                pub fn $field(&mut self) -> $ty<'_, 'a> {
                    $ty(&mut self.0)
                }
            )*

            /// `api.cache`.
            pub fn cache(&mut self) -> $crate::api::Cache<'_, 'a> {
                $crate::api::Cache(&mut self.0)
            }

            /// The Management API, with the Action's own credentials (declare
            /// [`crate::ManagementApi`]).
            pub fn management_api(&mut self) -> $crate::api::ManagementApiCalls<'_, 'a> {
                $crate::api::ManagementApiCalls(&mut self.0)
            }

            /// One `console.log` line, `<Action>: message`, cut to the 256 characters Auth0
            /// keeps. Never put a secret's value in one.
            pub fn log(&mut self, message: &str) {
                self.0.log(message);
            }
        }
    };
}

pub(crate) use api;

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(json: &str) -> Tree<'_> {
        Tree::parse(json.as_bytes()).unwrap()
    }

    #[test]
    fn a_call_that_answers_waits_for_its_answer() {
        let mut recorder = Recorder::new("A", None, false);
        recorder.call("idToken.setCustomClaim", &[Arg::Str("k"), Arg::Str("v")]);
        let pending = Cache(&mut recorder).get("key").unwrap_err();
        assert_eq!(pending, Pending(Stop::Awaiting(1)));
        assert_eq!(recorder.count, 2);
        assert_eq!(
            String::from_utf8_lossy(&recorder.effects),
            r#"{"api":"idToken.setCustomClaim","args":["k","v"]},{"api":"cache.get","args":["key"]}"#
        );
    }

    #[test]
    fn answers_are_found_by_the_index_of_their_call() {
        let given = answers(r#"[{"effect": 0, "returns": {"value": "v", "expires_at": 5}}, {"effect": 1, "returns": null}, {"effect": 2, "returns": {"type": "error", "code": "CacheSizeExceeded"}}]"#);
        let mut recorder = Recorder::new("A", Some(&given), false);
        let mut cache = Cache(&mut recorder);
        assert_eq!(cache.get("a"), Ok(Some(CacheRecord { value: "v".into(), expires_at: Some(5.0) })));
        assert_eq!(cache.get("b"), Ok(None));
        assert_eq!(cache.set("c", "x", CacheOptions::default()), Ok(CacheWrite::Error { code: "CacheSizeExceeded".into() }));
        assert_eq!(cache.delete("d"), Err(Pending(Stop::Awaiting(3))));
    }

    #[test]
    fn an_answer_of_another_shape_stops_the_decision_with_a_sentence() {
        let given = answers(r#"[{"effect": 0, "returns": 5}]"#);
        let mut recorder = Recorder::new("A", Some(&given), false);
        let Err(Pending(Stop::BadAnswer { call, problem })) = Cache(&mut recorder).get("a") else { panic!("a bad answer") };
        assert_eq!((call, problem.as_str()), ("cache.get", "expected {value: string, expires_at} or undefined, found a number"));
    }
}
