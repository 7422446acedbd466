//! The tests a crate of Actions starts with, as `cargo test` runs them: every fixture of
//! `test-events/` through the modules `runner build` wrote to `dist/` (the very bytes that
//! are deployed), one Action on one event, and the same Actions natively (no wasm build).

use std::path::Path;

use harness::{CallOutcome, Case, Effect, Limits, ModuleRunner, ReplayOptions, Status, Timestamp, discover, replay_one};
use serde_json::json;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// This crate's folder: its `dist/` and `test-events/`.
const CRATE: &str = env!("CARGO_MANIFEST_DIR");

/// Every module of the build, as it is deployed (`dist/<Name>/module.wasm`).
fn deployed() -> Result<ModuleRunner> {
    let dist = Path::new(CRATE).join("dist");
    let folders = std::fs::read_dir(&dist).map_err(|error| format!("cannot read {}: run `runner build` first ({error})", dist.display()))?;
    let mut runner = ModuleRunner::empty(Limits::default());
    for folder in folders {
        let module = folder?.path().join("module.wasm");
        if module.is_file() {
            runner.add_module(&std::fs::read(&module)?)?;
        }
    }
    Ok(runner)
}

fn now() -> Result<Timestamp> {
    Ok(Timestamp::parse_js("2024-09-16T23:58:28.392Z")?)
}

#[test]
fn every_fixture_passes_in_the_modules_that_are_deployed() -> Result {
    let (runner, options) = (deployed()?, ReplayOptions { now: now()? });
    let paths = discover(&[Path::new(CRATE).join("test-events")])?;
    assert!(!paths.is_empty(), "expected fixtures under test-events/");
    let failures: Vec<String> = paths
        .into_iter()
        .map(|path| replay_one(&runner, Case::load(&path), path, options))
        .filter(|result| result.status != Status::Pass)
        // As `runner replay` prints it: the verdict, the sentence and the diff.
        .map(|result| result.to_string())
        .collect();
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
    Ok(())
}

#[test]
fn a_verified_user_gets_the_roles_claim_in_both_tokens() -> Result {
    let event = json!({
        "user": {"user_id": "auth0|amelie", "email_verified": true},
        "connection": {"strategy": "auth0"},
        "authorization": {"roles": ["admin", "billing"]}
    });
    let CallOutcome::Effects(effects) = deployed()?.call("Add_Roles_Claim", &event, now()?).outcome else {
        return Err("the module gave no effects".into());
    };
    let claim = [json!("https://example.com/roles"), json!(["admin", "billing"])];
    assert_eq!(effects, [Effect::api("idToken.setCustomClaim", claim.clone()), Effect::api("accessToken.setCustomClaim", claim)]);
    Ok(())
}

#[test]
fn natively_an_unverified_database_user_is_refused() -> Result {
    // The same Action compiled into this test: the fast loop while you edit, with the
    // modules as the final word.
    let runner = ModuleRunner::native(&[my_actions::ACTIONS], Limits::default())?;
    let event = json!({"user": {"email_verified": false}, "connection": {"strategy": "auth0"}});
    let outcome = runner.call("Add_Roles_Claim", &event, now()?).outcome;
    assert_eq!(outcome, CallOutcome::Effects(vec![Effect::api("access.deny", [json!("Please verify your email before logging in.")])]));
    Ok(())
}
