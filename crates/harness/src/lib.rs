//! Test Auth0 Actions from your own `cargo test`: load the modules that are deployed (each
//! `dist/<Action>/module.wasm`, or the one inside a bundle), run one Action or a flow on an
//! event, and assert on the effects it asks for (`api` calls, Management API requests, log
//! lines) as data. Or run the same Actions natively ([`ModuleRunner::native`]) for a fast
//! loop; a differential test in the workspace holds the two identical.
//!
//! This is the library behind the `runner` CLI (which adds flags, printing, worker
//! processes, reports, bundling and deploy); it needs neither the network nor Node, and it
//! knows no Action: it runs what the modules describe.
//!
//! ```
//! use harness::{CallOutcome, Effect, Limits, ModuleRunner, Timestamp};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runner = ModuleRunner::native(&[seed_actions::ACTIONS], Limits::default())?;
//! let now = Timestamp::parse_js("2024-09-16T23:58:28.392Z")?;
//! let event = json!({"user": {"user_id": "auth0|1", "app_metadata": {}}, "secrets": {"TRIAL_DAYS": "14"}});
//! let CallOutcome::Effects(effects) = runner.call("Manage_Subscription", &event, now).outcome else {
//!     return Err("the Action gave no effects".into());
//! };
//! let trial = json!("trial;2024-09-30T23:58:28.392Z;active");
//! assert_eq!(
//!     effects,
//!     [
//!         Effect::api("user.setAppMetadata", [json!("subscription"), trial.clone()]),
//!         Effect::api("idToken.setCustomClaim", [json!("subscription"), trial]),
//!     ]
//! );
//! # Ok(())
//! # }
//! ```
//!
//! [`ModuleRunner::new`] takes a module's bytes instead, and runs them in wasmtime with
//! fuel, a memory cap and a deadline per call; [`replay_one`] runs a fixture file and
//! compares its effects with the fixture's expectations. A [`FixtureResult`] prints as the
//! CLI prints it (`Display`, diffs included) and serializes as `runner replay --json` writes
//! it.

#![forbid(unsafe_code)]
#![deny(missing_docs, unreachable_pub)]

// The modules are private: what is public is exactly what the root re-exports below, and
// what [`batch`] re-exports for tools that replay streams of events.
mod engine;
mod fixture;
mod flow;
mod json;
mod redact;
mod replay;

pub use auth0_actions::{ActionInfo, Answer, ApiCall, Effect, ErrorData, Registered, Timestamp, Trigger};
pub use engine::{
    Answered, Answers, Call, CallOutcome, CallResult, Failure, Limits, LoadError, ModuleInfo, ModuleRunner, NoAnswers, Usage,
};
pub use fixture::{Case, Continuation, FixtureAnswer, FixtureError, FlowCase, Resume, discover};
pub use flow::{FinalState, FlowAction, FlowOutcome, FlowRequest, FlowRun, ListAnswers, Resumption, Step, Stub, run_flow};
pub use replay::{FixtureResult, ReplayOptions, Status, Summary, diff, replay_one};

/// The parts a tool needs to replay streams of events the way `runner replay` does (one job
/// per fixture or recorded event, run on any thread or in a worker process, results redacted
/// and named alike). A test needs none of it: [`replay_one`] and [`run_flow`] are built on it.
pub mod batch {
    pub use crate::engine::{MAX_ANSWERS, effect_call, module_exports, refusal};
    pub use crate::fixture::{Fixture, case_name, files_under, merge_secrets};
    pub use crate::json::{JsonError, MAX_DEPTH, THREAD_STACK_BYTES, from_slice as read_json};
    pub use crate::redact::{MIN_SCRUBBED_CHARS, REDACTED, Redactor};
    pub use crate::replay::{Expectation, Job, JobResult, RunSettings, place, run_job};
}
