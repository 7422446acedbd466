//! The build of a crate of Actions: one WebAssembly module per Action, each with only its
//! own code, bundled as `<dist>/<Name>/code.js` beside `manifest.json` and `module.wasm`.
//!
//! 1. `cargo build --lib --target wasm32-unknown-unknown --profile wasm` of the crate: the
//!    crate's module, every Action in it. Exactly what a plain cargo command builds, so that
//!    one stays fresh and gives the same bytes.
//! 2. For each Action it exports, the same build with `--cfg auth0_actions_select --cfg
//!    auth0_action="<Name>"` (`cargo rustc`): the registration macro then exports that
//!    Action only, and the linker drops every other Action's code and data. These are cached
//!    under the target folder by the crate module's sha256, so an unchanged crate rebuilds
//!    nothing; after them, step 1 runs again so that the target folder holds its plain build.
//! 3. `wasm-opt -Oz` on each, when a wasm-opt is given (binaryen; the same version gives the
//!    same bytes).
//! 4. A bundle of each ([`deploy::bundle::build`]), from the Action's description, which the
//!    crate's module gives (every module's Action is described by the same code; the runner
//!    checks it against the Action's own module when that first runs).
//!
//! Nothing here depends on the machine: cargo runs in the crate's folder (its
//! `rust-toolchain.toml` pins the toolchain), without the wrappers and flags of the
//! environment ([`BUILD_ENVIRONMENT_REMOVED`]); no path, clock or randomness enters a
//! module, so the same commit gives the same bytes, and the same sha256 in every manifest.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use auth0_actions::abi::EXPORT_PREFIX;
use auth0_actions::sha256_hex;
use deploy::Bundle;
use deploy::bundle::{build as bundle, encode_module};
use harness::{Limits, ModuleRunner};

/// The wasm target.
pub const TARGET: &str = "wasm32-unknown-unknown";
/// The cargo profile of modules (the template's and this workspace's `[profile.wasm]`).
pub const PROFILE: &str = "wasm";

/// The WebAssembly features rustc enables by default for wasm32-unknown-unknown; Node 18
/// and 22 support all of them. wasm-opt must be told, as the module carries no feature list.
pub const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
    "--enable-reference-types",
];

/// What to build, and where.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The crate's `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// Where the bundles go: `<dist>/<Name>/...`.
    pub dist: PathBuf,
    /// binaryen's wasm-opt, to shrink each module; none leaves them as the linker wrote them.
    pub wasm_opt: Option<PathBuf>,
    /// Cargo's target folder, when not the crate's own (a clean one, to check that a build
    /// reproduces).
    pub target_dir: Option<PathBuf>,
}

/// One Action built.
#[derive(Debug, Clone)]
pub struct BuiltAction {
    pub bundle: Bundle,
    pub code_path: PathBuf,
    /// Whether its module came from the cache (the crate had not changed).
    pub cached: bool,
}

/// What a build made.
#[derive(Debug, Clone)]
pub struct Built {
    /// The crate's module (every Action): its size and sha256.
    pub crate_module_bytes: usize,
    pub crate_module_sha256: String,
    pub actions: Vec<BuiltAction>,
    /// Bundle folders removed from `dist` because their Action is no longer in the crate.
    pub removed: Vec<PathBuf>,
}

/// What `cargo metadata` says, the parts read here (it says much more).
#[derive(serde::Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    target_directory: PathBuf,
}

#[derive(serde::Deserialize)]
struct Package {
    name: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
}

#[derive(serde::Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

/// The crate as cargo knows it.
struct Crate {
    package: String,
    /// The library's name, as its artifact is named (`seed_actions`).
    lib: String,
    target_dir: PathBuf,
    /// Its Cargo.toml, and the folder that holds it (absolute).
    manifest: PathBuf,
    dir: PathBuf,
}

/// Builds every Action of the crate and bundles each; see the module's documentation.
pub fn build(options: &BuildOptions) -> anyhow::Result<Built> {
    ensure_wasm_target(options.manifest_path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new(".")))?;
    let krate = locate(options)?;
    let artifact = krate.target_dir.join(TARGET).join(PROFILE).join(format!("{}.wasm", krate.lib));
    cargo_build(options, &krate, None)?;
    let crate_module = std::fs::read(&artifact).with_context(|| format!("cannot read the crate's module {}", artifact.display()))?;
    let crate_sha = sha256_hex(&crate_module);
    let names = action_exports(&crate_module).with_context(|| format!("cannot read the exports of {}", artifact.display()))?;
    if names.is_empty() {
        bail!(
            "expected the crate {} to register Actions (auth0_actions::actions!), found no export {EXPORT_PREFIX}<Name> in its module",
            krate.package
        );
    }
    // Every Action's description, from the crate's module: the same code describes each.
    let described = ModuleRunner::new(&crate_module, Limits::default()).context("cannot load the crate's module")?;
    let cache = krate.target_dir.join("auth0-actions").join(&krate.lib).join(&crate_sha);
    let mut rebuilt = false;
    let mut modules = Vec::new();
    for name in &names {
        let cached = cache.join(format!("{name}.wasm"));
        let from_cache = cached.is_file();
        if !from_cache {
            cargo_build(options, &krate, Some(name))?;
            std::fs::create_dir_all(&cache).with_context(|| format!("cannot create {}", cache.display()))?;
            std::fs::copy(&artifact, &cached).with_context(|| format!("cannot copy {} to {}", artifact.display(), cached.display()))?;
            rebuilt = true;
        }
        let raw = std::fs::read(&cached).with_context(|| format!("cannot read {}", cached.display()))?;
        let exports = action_exports(&raw)?;
        if exports != [name.clone()] {
            bail!("expected the module of {name} to export only its own Action, found [{}]", exports.join(", "));
        }
        let module = match &options.wasm_opt {
            Some(wasm_opt) => optimize(wasm_opt, &cache, &raw)?,
            None => raw,
        };
        modules.push((name.clone(), module, from_cache));
    }
    if rebuilt {
        // Leave the target folder holding the plain build, as a plain cargo build makes it.
        cargo_build(options, &krate, None)?;
    }
    let mut built = Vec::new();
    for (name, module, cached) in modules {
        let Some(info) = described.action(&name) else {
            bail!("expected the crate's module to describe {name}, found no such Action");
        };
        let encoded = encode_module(&module)?;
        let bundle = bundle(info, &module, &encoded)?;
        built.push((bundle, cached));
    }
    let removed = remove_stale(&options.dist, &names)?;
    let mut actions = Vec::new();
    for (bundle, cached) in built {
        let code_path = bundle.write(&options.dist).with_context(|| format!("cannot write the bundle of {}", bundle.name()))?;
        actions.push(BuiltAction { bundle, code_path, cached });
    }
    Ok(Built { crate_module_bytes: crate_module.len(), crate_module_sha256: crate_sha, actions, removed })
}

/// Adds the wasm target to the crate's toolchain when it lacks it. rustup installs the
/// targets of `rust-toolchain.toml` only when it installs the toolchain itself, so a machine
/// that had that Rust already would otherwise fail with "can't find crate for `std`".
pub fn ensure_wasm_target(crate_dir: &Path) -> anyhow::Result<()> {
    let output = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .current_dir(crate_dir)
        .args(["--print", "sysroot"])
        .output()
        .context("cannot run rustc --print sysroot (is Rust installed?)")?;
    if !output.status.success() {
        bail!("rustc --print sysroot failed ({})", output.status);
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if sysroot.join("lib/rustlib").join(TARGET).join("lib").is_dir() {
        return Ok(());
    }
    let toolchain = sysroot.file_name().map(|name| name.to_string_lossy().into_owned());
    let mut rustup = Command::new("rustup");
    rustup.current_dir(crate_dir).args(["target", "add", TARGET]);
    if let Some(toolchain) = &toolchain {
        rustup.args(["--toolchain", toolchain]);
    }
    eprintln!("adding the {TARGET} target to the toolchain with rustup");
    match rustup.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => bail!("rustup target add {TARGET} failed ({status})"),
        Err(_) => bail!(
            "the Rust toolchain ({}) has no {TARGET} target and rustup is not installed: install that target for this \
             toolchain (with rustup: `rustup target add {TARGET}`)",
            sysroot.display()
        ),
    }
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// What in the environment would change a module's bytes (a wrapper such as clippy's driver
/// changes code generation; flags change everything): a module is built without them, so its
/// bytes depend on the crate and the toolchain alone, and a plain `cargo build` finds it fresh.
const BUILD_ENVIRONMENT_REMOVED: [&str; 6] = [
    "RUSTC_WORKSPACE_WRAPPER",
    "RUSTC_WRAPPER",
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
];

/// The crate's package, library and target folder, from `cargo metadata`.
fn locate(options: &BuildOptions) -> anyhow::Result<Crate> {
    let wanted = std::fs::canonicalize(&options.manifest_path)
        .with_context(|| format!("cannot find the crate's manifest {}", options.manifest_path.display()))?;
    let mut metadata = cargo();
    metadata.current_dir(wanted.parent().unwrap_or(Path::new("/")));
    metadata.args(["metadata", "--format-version", "1", "--no-deps", "--manifest-path"]).arg(&wanted);
    let output = metadata.output().context("cannot run cargo metadata (is cargo on the PATH?)")?;
    if !output.status.success() {
        bail!("cargo metadata failed for {}: {}", options.manifest_path.display(), String::from_utf8_lossy(&output.stderr).trim());
    }
    let metadata: Metadata = serde_json::from_slice(&output.stdout).context("cannot read cargo metadata's answer")?;
    let package = metadata
        .packages
        .into_iter()
        .find(|package| std::fs::canonicalize(&package.manifest_path).ok().as_ref() == Some(&wanted))
        .with_context(|| format!("expected a package at {}, found none in cargo metadata", wanted.display()))?;
    let name = package.name;
    let lib = package
        .targets
        .iter()
        .find(|target| target.kind.iter().any(|kind| kind == "cdylib"))
        .map(|target| target.name.replace('-', "_"))
        .with_context(|| {
            format!("expected the crate {name} to be a cdylib ([lib] crate-type = [\"cdylib\", \"rlib\"]), found no cdylib target")
        })?;
    let target_dir = match &options.target_dir {
        // Absolute: cargo runs in the crate's folder.
        Some(dir) => std::path::absolute(dir).with_context(|| format!("cannot find {}", dir.display()))?,
        None => metadata.target_directory,
    };
    let dir = wanted.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Crate { package: name, lib, target_dir, manifest: wanted, dir })
}

/// `cargo build` of the crate's module; with `only`, the build that exports that Action only.
fn cargo_build(options: &BuildOptions, krate: &Crate, only: Option<&str>) -> anyhow::Result<()> {
    let mut command = cargo();
    // In the crate's folder, so that its rust-toolchain.toml and .cargo/config.toml apply
    // wherever the runner was started.
    command.current_dir(&krate.dir);
    for variable in BUILD_ENVIRONMENT_REMOVED {
        command.env_remove(variable);
    }
    command.arg(if only.is_some() { "rustc" } else { "build" });
    command.args(["--quiet", "--lib", "--target", TARGET, "--profile", PROFILE, "--package", &krate.package, "--manifest-path"]);
    command.arg(&krate.manifest);
    if options.target_dir.is_some() {
        command.arg("--target-dir").arg(&krate.target_dir);
    }
    if let Some(name) = only {
        command.args(["--", "--cfg", "auth0_actions_select", "--cfg"]).arg(format!("auth0_action=\"{name}\""));
    }
    let what = match only {
        Some(name) => format!("the module of {name}"),
        None => format!("the module of the crate {}", krate.package),
    };
    let status = command.status().with_context(|| format!("cannot run cargo to build {what}"))?;
    if !status.success() {
        bail!("cargo could not build {what} ({status})");
    }
    Ok(())
}

/// `wasm-opt -Oz` of `raw`, cached under `cache` by the input's sha256.
fn optimize(wasm_opt: &Path, cache: &Path, raw: &[u8]) -> anyhow::Result<Vec<u8>> {
    // Keyed by the input and wasm-opt's version: another binaryen gives other bytes.
    let version = Command::new(wasm_opt)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run wasm-opt ({})", wasm_opt.display()))?
        .stdout;
    let sha = sha256_hex(&[&version[..], raw].concat());
    let output = cache.join(format!("{sha}.opt.wasm"));
    if let Ok(bytes) = std::fs::read(&output) {
        return Ok(bytes);
    }
    let input = cache.join(format!("{sha}.raw.wasm"));
    std::fs::write(&input, raw).with_context(|| format!("cannot write {}", input.display()))?;
    let status = Command::new(wasm_opt)
        .arg("-Oz")
        .args(WASM_FEATURES)
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .status()
        .with_context(|| format!("cannot run wasm-opt ({})", wasm_opt.display()))?;
    if !status.success() {
        bail!("wasm-opt failed ({status})");
    }
    std::fs::read(&output).with_context(|| format!("cannot read {}", output.display()))
}

/// Bundle folders directly under `dist` whose Action is not among `names` are removed: a
/// deploy of `dist` must never put back an Action the crate no longer has.
fn remove_stale(dist: &Path, names: &[String]) -> anyhow::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    if !dist.is_dir() {
        return Ok(removed);
    }
    for code in deploy::bundle::find(dist, deploy::bundle::Depth::Top).with_context(|| format!("cannot list {}", dist.display()))? {
        let Some(folder) = code.parent() else { continue };
        let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !names.contains(&name) {
            std::fs::remove_dir_all(folder).with_context(|| format!("cannot remove the stale bundle {}", folder.display()))?;
            removed.push(folder.to_owned());
        }
    }
    Ok(removed)
}

/// The Actions a module exports (`auth0_action:<Name>`), in export order, read from its
/// export section without compiling it.
pub fn action_exports(module: &[u8]) -> anyhow::Result<Vec<String>> {
    let mut reader = Bytes { bytes: module, at: 0 };
    if reader.take(8)? != b"\0asm\x01\0\0\0" {
        bail!("expected a WebAssembly module (\\0asm, version 1), found other bytes");
    }
    while reader.at < module.len() {
        let id = reader.byte()?;
        let size = usize::try_from(reader.leb()?)?;
        let section = reader.take(size)?;
        if id != 7 {
            continue;
        }
        let mut exports = Bytes { bytes: section, at: 0 };
        let count = exports.leb()?;
        let mut names = Vec::new();
        for _ in 0..count {
            let len = usize::try_from(exports.leb()?)?;
            let name = std::str::from_utf8(exports.take(len)?).context("expected an export name in UTF-8")?;
            let kind = exports.byte()?;
            exports.leb()?;
            if let (0, Some(action)) = (kind, name.strip_prefix(EXPORT_PREFIX)) {
                names.push(action.to_owned());
            }
        }
        return Ok(names);
    }
    Ok(Vec::new())
}

/// A cursor over a module's bytes.
struct Bytes<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> anyhow::Result<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at.saturating_add(n)).context("expected more bytes in the module, found its end")?;
        self.at += n;
        Ok(slice)
    }

    fn byte(&mut self) -> anyhow::Result<u8> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    /// An unsigned LEB128 number of at most 32 bits.
    fn leb(&mut self) -> anyhow::Result<u64> {
        let mut value = 0_u64;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        bail!("expected a LEB128 number of at most 5 bytes in the module, found a longer one")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_are_read_without_compiling() {
        let module = wat::parse_str(
            r#"(module (memory (export "memory") 1)
                (func (export "auth0_action:A") (param i32 i32 i32 i32 i32 f64) (result i32) i32.const 0)
                (func (export "alloc") (param i32) (result i32) i32.const 0)
                (func (export "auth0_action:B_2") (param i32 i32 i32 i32 i32 f64) (result i32) i32.const 0))"#,
        )
        .unwrap();
        assert_eq!(action_exports(&module).unwrap(), ["A", "B_2"]);
        assert!(action_exports(b"\0asm\x01\0\0\0").unwrap().is_empty());
        assert!(action_exports(b"not wasm").unwrap_err().to_string().contains("expected a WebAssembly module"));
        assert!(action_exports(b"\0asm\x01\0\0\0\x07\x05\x01").is_err(), "a cut section is an error, not a panic");
    }
}
