//! Support shared by the end-to-end tests in `tests/`: where the workspace, the module and
//! the `runner` binary are, and temporary folders that clean up after themselves.
//!
//! It fails the way a test fails, by panicking with a message that says what to do.

#![allow(clippy::panic, clippy::expect_used)]

use std::path::{Path, PathBuf};

use runner::engine::{Limits, ModuleRunner};

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

/// The debug `runner` that `cargo xtask build` leaves beside the test binaries (wherever
/// `CARGO_TARGET_DIR` puts them).
pub fn runner_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("tests run from target/<profile>/deps");
    let bin = profile_dir.join("runner");
    assert!(bin.exists(), "expected the runner at {}: build it first with `cargo xtask build`", bin.display());
    bin
}

/// The `runner` with a clean environment pointed at a tenant (the mock's domain, base URL and
/// credentials): what every end-to-end test of a tenant command starts from.
pub fn runner_for_tenant(domain: &str, base_url: &str, client_id: &str, client_secret: &str) -> std::process::Command {
    let mut command = std::process::Command::new(runner_bin());
    command
        .current_dir(root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("AUTH0_DOMAIN", domain)
        .env("AUTH0_CLIENT_ID", client_id)
        .env("AUTH0_CLIENT_SECRET", client_secret)
        .env("AUTH0_MANAGEMENT_URL", base_url);
    command
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
