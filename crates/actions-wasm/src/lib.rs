//! The WebAssembly module: every Action of `actions-core` behind one small raw ABI, with no
//! imports, so that Node (through the shim) and wasmtime (through the runner) load the same
//! bytes and run the same code.
//!
//! All pointer code lives in [`abi`]; this file only says which export runs which Action.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod abi;
