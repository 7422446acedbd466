//! `cargo xtask`: the build steps cargo alone cannot express, and the README's two commands.
//!
//! - `cargo xtask build`: the WebAssembly module (`dist/actions.wasm`, shrunk by `wasm-opt`),
//!   the runner, and the deployable bundles (`dist/<ActionName>/code.js` and `manifest.json`).
//! - `cargo xtask replay`: build, then replay every fixture in `test-events/` (the main job);
//!   `cargo xtask replay --native` builds only the runner and replays natively (the fast loop).
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

/// Cargo's target folder: `CARGO_TARGET_DIR` when set, else `target/`.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Cargo, compiling the workspace's own crates with clippy's driver: the workspace's lints
/// (no unwrap, expect, panic or fallible indexing outside tests) are clippy's, and checking
/// them while compiling costs a few seconds, where a separate `cargo clippy` pass checked
/// every dependency again (about a minute on two cores). Dependencies are compiled by plain
/// rustc, so their artifacts are the ones plain `cargo build` makes. Warnings are errors.
fn cargo() -> anyhow::Result<Command> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command
        .current_dir(root())
        .env("RUSTC_WORKSPACE_WRAPPER", clippy_driver()?)
        // How cargo-clippy hands the driver its flags (one flag here, so no separator).
        .env("CLIPPY_ARGS", "--deny=warnings");
    Ok(command)
}

/// The toolchain's `clippy-driver` (rust-toolchain.toml lists the clippy component).
fn clippy_driver() -> anyhow::Result<PathBuf> {
    let driver = sysroot()?.join("bin").join(format!("clippy-driver{}", std::env::consts::EXE_SUFFIX));
    if !driver.is_file() {
        bail!(
            "expected clippy's driver at {}, found nothing: add clippy to this toolchain (with rustup: \
             `rustup component add clippy`)",
            driver.display()
        );
    }
    Ok(driver)
}

/// The active toolchain's sysroot (`rustc --print sysroot`).
fn sysroot() -> anyhow::Result<PathBuf> {
    let output = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned()))
        .current_dir(root())
        .args(["--print", "sysroot"])
        .output()
        .context("cannot run rustc --print sysroot")?;
    if !output.status.success() {
        bail!("rustc --print sysroot failed ({})", output.status);
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}

fn run(mut command: Command, what: &str) -> anyhow::Result<()> {
    let status = command.status().with_context(|| format!("cannot start {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Builds the module once and puts it where the runner, the bundler and the tests read it,
/// then the runner, then the bundles.
fn build() -> anyhow::Result<PathBuf> {
    let module = build_module()?;
    build_runner()?;
    bundle()?;
    Ok(module)
}

/// `target/debug/runner`.
fn build_runner() -> anyhow::Result<()> {
    let mut runner = cargo()?;
    runner.args(["build", "--package", "runner"]);
    run(runner, "cargo build of the runner")
}

/// `dist/actions.wasm`: the module, built for wasm32 and shrunk by wasm-opt.
fn build_module() -> anyhow::Result<PathBuf> {
    ensure_wasm_target()?;
    let mut wasm = cargo()?;
    wasm.args(["build", "--package", "actions-wasm", "--target", "wasm32-unknown-unknown", "--profile", "wasm"]);
    run(wasm, "cargo build of the WebAssembly module")?;
    let built = target_dir().join("wasm32-unknown-unknown/wasm/actions_wasm.wasm");
    let dist = root().join("dist");
    std::fs::create_dir_all(&dist).context("cannot create dist/")?;
    let module = dist.join("actions.wasm");
    // The module the runner replays and the bundles inline is wasm-opt's output, so both
    // carry the same bytes.
    let tools = node_tools()?;
    let mut wasm_opt = Command::new(tools.join("node_modules/.bin/wasm-opt"));
    wasm_opt.arg("-Oz").args(WASM_FEATURES).arg(&built).arg("-o").arg(&module);
    run(wasm_opt, "wasm-opt (binaryen)")?;
    Ok(module)
}

/// `dist/<Action>/code.js` and `manifest.json`, by the runner already built.
fn bundle() -> anyhow::Result<()> {
    let mut bundle = self::runner();
    bundle.arg("bundle");
    run(bundle, "runner bundle")
}

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Adds the wasm target to the active toolchain when it lacks it. rustup installs the targets
/// of `rust-toolchain.toml` only when it installs the toolchain itself, so a machine that had
/// Rust 1.95.0 already would otherwise fail with "can't find crate for `std`".
fn ensure_wasm_target() -> anyhow::Result<()> {
    let sysroot = sysroot()?;
    if sysroot.join("lib/rustlib").join(WASM_TARGET).join("lib").is_dir() {
        return Ok(());
    }
    let toolchain = sysroot.file_name().map(|name| name.to_string_lossy().into_owned());
    let mut rustup = Command::new("rustup");
    rustup.current_dir(root()).args(["target", "add", WASM_TARGET]);
    if let Some(toolchain) = &toolchain {
        rustup.args(["--toolchain", toolchain]);
    }
    eprintln!("adding the {WASM_TARGET} target to the toolchain with rustup");
    match rustup.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => bail!("rustup target add {WASM_TARGET} failed ({status})"),
        Err(_) => bail!(
            "the active Rust toolchain ({}) has no {WASM_TARGET} target and rustup is not installed: \
             install that target for this toolchain (with rustup: `rustup target add {WASM_TARGET}`)",
            sysroot.display()
        ),
    }
}

/// The WebAssembly features rustc enables by default for wasm32-unknown-unknown; Node 18
/// and 22 support all of them. wasm-opt must be told, as the module carries no feature list.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
    "--enable-reference-types",
];

/// Installs `actions-shim/tools` (wasm-opt from binaryen, Node 18 and Node 22, pinned by its
/// package-lock.json) with `npm ci`, once per change of the lock file.
fn node_tools() -> anyhow::Result<PathBuf> {
    let tools = root().join("actions-shim/tools");
    let lock = std::fs::read(tools.join("package-lock.json")).context("cannot read actions-shim/tools/package-lock.json")?;
    let stamp = tools.join("node_modules/.installed-package-lock.json");
    if std::fs::read(&stamp).ok().as_deref() != Some(&lock[..]) {
        let mut npm = Command::new("npm");
        npm.current_dir(&tools).args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
        run(npm, "npm ci in actions-shim/tools (is Node.js with npm installed?)")?;
        std::fs::write(&stamp, &lock).context("cannot write the install stamp in actions-shim/tools")?;
    }
    Ok(tools)
}

fn runner() -> Command {
    let mut command = Command::new(target_dir().join("debug/runner"));
    command.current_dir(root());
    command
}

fn replay(flags: &[String]) -> anyhow::Result<()> {
    if flags.iter().any(|flag| flag == "--native") {
        // The fast loop: the Actions compiled into the runner, so no module and no bundles.
        build_runner()?;
    } else {
        build()?;
    }
    let mut replay = runner();
    replay.arg("replay").args(flags);
    run(replay, "runner replay")
}

fn test() -> anyhow::Result<()> {
    build_module()?;
    // One cargo run builds the runner and every test binary (the CLI's tests run that same
    // runner), so the two cores share one build graph; compiling lints it too (see `cargo`).
    let mut build = cargo()?;
    build.args(["test", "--workspace", "--no-run"]);
    run(build, "cargo build of the runner and the tests")?;
    bundle()?;
    let mut tests = cargo()?;
    tests.args(["test", "--workspace"]);
    run(tests, "cargo test")?;
    node_tests()
}

/// The shim's tests (`actions-shim/test/*.test.js`, node:test) on every Node that Auth0 runs
/// (18 and 22, from actions-shim/tools) and on the machine's own `node`.
fn node_tests() -> anyhow::Result<()> {
    let tools = node_tools()?;
    let dir = root().join("actions-shim/test");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot list {}", dir.display()))?;
    files.retain(|path| path.to_string_lossy().ends_with(".test.js"));
    files.sort();
    let nodes = [
        ("Node 18", tools.join("node_modules/node18/bin/node")),
        ("Node 22", tools.join("node_modules/node22/bin/node")),
        ("the machine's node", PathBuf::from("node")),
    ];
    for (name, node) in nodes {
        eprintln!("node tests on {name}");
        let mut command = Command::new(&node);
        command.current_dir(root()).env("TZ", "UTC").arg("--test").args(&files);
        run(command, &format!("node --test on {name}"))?;
    }
    Ok(())
}
