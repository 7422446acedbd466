//! The runner: replays login events against the Actions' WebAssembly module in wasmtime,
//! offline, and says exactly which effects (`api` calls, Management API requests, log lines)
//! each event produced. It loads the very bytes the deployable Action embeds.
//!
//! The binary (`main.rs`) parses flags and prints. The harness itself (the engine, fixtures,
//! flows, replay, redaction) is the `harness` crate, used through its public API only; bundles
//! are `deploy::bundle`'s. This crate adds streaming over threads and worker processes,
//! reports, JUnit, generated events and the tenant commands.

pub mod generate;
pub mod junit;
pub mod report;
pub mod stream;
pub mod verify;

use std::path::Path;

use anyhow::Context;

/// Where the build puts the module (`cargo xtask build`).
pub const DEFAULT_MODULE: &str = "dist/actions.wasm";

/// Reads a module file, saying how to build it when it is the default one and absent.
pub fn read_module(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| {
        if path == Path::new(DEFAULT_MODULE) {
            format!("cannot read the module {}: build it first with `cargo xtask build`", path.display())
        } else {
            format!("cannot read the module {}", path.display())
        }
    })
}
