//! An Action: its declaration and its handlers, one type per trigger ([`PostLogin`],
//! [`CredentialsExchange`], [`PreUserRegistration`]), and the whole contract of one call as
//! bytes in and bytes out ([`run`]), which the module's entries ([`crate::abi`]) and the
//! native loop of the tests both call.
//!
//! A call's answer, as JSON:
//! - `{"effects": [...]}`: the handler is done; these are its effects, in order;
//! - `{"effects": [...], "pending": N}`: the handler needs the answer of effect `N` (a call
//!   that answers): the host performs the effects up to `N`, then runs the handler again
//!   with that answer added;
//! - `{"error": {"code", "message"}}`: nothing ran, or the handler read a path it does not
//!   declare (`undeclared_read`), or an answer did not fit its call.

use crate::api::{Decision, Pending, Recorder, Stop};
use crate::declaration::{Declaration, ManagementApi, Secret, Trigger};
use crate::event::{Node, Root};
use crate::json::{Kind, ParseError, Tree, write_int, write_str};
use crate::time::Timestamp;
use crate::{api, event};

/// A post-login handler: `onExecutePostLogin` or `onContinuePostLogin`.
pub type PostLoginHandler = for<'e, 'a> fn(&event::post_login::Event<'e>, &mut api::post_login::Api<'a>, Timestamp) -> Decision;

/// A credentials-exchange handler: `onExecuteCredentialsExchange`.
pub type CredentialsExchangeHandler =
    for<'e, 'a> fn(&event::credentials_exchange::Event<'e>, &mut api::credentials_exchange::Api<'a>, Timestamp) -> Decision;

/// A pre-user-registration handler: `onExecutePreUserRegistration`.
pub type PreUserRegistrationHandler =
    for<'e, 'a> fn(&event::pre_user_registration::Event<'e>, &mut api::pre_user_registration::Api<'a>, Timestamp) -> Decision;

/// A post-login (v3) Action.
#[derive(Debug, Clone, Copy)]
pub struct PostLogin {
    /// Paths of the event the decision reads ([`crate::declaration`]).
    pub event_paths: &'static [&'static str],
    /// Secrets the decision reads.
    pub secrets: &'static [Secret],
    pub management_api: Option<ManagementApi>,
    /// `exports.onExecutePostLogin`.
    pub on_execute: PostLoginHandler,
    /// `exports.onContinuePostLogin`: run when the user comes back from a redirect
    /// (`api.redirect.sendUserTo`, `api.prompt.render`).
    pub on_continue: Option<PostLoginHandler>,
}

/// A credentials-exchange (v2) Action.
#[derive(Debug, Clone, Copy)]
pub struct CredentialsExchange {
    pub event_paths: &'static [&'static str],
    pub secrets: &'static [Secret],
    pub management_api: Option<ManagementApi>,
    /// `exports.onExecuteCredentialsExchange`.
    pub on_execute: CredentialsExchangeHandler,
}

/// A pre-user-registration (v2) Action.
#[derive(Debug, Clone, Copy)]
pub struct PreUserRegistration {
    pub event_paths: &'static [&'static str],
    pub secrets: &'static [Secret],
    pub management_api: Option<ManagementApi>,
    /// `exports.onExecutePreUserRegistration`.
    pub on_execute: PreUserRegistrationHandler,
}

/// What every trigger's Action type offers the runtime.
pub trait Registration: Sync {
    fn declaration(&self) -> Declaration;

    /// The handlers it exports, in ABI order (index + 1 is the handler's number).
    fn handlers(&self) -> &'static [&'static str];

    /// Runs handler number `index` (from 0) on `event`.
    #[doc(hidden)]
    fn handle(&self, index: usize, event: Node<'_>, recorder: &mut Recorder<'_>, now: Timestamp) -> Option<Decision>;
}

macro_rules! registration {
    ($ty:ident, $trigger:expr, $module:ident, [$execute:literal $(, $resume:literal)?]) => {
        impl $ty {
            /// Its declaration, for the module's description and the checks.
            pub const fn declaration(&self) -> Declaration {
                Declaration {
                    trigger: $trigger,
                    event_paths: self.event_paths,
                    secrets: self.secrets,
                    management_api: self.management_api,
                }
            }
        }

        impl Registration for $ty {
            fn declaration(&self) -> Declaration {
                $ty::declaration(self)
            }

            fn handlers(&self) -> &'static [&'static str] {
                registration!(@handlers self [$execute $(, $resume)?])
            }

            fn handle(&self, index: usize, event: Node<'_>, recorder: &mut Recorder<'_>, now: Timestamp) -> Option<Decision> {
                let handler = registration!(@handler self index [$($resume)?])?;
                let event = event::$module::Event::new(event);
                let mut api = api::$module::Api(std::mem::take(recorder));
                let decision = handler(&event, &mut api, now);
                *recorder = api.0;
                Some(decision)
            }
        }
    };
    (@handlers $self:ident [$execute:literal]) => { &[$execute] };
    (@handlers $self:ident [$execute:literal, $resume:literal]) => {
        if $self.on_continue.is_some() { &[$execute, $resume] } else { &[$execute] }
    };
    (@handler $self:ident $index:ident []) => { (if $index == 0 { Some($self.on_execute) } else { None }) };
    (@handler $self:ident $index:ident [$resume:literal]) => {
        (match $index {
            0 => Some($self.on_execute),
            1 => $self.on_continue,
            _ => None,
        })
    };
}

registration!(PostLogin, Trigger::PostLogin, post_login, ["onExecutePostLogin", "onContinuePostLogin"]);
registration!(CredentialsExchange, Trigger::CredentialsExchange, credentials_exchange, ["onExecuteCredentialsExchange"]);
registration!(PreUserRegistration, Trigger::PreUserRegistration, pre_user_registration, ["onExecutePreUserRegistration"]);

/// One Action of a crate, as the registration macro ([`crate::actions!`]) lists it.
#[derive(Clone, Copy)]
pub struct Registered {
    /// Its name on the tenant.
    pub name: &'static str,
    pub action: &'static dyn Registration,
}

impl std::fmt::Debug for Registered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registered").field("name", &self.name).field("declaration", &self.action.declaration()).finish()
    }
}

/// The version of the ABI ([`crate::abi`]) and of the answer's shape.
pub const ABI_VERSION: u32 = 2;

/// The module's whole contract for one call of `action`: handler `handler` (0 describes the
/// Action, 1 is its first handler, ...), the event's JSON, the answers so far as JSON (empty
/// when none), and `Date.now()`. Never fails: every input gives an answer (see the module
/// doc). Kept here, not in the ABI, so that it is unit-tested natively and runs the native
/// loop.
pub fn run(action: &Registered, handler: u32, input: &[u8], answers: &[u8], now_ms: f64) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    run_into(&mut out, action, handler, input, answers, now_ms, Heap::Owned);
    out
}

/// How a call's memory is given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Heap {
    /// Value by value, as Rust drops them.
    Owned,
    /// All at once by the caller when the answer is written (the module's entry, an arena):
    /// the parsed input is not dropped piece by piece.
    Arena,
}

/// As [`run`], appending the answer to `out` (the module writes it behind its length).
pub(crate) fn run_into(out: &mut Vec<u8>, action: &Registered, handler: u32, input: &[u8], answers: &[u8], now_ms: f64, heap: Heap) {
    if handler == 0 {
        return describe(action, out);
    }
    match decide(action, handler, input, answers, now_ms, heap) {
        Ok((effects, pending)) => write_effects(out, &effects, pending),
        Err(error) => write_error(out, error.code(), &error.to_string()),
    }
}

/// The answer for input regions that lie outside memory.
pub(crate) fn write_bad_region(out: &mut Vec<u8>) {
    write_error(out, "bad_region", "expected the input regions inside memory, found one past its end");
}

/// Why a call gave no effects. Each message says what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallError {
    NotJson(ParseError),
    NotAnObject(Kind),
    BadNow(&'static str),
    BadAnswers(ParseError),
    NoHandler { action: &'static str, handler: u32 },
    Undeclared { action: &'static str, paths: Vec<String> },
    UndeclaredManagementApi { action: &'static str, request: String },
    BadAnswer { call: &'static str, problem: String },
    Threw { call: &'static str, message: String },
}

impl CallError {
    fn code(&self) -> &'static str {
        match self {
            CallError::NotJson(_) => "not_json",
            CallError::NotAnObject(_) => "not_an_object",
            CallError::BadNow(_) => "bad_now",
            CallError::BadAnswers(_) => "bad_answers",
            CallError::NoHandler { .. } => "no_handler",
            CallError::Undeclared { .. } => "undeclared_read",
            CallError::UndeclaredManagementApi { .. } => "undeclared_management_api",
            CallError::BadAnswer { .. } => "bad_answer",
            CallError::Threw { .. } => "threw",
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::NotJson(error) => write!(f, "expected the event as UTF-8 JSON, found invalid JSON ({error})"),
            CallError::NotAnObject(found) => write!(f, "expected the event to be a JSON object, found {found}"),
            CallError::BadNow(found) => {
                write!(f, "expected now as milliseconds since 1970 within JavaScript's Date range, found {found}")
            }
            CallError::BadAnswers(error) => write!(f, "expected the answers as a JSON array, found invalid JSON ({error})"),
            CallError::NoHandler { action, handler } => write!(f, "expected a handler of {action}, found handler number {handler}"),
            CallError::Undeclared { action, paths } => {
                write!(f, "{action} read ")?;
                for (index, path) in paths.iter().enumerate() {
                    write!(f, "{}event.{path}", if index > 0 { ", " } else { "" })?;
                }
                f.write_str(", which it does not declare: add ")?;
                for (index, path) in paths.iter().enumerate() {
                    write!(f, "{}\"{path}\"", if index > 0 { ", " } else { "" })?;
                }
                f.write_str(" to its event paths (a secrets.NAME as a Secret)")
            }
            CallError::UndeclaredManagementApi { action, request } => write!(
                f,
                "{action} asked for a Management API request ({request}), which it does not declare: add \
                 `management_api: Some(ManagementApi {{ scopes: &[...] }})` to it, with the scopes its requests need"
            ),
            CallError::BadAnswer { call, problem } => write!(f, "the answer of api.{call}: {problem}"),
            CallError::Threw { call, message } => write!(f, "api.{call} threw: {message}"),
        }
    }
}

/// The effects (their JSON, separated by commas) and the one whose answer is awaited.
fn decide(action: &Registered, handler: u32, input: &[u8], answers: &[u8], now_ms: f64, heap: Heap) -> Result<(Vec<u8>, Option<usize>), CallError> {
    let now = Timestamp::from_js_number(now_ms).ok_or(CallError::BadNow(describe_bad_now(now_ms)))?;
    let event = Tree::parse(input).map_err(CallError::NotJson)?;
    if event.kind() != Kind::Object {
        return Err(CallError::NotAnObject(event.kind()));
    }
    let answers = if answers.is_empty() { None } else { Some(Tree::parse(answers).map_err(CallError::BadAnswers)?) };
    let declaration = action.action.declaration();
    let root = Root::new(declaration, &event);
    let mut recorder = Recorder::new(action.name, answers.as_ref(), declaration.management_api.is_some());
    let index = usize::try_from(handler).unwrap_or(usize::MAX).saturating_sub(1);
    let decision = action
        .action
        .handle(index, Node::root(&root), &mut recorder, now)
        .ok_or(CallError::NoHandler { action: action.name, handler })?;
    let undeclared = root.take_undeclared();
    let result = match decision {
        _ if !undeclared.is_empty() => Err(CallError::Undeclared { action: action.name, paths: undeclared }),
        _ if recorder.undeclared_request.is_some() => Err(CallError::UndeclaredManagementApi {
            action: action.name,
            request: recorder.undeclared_request.unwrap_or_default(),
        }),
        Ok(()) => Ok((recorder.effects, None)),
        Err(Pending(Stop::Awaiting(index))) => Ok((recorder.effects, Some(index))),
        Err(Pending(Stop::BadAnswer { call, problem })) => Err(CallError::BadAnswer { call, problem }),
        Err(Pending(Stop::Threw { call, message })) => Err(CallError::Threw { call, message }),
    };
    drop(root);
    if heap == Heap::Arena {
        // The caller gives the call's memory back at once: walking the trees to free them
        // piece by piece would be work for nothing.
        std::mem::forget(event);
        std::mem::forget(answers);
    }
    result
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

fn write_effects(out: &mut Vec<u8>, effects: &[u8], pending: Option<usize>) {
    out.extend_from_slice(b"{\"effects\":[");
    out.extend_from_slice(effects);
    out.push(b']');
    if let Some(pending) = pending {
        out.extend_from_slice(b",\"pending\":");
        write_int(out, i64::try_from(pending).unwrap_or(i64::MAX));
    }
    out.push(b'}');
}

fn write_error(out: &mut Vec<u8>, code: &str, message: &str) {
    out.extend_from_slice(b"{\"error\":{\"code\":");
    write_str(out, code);
    out.extend_from_slice(b",\"message\":");
    write_str(out, message);
    out.extend_from_slice(b"}}");
}

/// The Action's description, as [`crate::describe::ActionInfo`] reads it.
fn describe(action: &Registered, out: &mut Vec<u8>) {
    let declaration = action.action.declaration();
    let list = |out: &mut Vec<u8>, items: &[&str]| {
        out.push(b'[');
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            write_str(out, item);
        }
        out.push(b']');
    };
    out.extend_from_slice(b"{\"abi\":");
    write_int(out, i64::from(ABI_VERSION));
    out.extend_from_slice(b",\"name\":");
    write_str(out, action.name);
    out.extend_from_slice(b",\"trigger\":{\"id\":");
    write_str(out, declaration.trigger.id());
    out.extend_from_slice(b",\"version\":");
    write_str(out, declaration.trigger.version());
    out.extend_from_slice(b"},\"handlers\":");
    list(out, action.action.handlers());
    out.extend_from_slice(b",\"event_paths\":");
    list(out, declaration.event_paths);
    out.extend_from_slice(b",\"secrets\":[");
    for (index, secret) in declaration.secrets.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"name\":");
        write_str(out, secret.name);
        out.extend_from_slice(if secret.required { b",\"required\":true,\"note\":" } else { b",\"required\":false,\"note\":" });
        write_str(out, secret.note);
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"management_api\":");
    match declaration.management_api {
        Some(management) => {
            out.extend_from_slice(b"{\"scopes\":");
            list(out, management.scopes);
            out.push(b'}');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::post_login::Api;
    use crate::event::post_login::Event;
    use crate::value::Value;

    fn answer(action: &'static PostLogin, input: &str, answers: &str) -> serde_json::Value {
        let registered = Registered { name: "Test_Action", action };
        serde_json::from_slice(&run(&registered, 1, input.as_bytes(), answers.as_bytes(), 1.7e12)).unwrap_or_default()
    }

    const UNDECLARED_REQUEST: PostLogin = PostLogin {
        event_paths: &["user.user_id"],
        secrets: &[],
        management_api: None,
        on_execute: |_event: &Event<'_>, api: &mut Api<'_>, _now| {
            api.management_api().post("/api/v2/users/u1/roles", Value::Null);
            Ok(())
        },
        on_continue: None,
    };

    #[test]
    fn a_management_api_request_without_the_declaration_is_an_error_naming_it() {
        let answer = answer(&UNDECLARED_REQUEST, "{}", "");
        assert_eq!(answer["error"]["code"], "undeclared_management_api", "{answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("Test_Action asked for a Management API request (POST /api/v2/users/u1/roles), which it does not declare"), "{message}");
    }

    const ASKS_THE_CACHE: PostLogin = PostLogin {
        event_paths: &[],
        secrets: &[],
        management_api: None,
        on_execute: |_event: &Event<'_>, api: &mut Api<'_>, _now| {
            let cached = api.cache().get("plan")?;
            api.id_token().set_custom_claim("plan", cached.map_or_else(|| "none".to_owned(), |record| record.value));
            Ok(())
        },
        on_continue: None,
    };

    #[test]
    fn a_call_that_answers_is_pending_until_the_host_answers_it() {
        let asked = answer(&ASKS_THE_CACHE, "{}", "");
        assert_eq!(asked, serde_json::json!({"effects": [{"api": "cache.get", "args": ["plan"]}], "pending": 0}));
        let answered = answer(&ASKS_THE_CACHE, "{}", r#"[{"effect": 0, "returns": {"value": "team"}}]"#);
        assert_eq!(answered["effects"][1], serde_json::json!({"api": "idToken.setCustomClaim", "args": ["plan", "team"]}));
        assert_eq!(answered.get("pending"), None);
    }
}
