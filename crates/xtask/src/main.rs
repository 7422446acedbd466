//! `cargo xtask`: the build steps cargo alone cannot express, and the README's two commands.
//!
//! - `cargo xtask build`: the WebAssembly module (`dist/actions.wasm`) and the runner.
//! - `cargo xtask replay`: build, then replay every fixture in `test-events/` (the main job).
//! - `cargo xtask test`: build, then every Rust and JavaScript test (what CI runs).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => build().map(|_| ()),
        Some("replay") => replay(args.get(1..).unwrap_or_default()),
        Some("test") => test(),
        _ => {
            eprintln!("usage: cargo xtask <build | replay [RUNNER-REPLAY-FLAGS...] | test>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.current_dir(root());
    command
}

fn run(mut command: Command, what: &str) -> anyhow::Result<()> {
    let status = command.status().with_context(|| format!("cannot start {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Builds the module once and puts it where the runner, the bundler and the tests read it.
fn build() -> anyhow::Result<PathBuf> {
    let mut wasm = cargo();
    wasm.args(["build", "--package", "actions-wasm", "--target", "wasm32-unknown-unknown", "--profile", "wasm"]);
    run(wasm, "cargo build of the WebAssembly module")?;
    let built = root().join("target/wasm32-unknown-unknown/wasm/actions_wasm.wasm");
    let dist = root().join("dist");
    std::fs::create_dir_all(&dist).context("cannot create dist/")?;
    let module = dist.join("actions.wasm");
    std::fs::copy(&built, &module)
        .with_context(|| format!("cannot copy {} to {}", built.display(), module.display()))?;
    let mut runner = cargo();
    runner.args(["build", "--package", "runner"]);
    run(runner, "cargo build of the runner")?;
    Ok(module)
}

fn runner() -> Command {
    let mut command = Command::new(root().join("target/debug/runner"));
    command.current_dir(root());
    command
}

fn replay(flags: &[String]) -> anyhow::Result<()> {
    build()?;
    let mut replay = runner();
    replay.arg("replay").args(flags);
    run(replay, "runner replay")
}

fn test() -> anyhow::Result<()> {
    build()?;
    let mut tests = cargo();
    tests.args(["test", "--workspace"]);
    run(tests, "cargo test")
}
