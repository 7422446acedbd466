//! The modules themselves, without the binary in between: every fixture through the build's
//! modules in wasmtime, each Action's bundle and fixtures, the projection both hosts send,
//! events generated from each Action's declaration (the declaration is complete, the native
//! loop answers as the modules do, no input traps), and the answer protocol.
//!
//! One test binary with a module per concern: every test binary links wasmtime, so one link
//! instead of five, and the suites share the two cores instead of running one after another.
//! No test here names an Action: each reads them from the build.

mod answers;
mod declared;
mod fixtures;
mod fuzz;
mod native;
mod projection;
