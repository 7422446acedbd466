//! The runner with this workspace's Actions crates compiled in, so that `replay --native`
//! runs their Rust code without a wasm build: the fast loop of `cargo xtask replay --native`.
//! It lists the workspace's Actions crates (as xtask's `ACTION_CRATES` and the `tests`
//! crate do, each for its own job); an Action added to one of them
//! needs nothing here.

use std::process::ExitCode;

fn main() -> ExitCode {
    runner::cli::main(&[seed_actions::ACTIONS, example_actions::ACTIONS])
}
