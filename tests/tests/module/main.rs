//! The module itself, without the binary in between: every fixture through
//! `dist/actions.wasm` in wasmtime, the projection both hosts send, property tests of the
//! ABI, and the differential check of the native loop against the module.
//!
//! One test binary with a module per concern: every test binary links wasmtime, so one link
//! instead of four, and the suites share the two cores instead of running one after another.

mod fixtures;
mod fuzz;
mod native;
mod projection;
