//! The `runner` binary end to end: the binary Cargo builds for this package's tests
//! (`CARGO_BIN_EXE_runner`), run as a user or a pipeline runs it, against fixtures, JSON Lines
//! streams and the local Management API of `mock-auth0` on 127.0.0.1. No test here builds
//! anything, reaches the internet or depends on timing.
//!
//! One test binary with a module per command family: every test binary links wasmtime, so
//! one link instead of five, and the suites share the two cores instead of running one
//! after another.

#![allow(clippy::expect_used)]

mod ci_examples;
mod deploy;
mod qa;
mod replay;
mod shard;
mod sso_saml;
mod verify_remove;

use std::path::PathBuf;
use std::process::Command;

use tests::root;

/// The `runner` Cargo built for these tests.
pub fn runner_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_runner"))
}

/// The `runner` with a clean environment pointed at a tenant (the mock's domain, base URL and
/// credentials): what every end-to-end test of a tenant command starts from.
pub fn runner_for_tenant(domain: &str, base_url: &str, client_id: &str, client_secret: &str) -> Command {
    let mut command = Command::new(runner_bin());
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
