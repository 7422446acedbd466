//! Flows: the Actions a tenant binds to post-login, run in order as Auth0 runs them.
//!
//! Auth0 semantics modelled here, on the host side (the module only ever decides one Action):
//! - `api.user.setAppMetadata(k, v)` / `setUserMetadata(k, v)` set one top-level key of the
//!   user's metadata, and later Actions see it in `event.user`; `null` deletes the key;
//! - custom claims are collected per token, a later value replacing an earlier one;
//! - `api.access.deny(reason)` ends the flow: later Actions do not run;
//! - the whole flow has one time budget (Auth0 gives it 20 s), shared by its Actions;
//! - an Action the module refuses or that breaks a limit ends the flow (Auth0 fails the login).
//!
//! The result also carries warnings for what Auth0 would silently change: a log line longer
//! than it keeps, a claim it drops, metadata larger than it stores.

use std::time::{Duration, Instant};

use actions_core::{
    Action, ApiCall, Effect, FORBIDDEN_CLAIM_DOMAINS, MAX_LOG_LINE_CHARS, Timestamp, is_restricted_claim,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::engine::{CallOutcome, Failure, ModuleRunner, Usage};

/// The flow a tenant of this project binds: every Action, in the table's order (`deploy`
/// binds them so), subscription first, then the member role.
pub const DEFAULT_FLOW: [Action; Action::ALL.len()] = Action::ALL;

/// Auth0 persists at most this many bytes of `app_metadata` (and of `user_metadata`).
pub(crate) const MAX_METADATA_BYTES: usize = 32 * 1024;

/// One Action of a flow: one of the module's, or a stub standing in for another Action the
/// tenant binds (a third-party or hand-written one), which always asks for the same effects.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowAction {
    /// One of the module's Actions.
    Module(Action),
    /// Another Action of the tenant, by the effects it asks for.
    Stub(Stub),
}

/// An Action outside the module, modelled by the effects it asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stub {
    /// Its name on the tenant, as steps report it.
    pub name: String,
    /// What it asks for, every time, in order.
    pub effects: Vec<Effect>,
}

impl FlowAction {
    /// Its name, as steps report it.
    pub fn name(&self) -> &str {
        match self {
            FlowAction::Module(action) => action.name(),
            FlowAction::Stub(stub) => &stub.name,
        }
    }

    /// As a fixture's `flow` lists it: a name, or the stub object.
    pub fn to_json(&self) -> Value {
        match self {
            FlowAction::Module(action) => Value::String(action.name().to_owned()),
            FlowAction::Stub(stub) => serde_json::to_value(stub).unwrap_or(Value::Null),
        }
    }
}

/// The effects one Action of a flow asked for, tagged with the Action's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The Action's name.
    pub action: String,
    /// What it asked for, in order.
    pub effects: Vec<Effect>,
}

/// What the login ends with once every Action has run (or the flow was denied).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalState {
    /// `event.user.app_metadata` with every change applied (what Auth0 writes back).
    pub app_metadata: Value,
    /// `event.user.user_metadata` with every change applied.
    pub user_metadata: Value,
    /// Custom claims of the ID token, by name.
    pub id_token_claims: Map<String, Value>,
    /// Custom claims of the access token, by name.
    pub access_token_claims: Map<String, Value>,
    /// The reason given to `api.access.deny`, when an Action denied the login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denied: Option<String>,
}

/// A flow's whole observable result: what each Action asked for, and the final state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowOutcome {
    /// One per Action that ran, in order.
    pub steps: Vec<Step>,
    /// The user and tokens once the flow is over.
    #[serde(rename = "final")]
    pub final_state: FinalState,
}

/// One run of a flow on one event.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRun {
    /// The steps that ran, and the state they left, even when a step failed.
    pub outcome: FlowOutcome,
    /// Why the flow gave no complete answer (a refusal or a broken limit), in one sentence.
    pub failure: Option<String>,
    /// What Auth0 would silently change, one sentence each.
    pub warnings: Vec<String>,
    /// Instructions summed over the steps, peak memory of any step, time of the whole flow.
    pub usage: Usage,
}

/// Runs `actions` in order on `event`, each of the module's in a fresh instance, within
/// `budget` in all.
pub fn run_flow(runner: &ModuleRunner, actions: &[FlowAction], event: &Value, now: Timestamp, budget: Duration) -> FlowRun {
    let started = Instant::now();
    let mut state = State::from_event(event);
    let mut steps = Vec::with_capacity(actions.len());
    let mut usage = Usage::default();
    let mut failure = None;
    let mut warnings = Vec::new();
    // The event the next Action sees; cloned only once an Action changed the user's metadata.
    let mut current: Option<Value> = None;
    for flow_action in actions {
        let name = flow_action.name();
        let effects = match flow_action {
            FlowAction::Stub(stub) => stub.effects.clone(),
            FlowAction::Module(action) => {
                let action = *action;
                let Some(left) = budget.checked_sub(started.elapsed()).filter(|left| !left.is_zero()) else {
                    failure = Some(out_of_time(name, budget));
                    break;
                };
                let call = runner.call_within(action, current.as_ref().unwrap_or(event), now, left);
                usage.instructions = usage.instructions.saturating_add(call.usage.instructions);
                usage.memory_bytes = usage.memory_bytes.max(call.usage.memory_bytes);
                match call.outcome {
                    CallOutcome::Effects(effects) => effects,
                    CallOutcome::Refused(error) => {
                        failure = Some(format!("{name}: {}", crate::engine::refusal(&error)));
                        break;
                    }
                    CallOutcome::Failed(Failure::OutOfTime { .. }) => {
                        failure = Some(out_of_time(name, budget));
                        break;
                    }
                    CallOutcome::Failed(other) => {
                        failure = Some(format!("{name}: the module {other}"));
                        break;
                    }
                }
            }
        };
        let metadata_changed = state.apply(name, &effects, &mut warnings);
        steps.push(Step { action: name.to_owned(), effects });
        if state.denied.is_some() {
            break;
        }
        if metadata_changed {
            let mut next = current.take().unwrap_or_else(|| event.clone());
            state.write_into(&mut next);
            current = Some(next);
        }
    }
    usage.micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let final_state = state.finish(&mut warnings);
    FlowRun { outcome: FlowOutcome { steps, final_state }, failure, warnings, usage }
}

fn out_of_time(action: &str, budget: Duration) -> String {
    format!(
        "{action}: ran out of time: the flow took longer than the {} ms allowed per flow (--timeout; Auth0 allows 20000)",
        budget.as_millis()
    )
}

/// The flow's state between Actions.
struct State {
    app_metadata: Value,
    user_metadata: Value,
    /// Whether `event.user` is an object that later Actions can see changes in.
    user_is_object: bool,
    /// Which metadata an Action set: Auth0 writes (and limits) only those.
    app_metadata_written: bool,
    user_metadata_written: bool,
    id_token_claims: Map<String, Value>,
    access_token_claims: Map<String, Value>,
    denied: Option<String>,
}

impl State {
    fn from_event(event: &Value) -> State {
        let user = event.get("user");
        let metadata = |key: &str| match user.and_then(|user| user.get(key)) {
            Some(value) => value.clone(),
            None => Value::Object(Map::new()),
        };
        State {
            app_metadata: metadata("app_metadata"),
            user_metadata: metadata("user_metadata"),
            user_is_object: user.is_some_and(Value::is_object),
            app_metadata_written: false,
            user_metadata_written: false,
            id_token_claims: Map::new(),
            access_token_claims: Map::new(),
            denied: None,
        }
    }

    /// Applies one Action's effects; says whether the user's metadata changed.
    fn apply(&mut self, action: &str, effects: &[Effect], warnings: &mut Vec<String>) -> bool {
        let mut changed = false;
        for effect in effects {
            match effect {
                Effect::Api(ApiCall::SetAppMetadata { key, value }) => {
                    set_key(&mut self.app_metadata, key, value);
                    self.app_metadata_written = true;
                    changed = true;
                }
                Effect::Api(ApiCall::SetUserMetadata { key, value }) => {
                    set_key(&mut self.user_metadata, key, value);
                    self.user_metadata_written = true;
                    changed = true;
                }
                Effect::Api(ApiCall::SetIdTokenClaim { key, value }) => {
                    claim_warning(action, "idToken", key, warnings);
                    self.id_token_claims.insert(key.clone(), value.clone());
                }
                Effect::Api(ApiCall::SetAccessTokenClaim { key, value }) => {
                    claim_warning(action, "accessToken", key, warnings);
                    self.access_token_claims.insert(key.clone(), value.clone());
                }
                Effect::Api(ApiCall::Deny { reason }) => {
                    // The first denial ends the login; its reason is the one the user sees.
                    if self.denied.is_none() {
                        self.denied = Some(reason.clone());
                    }
                }
                Effect::Log(line) => {
                    let chars = line.chars().count();
                    if chars > MAX_LOG_LINE_CHARS {
                        warnings.push(format!(
                            "{action}: a log line of {chars} characters would be cut to the {MAX_LOG_LINE_CHARS} Auth0 keeps"
                        ));
                    }
                }
                Effect::ManagementApi(_) => {}
            }
        }
        changed
    }

    fn write_into(&self, event: &mut Value) {
        if !self.user_is_object {
            return;
        }
        if let Some(Value::Object(user)) = event.get_mut("user") {
            user.insert("app_metadata".to_owned(), self.app_metadata.clone());
            user.insert("user_metadata".to_owned(), self.user_metadata.clone());
        }
    }

    fn finish(self, warnings: &mut Vec<String>) -> FinalState {
        let written = [
            ("app_metadata", &self.app_metadata, self.app_metadata_written),
            ("user_metadata", &self.user_metadata, self.user_metadata_written),
        ];
        // Only what the flow wrote is written back, so only that meets Auth0's limit; and a
        // large profile the flow leaves alone costs no serialization here.
        for (name, value) in written.into_iter().filter_map(|(name, value, written)| written.then_some((name, value))) {
            let bytes = serde_json::to_vec(value).map(|bytes| bytes.len()).unwrap_or(0);
            if bytes > MAX_METADATA_BYTES {
                warnings.push(format!(
                    "{name} would be {bytes} bytes, over the {MAX_METADATA_BYTES} bytes Auth0 stores"
                ));
            }
        }
        FinalState {
            app_metadata: self.app_metadata,
            user_metadata: self.user_metadata,
            id_token_claims: self.id_token_claims,
            access_token_claims: self.access_token_claims,
            denied: self.denied,
        }
    }
}

/// `metadata[key] = value`, or delete on `null`; metadata that is not an object is replaced
/// by one, as a profile write would.
fn set_key(metadata: &mut Value, key: &str, value: &Value) {
    if !metadata.is_object() {
        *metadata = Value::Object(Map::new());
    }
    if let Value::Object(map) = metadata {
        if value.is_null() {
            map.remove(key);
        } else {
            map.insert(key.to_owned(), value.clone());
        }
    }
}

fn claim_warning(action: &str, token: &str, key: &str, warnings: &mut Vec<String>) {
    if is_restricted_claim(key) {
        warnings.push(format!(
            "{action}: api.{token}.setCustomClaim({key:?}) would be dropped by Auth0: {key:?} is a restricted claim name"
        ));
    } else if let Some(domain) = FORBIDDEN_CLAIM_DOMAINS.iter().find(|domain| key.contains(*domain)) {
        warnings.push(format!(
            "{action}: api.{token}.setCustomClaim({key:?}) would be dropped by Auth0: claim namespaces must not use {domain}"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_changes_apply_and_null_deletes() {
        let mut state = State::from_event(&json!({"user": {"app_metadata": {"a": 1, "b": 2}}}));
        let mut warnings = Vec::new();
        let changed = state.apply(
            "Manage_Subscription",
            &[
                Effect::Api(ApiCall::SetAppMetadata { key: "a".into(), value: Value::Null }),
                Effect::Api(ApiCall::SetAppMetadata { key: "c".into(), value: json!(3) }),
                Effect::Api(ApiCall::SetIdTokenClaim { key: "sub".into(), value: json!("x") }),
                Effect::Log("x".repeat(300)),
            ],
            &mut warnings,
        );
        assert!(changed);
        assert_eq!(state.app_metadata, json!({"b": 2, "c": 3}));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("restricted claim"), "{warnings:?}");
        assert!(warnings[1].contains("300 characters"), "{warnings:?}");
        let mut event = json!({"user": {"user_id": "u"}});
        state.write_into(&mut event);
        assert_eq!(event["user"]["app_metadata"], json!({"b": 2, "c": 3}));
    }

    #[test]
    fn large_metadata_is_warned_about_when_the_flow_writes_it() {
        let event = json!({"user": {"app_metadata": {"big": "x".repeat(40_000)}}});
        let mut warnings = Vec::new();
        State::from_event(&event).finish(&mut warnings);
        assert!(warnings.is_empty(), "a profile the flow leaves alone is not written: {warnings:?}");
        let mut state = State::from_event(&event);
        let write = Effect::Api(ApiCall::SetAppMetadata { key: "plan".into(), value: json!("team") });
        state.apply("Stub", &[write], &mut warnings);
        state.finish(&mut warnings);
        assert!(warnings[0].starts_with("app_metadata would be 400"), "{warnings:?}");
    }
}
