//! Support shared by the end-to-end tests (`tests/tests/` and the runner's `tests/cli/`):
//! where the workspace and the module are, and temporary folders that clean up after
//! themselves. It depends on the harness only, so that the runner's tests can use it too.
//!
//! It fails the way a test fails, by panicking with a message that says what to do.

#![allow(clippy::panic, clippy::expect_used)]

use std::path::{Path, PathBuf};

use harness::{Limits, ModuleRunner};

/// The instant most fixtures pin, for the ones that do not.
pub const NOW: &str = "2024-09-16T23:58:28.392Z";

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `dist/actions.wasm`, which `cargo xtask build` writes before the tests run.
pub fn module_path() -> PathBuf {
    root().join("dist/actions.wasm")
}

pub fn module_bytes() -> Vec<u8> {
    let path = module_path();
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!("cannot read the module {} ({error}): build it first with `cargo xtask build`", path.display())
    })
}

/// The module, compiled once per call of this function, with the default limits.
pub fn module_runner() -> ModuleRunner {
    ModuleRunner::new(&module_bytes(), Limits::default())
        .unwrap_or_else(|error| panic!("cannot load {}: {error}", module_path().display()))
}

/// A folder under the system's temporary directory, removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        let path = std::env::temp_dir().join(format!("actions-tests-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", path.display()));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
