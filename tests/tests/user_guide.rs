//! The README cannot drift from what the code does:
//! - its "Test your Actions from `cargo test`" is the test file every crate `runner new`
//!   makes starts with, `templates/actions-crate/tests/actions.rs`, which `cargo xtask test`
//!   compiles and runs (under the lints the README recommends): the two are held equal;
//! - its worked example shows the sha256 of each module the main command ships: each one it
//!   prints is held to the build's manifests (CI builds from a clean clone, so these are the
//!   bytes anyone rebuilding gets: `cargo xtask reproduce`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use tests::root;

#[test]
fn the_readme_shows_the_template_test_exactly() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let template = std::fs::read_to_string(root().join("templates/actions-crate/tests/actions.rs")).unwrap();
    let start = readme.find("<!-- tests/actions.rs: begin -->").expect("the README marks the block's start");
    let block = &readme[start..];
    let code_start = block.find("```rust\n").expect("a rust block after the marker") + "```rust\n".len();
    let code_end = block[code_start..].find("```").expect("the block's end") + code_start;
    assert_eq!(&block[code_start..code_end], template, "README.md's block and templates/actions-crate/tests/actions.rs differ");
}

#[test]
fn the_readme_shows_the_module_shas_the_build_ships() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("\n## A worked example").expect("the README has its worked example");
    let example = &readme[start + 1..];
    let example = &example[..example[3..].find("\n## ").map_or(example.len(), |end| end + 3)];
    let mut shown = 0;
    for line in example.lines() {
        // `dist/<Name>/code.js  N bytes of 100000 allowed; post-login v3, module M bytes, sha256 <hex>`
        let (Some(code), Some(sha)) = (line.split_whitespace().next(), line.rsplit_once(" sha256 ").map(|(_, sha)| sha.trim())) else {
            continue;
        };
        if !(code.starts_with("dist/") && code.ends_with("/code.js")) {
            continue;
        }
        let manifest = root().join(code).with_file_name("manifest.json");
        let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
        assert_eq!(manifest["module_sha256"], sha, "README.md shows another module for {code} than the build ships: rerun the example and paste its output");
        shown += 1;
    }
    let top: Vec<_> = std::fs::read_dir(tests::dist()).unwrap().flatten().filter(|entry| entry.path().join("code.js").is_file()).collect();
    assert!(shown >= top.len(), "expected the worked example to show the build line of each of the {} bundles of dist/, found {shown}", top.len());
}
