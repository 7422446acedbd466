//! The runner: replays Actions' events against their WebAssembly modules in wasmtime,
//! offline, and says exactly which effects (`api` calls, Management API requests, log lines)
//! each event produced. It loads the very bytes each deployable Action embeds, and knows no
//! Action: it runs what the modules describe.
//!
//! [`cli`] parses flags and prints. The harness itself (the engine, fixtures, flows, replay,
//! redaction) is the `harness` crate, used through its public API only; bundles are
//! `deploy::bundle`'s. This crate adds the build of a crate of Actions, streaming over
//! threads and worker processes, reports, JUnit, generated events and the tenant commands.

pub mod build;
pub mod cli;
pub mod generate;
pub mod junit;
pub mod report;
pub mod stream;
pub mod verify;

