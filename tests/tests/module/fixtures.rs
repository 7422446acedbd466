//! Every fixture under `test-events/` through the real module (`dist/actions.wasm`) in
//! wasmtime, exactly as `runner replay` runs them, without the binary in between.

// Helpers outside `#[test]` functions fail a test the way a test does: by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use actions_core::Timestamp;
use harness::{Case, FixtureResult, ModuleRunner, ReplayOptions, Status, diff, discover, replay_one};
use tests::{NOW, TempDir, module_runner, root};

/// Fewer than this means fixtures went missing (a folder moved, a glob broke).
const MIN_FIXTURES: usize = 30;

fn module() -> ModuleRunner {
    module_runner()
}

/// Fixtures that pin `now` ignore this; one that does not would give the same answer on
/// every run rather than depend on the clock.
fn options() -> ReplayOptions {
    ReplayOptions {
        now: Timestamp::parse_js(NOW).unwrap(),
    }
}

fn run(runner: &ModuleRunner, path: &Path) -> FixtureResult {
    replay_one(runner, Case::load(path), path.to_owned(), options())
}

fn explain(result: &FixtureResult) -> String {
    let mut text = format!(
        "{} ({}): {}",
        result.path.display(),
        result.name,
        result.message.as_deref().unwrap_or("failed")
    );
    if let (Some(expected), Some(actual)) = (&result.expected, &result.actual) {
        text.push_str("\n    (- expected, + actual)");
        for line in diff(expected, actual) {
            text.push_str("\n    ");
            text.push_str(&line);
        }
    }
    text
}

#[test]
fn every_fixture_passes() {
    let runner = module();
    let paths = discover(&[root().join("test-events")]).expect("test-events/ can be listed");
    assert!(
        paths.len() >= MIN_FIXTURES,
        "expected at least {MIN_FIXTURES} fixtures under test-events/, found {}",
        paths.len()
    );
    let failures: Vec<String> = paths
        .iter()
        .map(|path| run(&runner, path))
        .filter(|result| result.status != Status::Pass)
        .map(|result| explain(&result))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}

/// Every Action of the table (`actions_core::for_each_action`) has its export in the module,
/// its bundle in `dist/`, and a fixtures folder.
#[test]
fn every_action_of_the_table_has_an_export_a_bundle_and_fixtures() {
    let exports = harness::batch::module_exports(&tests::module_bytes()).expect("the module's exports can be read");
    for spec in &actions_core::SPECS {
        assert!(exports.iter().any(|e| e == spec.export), "the module has no export {} for {}: {exports:?}", spec.export, spec.name);
        let bundle = root().join("dist").join(spec.name);
        for file in ["code.js", "manifest.json"] {
            assert!(bundle.join(file).is_file(), "expected the bundle file {}", bundle.join(file).display());
        }
        let folder = spec.fixtures_folder();
        let paths = discover(&[root().join("test-events").join(&folder)]).expect("the folder can be listed");
        assert!(paths.len() >= 10, "expected at least 10 fixtures in test-events/{folder}, found {}", paths.len());
    }
}

#[test]
fn a_fixture_with_a_misspelt_key_is_an_error_naming_the_file() {
    let dir = TempDir::new("misspelt");
    let path = dir.path().join("misspelt-expect.json");
    std::fs::write(
        &path,
        r#"{"action": "Manage_Subscription", "now": "2024-09-16T23:58:28.392Z",
            "event": {"user": {"user_id": "auth0|1", "app_metadata": {}}}, "expected": []}"#,
    )
    .unwrap();

    let result = run(&module(), &path);

    assert_eq!(result.status, Status::Error);
    let message = result.message.unwrap_or_default();
    assert!(
        message.contains(&path.display().to_string()),
        "the message names the file: {message}"
    );
    assert!(
        message.contains("unknown field `expected`"),
        "the message names the key: {message}"
    );
}

#[test]
fn a_fixture_that_expects_other_effects_fails_with_a_diff() {
    let dir = TempDir::new("wrong");
    let path = dir.path().join("wrong-claim.json");
    std::fs::write(
        &path,
        r#"{"action": "Manage_Subscription", "now": "2024-09-16T23:58:28.392Z",
            "event": {"user": {"user_id": "auth0|1", "app_metadata": {"subscription": "team;2025-01-31;active"}}},
            "expect": [{"api": "idToken.setCustomClaim", "args": ["subscription", "team;2025-01-31;active"]}]}"#,
    )
    .unwrap();

    let result = run(&module(), &path);

    assert_eq!(result.status, Status::Fail);
    let shown = explain(&result);
    assert!(
        shown.contains(
            r#"- {"api":"idToken.setCustomClaim","args":["subscription","team;2025-01-31;active"]}"#
        ),
        "{shown}"
    );
    assert!(shown.contains(r#"+ {"api":"idToken.setCustomClaim","args":["subscription","team;2025-01-31T00:00:00.000Z;active"]}"#), "{shown}");
}
