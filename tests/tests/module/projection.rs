//! Only the paths a decision reads cross into the module, and both hosts agree on the bytes:
//! every fixture projected by the runner (`actions_core::projection`) and by the shim inside
//! each generated `code.js` (run by every Node that the tests run on) is the same text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use actions_core::{Action, projection::project};
use harness::{Case, discover};
use serde_json::Value;
use tests::root;

/// The Node binaries `cargo xtask` installs (Auth0's two runtimes) and the machine's own.
fn nodes() -> Vec<PathBuf> {
    let tools = root().join("actions-shim/tools/node_modules");
    let mut found: Vec<PathBuf> =
        ["node18", "node22"].iter().map(|name| tools.join(name).join("bin/node")).filter(|path| path.exists()).collect();
    found.push(PathBuf::from("node"));
    found
}

/// What the shim of each bundle passes into the module, by (fixture file, Action name).
fn shim_inputs(node: &PathBuf) -> BTreeMap<(String, String), String> {
    let output = Command::new(node)
        .current_dir(root())
        .arg("actions-shim/test/project.js")
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", node.display()));
    assert!(output.status.success(), "{} project.js failed: {}", node.display(), String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let row: Value = serde_json::from_str(line).unwrap();
            let key = (row["file"].as_str().unwrap().to_owned(), row["action"].as_str().unwrap().to_owned());
            (key, row["input"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn the_shim_and_the_runner_give_the_module_the_same_bytes_for_every_fixture() {
    let paths = discover(&[root().join("test-events")]).unwrap();
    let cases: Vec<Case> = paths.iter().map(|path| Case::load(path).unwrap()).collect();
    for node in nodes() {
        let shim = shim_inputs(&node);
        assert_eq!(shim.len(), cases.len() * Action::ALL.len(), "{}: one input per fixture and Action", node.display());
        for case in &cases {
            let file = case.path.strip_prefix(root()).unwrap().to_string_lossy().into_owned();
            for action in Action::ALL {
                let ours = String::from_utf8(project(action.spec(), &case.event)).unwrap();
                let theirs = &shim[&(file.clone(), action.name().to_owned())];
                assert_eq!(&ours, theirs, "{file}, {action}, on {}", node.display());
            }
        }
    }
}

/// `levels` objects nested in each other, the innermost holding one string.
fn nested(levels: usize) -> Value {
    let mut value = serde_json::json!({"theme": "dark"});
    for level in 1..levels {
        value = if level % 3 == 0 { serde_json::json!([value]) } else { serde_json::json!({ format!("level_{level}"): value }) };
    }
    value
}

/// `event` with data no decision reads added wherever an app could have stored it: a deep
/// `user_metadata`, a large list and a deep object beside `app_metadata.subscription`, many
/// keys beside the organization's metadata, and deep parts Auth0 may add at the top level.
/// Parts that are not objects are left as they are (their type is what the fixture tests).
pub fn with_unrelated_data(event: &Value) -> Value {
    let mut event = event.clone();
    let big_list: Vec<Value> = (0..2_000)
        .map(|i| serde_json::json!({"at": format!("2024-01-01T00:00:{:02}.000Z", i % 60), "event": "export", "n": i}))
        .collect();
    if let Some(object) = event.as_object_mut() {
        object.insert("unrelated_deep".into(), nested(300));
        object.insert("request".into(), serde_json::json!({"body": nested(150), "query": {"x": [1, 2, 3]}}));
    }
    if let Some(user) = event.get_mut("user").and_then(Value::as_object_mut) {
        user.insert("user_metadata".into(), nested(250));
        user.insert("identities".into(), serde_json::json!([{"provider": "samlp", "profileData": nested(140)}]));
        if let Some(app_metadata) = user.get_mut("app_metadata").and_then(Value::as_object_mut) {
            app_metadata.insert("unrelated_activity".into(), Value::Array(big_list));
            app_metadata.insert("unrelated_preferences".into(), nested(200));
        }
    }
    if let Some(metadata) = event.pointer_mut("/organization/metadata").and_then(Value::as_object_mut) {
        for i in 0..300 {
            metadata.insert(format!("unrelated_setting_{i}"), Value::String("x".repeat(200)));
        }
    }
    event
}

#[test]
fn data_no_decision_reads_changes_nothing_in_wasmtime() {
    let runner = tests::module_runner();
    let now = actions_core::Timestamp::parse_js(tests::NOW).unwrap();
    let paths = discover(&[root().join("test-events")]).unwrap();
    let mut checked = 0;
    for path in paths {
        let case = Case::load(&path).unwrap();
        if case.flow.is_some() {
            continue;
        }
        let noisy = with_unrelated_data(&case.event);
        let now = case.now.unwrap_or(now);
        let plain = runner.call(case.action, &case.event, now).outcome;
        let with_noise = runner.call(case.action, &noisy, now).outcome;
        assert_eq!(plain, with_noise, "{}", path.display());
        assert_eq!(plain, harness::CallOutcome::Effects(case.expect.clone()), "{}", path.display());
        // The projection, and so the cost, does not depend on the unrelated data at all.
        assert_eq!(project(case.action.spec(), &case.event), project(case.action.spec(), &noisy), "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 90, "expected the single-Action fixtures, found {checked}");
}
