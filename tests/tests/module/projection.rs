//! Only the paths a decision reads cross into a module, and both hosts agree on the bytes:
//! every fixture projected by the runner (`auth0_actions::projection`) and by the shim inside
//! each bundle's `code.js` (run by every Node that the tests run on) is the same text, for
//! every Action of the build.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use auth0_actions::projection::project;
use harness::{Case, discover};
use serde_json::Value;
use tests::{deployed, root};

/// The Node binaries `cargo xtask` installs (Auth0's two runtimes) and the machine's own.
fn nodes() -> Vec<PathBuf> {
    let tools = root().join("actions-shim/tools/node_modules");
    let mut found: Vec<PathBuf> = ["node18", "node22"].iter().map(|name| tools.join(name).join("bin/node")).filter(|path| path.exists()).collect();
    found.push(PathBuf::from("node"));
    found
}

/// What the shim of each bundle passes into its module, by (fixture file, Action name).
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
fn the_shim_and_the_runner_give_each_module_the_same_bytes_for_every_fixture() {
    let paths = discover(&[root().join("test-events")]).unwrap();
    let cases: Vec<Case> = paths.iter().map(|path| Case::load(path).unwrap()).collect();
    let actions: Vec<_> = deployed().actions().collect();
    for node in nodes() {
        let shim = shim_inputs(&node);
        assert_eq!(shim.len(), cases.len() * actions.len(), "{}: one input per fixture and Action", node.display());
        for case in &cases {
            let file = case.path.strip_prefix(root()).unwrap().to_string_lossy().into_owned();
            for action in &actions {
                let ours = String::from_utf8(project(action, &case.event)).unwrap();
                let theirs = &shim[&(file.clone(), action.name.clone())];
                assert_eq!(&ours, theirs, "{file}, {}, on {}", action.name, node.display());
            }
        }
    }
}
