//! Every fixture under `test-events/` through the build's modules in wasmtime, exactly as
//! `runner replay` runs them, without the binary in between; and every Action of the build
//! with its bundle and its fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use auth0_actions::Timestamp;
use harness::{Case, FixtureResult, ModuleRunner, ReplayOptions, Status, diff, discover, replay_one};
use tests::{NOW, TempDir, deployed, dist, fixtures_folder, native, root};

fn options() -> ReplayOptions {
    ReplayOptions { now: Timestamp::parse_js(NOW).unwrap() }
}

fn run(runner: &ModuleRunner, path: &Path) -> FixtureResult {
    replay_one(runner, Case::load(path), path.to_owned(), options())
}

#[test]
fn every_fixture_passes() {
    let runner = deployed();
    let paths = discover(&[root().join("test-events")]).expect("test-events/ can be listed");
    let failures: Vec<String> =
        paths.iter().map(|path| run(runner, path)).filter(|result| result.status != Status::Pass).map(|result| result.to_string()).collect();
    assert!(failures.is_empty(), "{} of {} fixtures failed:\n{}", failures.len(), paths.len(), failures.join("\n"));
}

/// Every Action the Actions crates register is in the build (a module of its own, exporting
/// it alone, and its bundle), and has a fixtures folder with at least ten fixtures of it.
#[test]
fn every_action_has_its_own_module_its_bundle_and_fixtures() {
    let built = deployed();
    for action in native().actions() {
        let module = built.module_of(&action.name).unwrap_or_else(|| panic!("{} is not in the build: run `cargo xtask build`", action.name));
        assert_eq!(built.actions().filter(|other| built.module_of(&other.name) == Some(module)).count(), 1, "{}'s module holds only it", action.name);
        assert_eq!(built.action(&action.name), Some(action), "{}: the module describes it as the crate does", action.name);
        let folder = fixtures_folder(action).unwrap_or_else(|| panic!("expected a folder test-events/**/{}/", action.fixtures_folder()));
        let fixtures = discover(std::slice::from_ref(&folder)).unwrap();
        assert!(fixtures.len() >= 10, "expected at least 10 fixtures in {}, found {}", folder.display(), fixtures.len());
        for path in fixtures {
            let case = Case::load(&path).unwrap();
            assert_eq!(case.action.as_deref(), Some(action.name.as_str()), "{} is in {}'s folder", path.display(), action.name);
        }
    }
}

/// What a bundle carries: its own Action's module, not its crate's others, the very bytes
/// of the `module.wasm` beside it, which its manifest names and describes as the module
/// describes itself.
#[test]
fn each_bundle_inlines_its_own_module() {
    for module in tests::module_files() {
        let folder = module.parent().unwrap();
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&module).unwrap();
        let exports = harness::batch::module_exports(&bytes).unwrap();
        let actions: Vec<&String> = exports.iter().filter(|e| e.starts_with("auth0_action:")).collect();
        assert_eq!(actions, [&format!("auth0_action:{name}")], "{}", module.display());
        let bundle = deploy::Bundle::read(&folder.join("code.js")).unwrap();
        assert_eq!(bundle.module().unwrap(), bytes, "{}: code.js inlines module.wasm", folder.display());
        assert_eq!(bundle.manifest.module_sha256, auth0_actions::sha256_hex(&bytes), "{}", folder.display());
        assert_eq!(Some(&bundle.manifest.description), deployed().action(&name), "{}: the manifest describes the module as it describes itself", folder.display());
    }
    assert!(dist().is_dir());
}

#[test]
fn a_fixture_with_a_misspelt_key_is_an_error_naming_the_file() {
    let dir = TempDir::new("misspelt");
    let path = dir.path().join("misspelt-expect.json");
    let action = &deployed().actions().next().unwrap().name;
    std::fs::write(&path, format!(r#"{{"action": "{action}", "event": {{}}, "expected": []}}"#)).unwrap();
    let result = run(deployed(), &path);
    assert_eq!(result.status, Status::Error);
    let message = result.message.unwrap_or_default();
    assert!(message.contains(&path.display().to_string()), "the message names the file: {message}");
    assert!(message.contains("unknown field `expected`"), "the message names the key: {message}");
}

#[test]
fn a_fixture_of_an_unknown_action_names_the_ones_there_are() {
    let dir = TempDir::new("unknown");
    let path = dir.path().join("unknown.json");
    std::fs::write(&path, r#"{"action": "No_Such_Action", "event": {}, "expect": []}"#).unwrap();
    let result = run(deployed(), &path);
    assert_eq!(result.status, Status::Error);
    let message = result.message.unwrap_or_default();
    assert!(message.contains("found \"No_Such_Action\""), "{message}");
    for action in deployed().actions() {
        assert!(message.contains(&action.name), "{message}");
    }
}

#[test]
fn a_fixture_that_expects_other_effects_fails_with_a_diff() {
    // The first fixture of the first Action, with one effect of its expectations removed or
    // one added: the diff shows it.
    let action = deployed().actions().next().unwrap();
    let folder = fixtures_folder(action).unwrap();
    let path = discover(&[folder]).unwrap().into_iter().next().unwrap();
    let mut fixture: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let expect = fixture["expect"].as_array_mut().unwrap();
    expect.push(serde_json::json!({"log": "an effect nobody asked for"}));
    let dir = TempDir::new("wrong");
    let wrong = dir.path().join("wrong.json");
    std::fs::write(&wrong, fixture.to_string()).unwrap();
    let result = run(deployed(), &wrong);
    assert_eq!(result.status, Status::Fail, "{result}");
    let shown = diff(result.expected.as_ref().unwrap(), result.actual.as_ref().unwrap()).join("\n");
    assert!(shown.contains(r#"- {"log":"an effect nobody asked for"}"#), "{shown}");
}
