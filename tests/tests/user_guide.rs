//! The README's "Test your login flows from `cargo test`", exactly as a user pastes it: the
//! code below the marker line is the README's block, and the last test holds the two equal.

// This workspace denies these outside tests; a user's crate does not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

// README: begin
use std::time::Duration;

use harness::{Action, ApiCall, CallOutcome, Effect, FlowAction, Limits, ModuleRunner, ReplayOptions, Status, Timestamp, run_flow};
use serde_json::json;

/// Where `cargo xtask build` put the module, and where the fixtures are.
const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn module() -> ModuleRunner {
    let bytes = std::fs::read(format!("{WORKSPACE}/dist/actions.wasm")).expect("run `cargo xtask build` first");
    ModuleRunner::new(&bytes, Limits::default()).expect("the module loads")
}

fn now() -> Timestamp {
    Timestamp::parse_js("2024-09-16T23:58:28.392Z").unwrap()
}

#[test]
fn a_new_user_gets_a_fourteen_day_trial() {
    let event = json!({
        "user": {"user_id": "auth0|new", "app_metadata": {}},
        "stats": {"logins_count": 1},
        "secrets": {"TRIAL_DAYS": "14"}
    });
    let CallOutcome::Effects(effects) = module().call(Action::ManageSubscription, &event, now()).outcome else {
        panic!("the module gave no answer")
    };
    let trial = json!("trial;2024-09-30T23:58:28.392Z;active");
    assert_eq!(
        effects,
        [
            Effect::Api(ApiCall::SetAppMetadata { key: "subscription".into(), value: trial.clone() }),
            Effect::Api(ApiCall::SetIdTokenClaim { key: "subscription".into(), value: trial }),
        ]
    );
}

#[test]
fn the_default_flow_assigns_the_role_on_a_first_login_in_an_organization() {
    let event = json!({
        "user": {"user_id": "auth0|amelie", "app_metadata": {"subscription": "team;2025-01-01T00:00:00.000Z;active"}},
        "organization": {"id": "org_acme", "metadata": {}},
        "stats": {"logins_count": 1},
        "secrets": {"ROLE_ID": "rol_member"}
    });
    let flow = [FlowAction::Module(Action::ManageSubscription), FlowAction::Module(Action::SetDefaultMemberRole)];
    let run = run_flow(&module(), &flow, &event, now(), Duration::from_secs(20));
    assert_eq!(run.failure, None);
    let claims = &run.outcome.final_state.id_token_claims;
    assert_eq!(claims["subscription"], "trial;2024-09-17T23:58:28.392Z;active", "no subscription in the organization: a trial");
    let role = run.outcome.steps[1].effects.iter().find_map(|effect| match effect {
        Effect::ManagementApi(request) => Some(request.path.clone()),
        _ => None,
    });
    assert_eq!(role.as_deref(), Some("/api/v2/organizations/org_acme/members/auth0%7Camelie/roles"));
}

#[test]
fn every_fixture_in_test_events_passes() {
    let runner = module();
    let paths = harness::discover(&[format!("{WORKSPACE}/test-events").into()]).unwrap();
    let failures: Vec<String> = paths
        .into_iter()
        .map(|path| harness::replay_one(&runner, harness::Case::load(&path), path, ReplayOptions { now: now() }))
        .filter(|result| result.status != Status::Pass)
        // As `runner replay` prints it: the verdict, the sentence and the diff.
        .map(|result| result.to_string())
        .collect();
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
}
// README: end

#[test]
fn the_readme_shows_this_file() {
    let this = include_str!("user_guide.rs");
    let begin = this.find("// README: begin\n").unwrap() + "// README: begin\n".len();
    let end = this.find("// README: end").unwrap();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    assert!(readme.contains(&this[begin..end]), "README.md no longer shows tests/tests/user_guide.rs: copy it back");
}
