//! `cargo xtask`: the build steps cargo alone cannot express, and the README's two commands.
//!
//! - `cargo xtask build`: the runner, then `runner build` of each crate of Actions of this
//!   workspace ([`ACTION_CRATES`]): one WebAssembly module per Action, shrunk by `wasm-opt`,
//!   bundled as `<dist>/<Name>/code.js` beside `manifest.json` and `module.wasm`.
//! - `cargo xtask replay`: build, then replay every fixture in `test-events/` (the main job);
//!   `cargo xtask replay --native` builds only the native runner and replays natively.
//! - `cargo xtask test`: build, then every Rust and JavaScript test (what CI runs).
//! - `cargo xtask reproduce`: build the modules again from scratch in a clean target folder
//!   and require the same bytes as `dist/` (CI runs it after the tests).
//!
//! The modules are built by plain cargo (no wrapper, no extra flags but the per-Action cfg
//! `runner build` documents), so a plain `cargo build` of an Actions crate gives the same
//! bytes and finds the build fresh. The host crates (the runner, the libraries, the tests)
//! are compiled with clippy's driver as the workspace wrapper, which lints them while
//! compiling; clippy never compiles a module.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

/// The crates of Actions of this workspace, and where each one's bundles go. Adding an
/// Action to one of them changes nothing here; a new crate is a line.
const ACTION_CRATES: [(&str, &str); 3] = [
    ("crates/seed-actions", "dist"),
    ("crates/example-actions", "dist/examples"),
    ("templates/actions-crate", "templates/actions-crate/dist"),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => build(),
        Some("replay") => replay(args.get(1..).unwrap_or_default()),
        Some("test") => test(),
        Some("reproduce") => reproduce(),
        _ => {
            eprintln!("usage: cargo xtask <build | replay [RUNNER-REPLAY-FLAGS...] | test | reproduce>");
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

fn plain_cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.current_dir(root());
    command
}

/// Cargo for the host crates, compiling the workspace's own with clippy's driver: the
/// workspace's lints (no unwrap, expect, panic or fallible indexing outside tests) are
/// clippy's, and checking them while compiling costs a few seconds, where a separate
/// `cargo clippy` pass checks every dependency again (about a minute on two cores).
/// Dependencies are compiled by plain rustc. Warnings are errors. Never used for a module:
/// the driver changes code generation, and a module's bytes must not depend on the linter.
fn linting_cargo() -> anyhow::Result<Command> {
    let mut command = plain_cargo();
    command
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

/// The runner, then every crate of Actions built and bundled.
fn build() -> anyhow::Result<()> {
    build_host(&["build", "--package", "runner"], "cargo build of the runner")?;
    build_modules()
}

fn build_host(args: &[&str], what: &str) -> anyhow::Result<()> {
    let mut cargo = linting_cargo()?;
    cargo.args(args);
    run(cargo, what)
}

/// `runner build` of each crate of [`ACTION_CRATES`], with wasm-opt.
fn build_modules() -> anyhow::Result<()> {
    build_modules_in(&root(), None)
}

/// `runner build` of each crate of [`ACTION_CRATES`] of the checkout at `checkout`, with
/// wasm-opt, in `target` when given (for `reproduce`).
fn build_modules_in(checkout: &Path, target: Option<&Path>) -> anyhow::Result<()> {
    let tools = node_tools()?;
    // Relative in this checkout, as the output shows it; a copy has no tools of its own.
    let wasm_opt = match target {
        None => PathBuf::from("actions-shim/tools/node_modules/.bin/wasm-opt"),
        Some(_) => tools.join("node_modules/.bin/wasm-opt"),
    };
    for (krate, dist) in ACTION_CRATES {
        // Paths relative to the checkout (the runner runs there), as the output shows them.
        let mut build = runner();
        build.current_dir(checkout).arg("build").arg("--manifest-path").arg(Path::new(krate).join("Cargo.toml"));
        build.arg("--wasm-opt").arg(&wasm_opt).arg("--dist").arg(dist);
        if let Some(target) = target {
            build.arg("--target-dir").arg(target);
        }
        run(build, &format!("runner build of {krate}"))?;
    }
    Ok(())
}

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
    let mut replay = if flags.iter().any(|flag| flag == "--native") {
        // The fast loop: the Actions compiled into the native runner, so no module and no
        // bundles (their fixtures need no build either).
        build_host(&["build", "--package", "native-runner"], "cargo build of the native runner")?;
        let mut native = Command::new(target_dir().join("debug/native-runner"));
        native.current_dir(root());
        native
    } else {
        build()?;
        runner()
    };
    replay.arg("replay").args(flags);
    run(replay, "runner replay")
}

fn test() -> anyhow::Result<()> {
    // One cargo run builds the runner and every test binary (the CLI's tests run that same
    // runner), so the two cores share one build graph; compiling lints it too.
    build_host(&["test", "--workspace", "--no-run"], "cargo build of the runner and the tests")?;
    // The code compiled only into modules (the exports, the allocator) is linted too, as a
    // check of its own: the modules themselves are never compiled by clippy.
    let framework = Path::new("crates/auth0-actions");
    for krate in std::iter::once(framework).chain(ACTION_CRATES.iter().map(|(krate, _)| Path::new(*krate))) {
        let mut lint = plain_cargo();
        lint.args(["clippy", "--quiet", "--target", "wasm32-unknown-unknown", "--lib", "--manifest-path"]);
        lint.arg(krate.join("Cargo.toml")).args(["--", "--deny=warnings"]);
        run(lint, &format!("cargo clippy of {} for wasm32", krate.display()))?;
    }
    build_modules()?;
    let mut tests = linting_cargo()?;
    tests.args(["test", "--workspace"]);
    run(tests, "cargo test")?;
    node_tests()
}

/// The modules built again from scratch, from a copy of the checkout at another path with a
/// clean target folder, compared byte for byte with `dist/` (and their manifests): a build
/// that depends on where or how it ran fails, and so does a module that holds a path of this
/// machine (a crate's source path, which would differ on another).
fn reproduce() -> anyhow::Result<()> {
    let scratch = std::env::temp_dir().join(format!("auth0-actions-reproduce-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let copy = scratch.join("checkout");
    copy_checkout(&copy)?;
    let target = scratch.join("target");
    build_modules_in(&copy, Some(&target))?;
    let machine_paths = [root().canonicalize()?.display().to_string(), "registry/src/".to_owned(), copy.display().to_string()];
    let mut compared = 0;
    for (_, dist_dir) in ACTION_CRATES {
        let ours = root().join(dist_dir);
        for entry in std::fs::read_dir(&ours).with_context(|| format!("cannot list {}", ours.display()))? {
            let module = entry?.path().join("module.wasm");
            if !module.is_file() {
                continue;
            }
            let name = module.parent().and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let again = copy.join(dist_dir).join(&name).join("module.wasm");
            let (a, b) = (std::fs::read(&module)?, std::fs::read(&again).with_context(|| format!("the clean build made no {}", again.display()))?);
            if a != b {
                bail!(
                    "{}: expected the clean build's module to be the same bytes, found {} bytes against {} (the build depends on where or how it ran)",
                    module.display(),
                    b.len(),
                    a.len()
                );
            }
            if let Some(path) = machine_paths.iter().find(|path| a.windows(path.len()).any(|window| window == path.as_bytes())) {
                bail!("{}: expected no path of this machine in the module, found {path:?} (a build elsewhere would differ)", module.display());
            }
            let (manifest, manifest_again) = (std::fs::read(module.with_file_name("manifest.json"))?, std::fs::read(again.with_file_name("manifest.json"))?);
            if manifest != manifest_again {
                bail!("{}: expected the clean build's manifest.json to be the same, found another", module.display());
            }
            compared += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if compared == 0 {
        bail!("expected modules under dist/ to compare, found none: run `cargo xtask build` first");
    }
    eprintln!("reproduce: {compared} module(s) and manifests rebuilt from a copy of the checkout, byte for byte the same");
    Ok(())
}

/// The checkout's files (what git tracks, and new files it does not ignore) copied to `to`,
/// as a clean clone of this state would have them.
fn copy_checkout(to: &Path) -> anyhow::Result<()> {
    let output = Command::new("git")
        .current_dir(root())
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .output()
        .context("cannot run git ls-files (is git installed?)")?;
    if !output.status.success() {
        bail!("git ls-files failed ({})", output.status);
    }
    for file in output.stdout.split(|byte| *byte == 0).filter(|file| !file.is_empty()) {
        let file = Path::new(std::str::from_utf8(file).context("a file name that is not UTF-8")?);
        let from = root().join(file);
        // A file deleted but not yet staged is listed and absent: a clone would not have it.
        if !from.is_file() {
            continue;
        }
        let dest = to.join(file);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::copy(&from, &dest).with_context(|| format!("cannot copy {}", from.display()))?;
    }
    Ok(())
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
