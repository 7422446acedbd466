//! `runner build`: a crate of Actions into one module per Action, each bundled (see
//! `runner::build`); prints each bundle's size against Auth0's limit and its module's sha256.

use std::io::Write;
use std::path::PathBuf;

use deploy::bundle::{AUTH0_MAX_CODE_BYTES, TARGET_CODE_BYTES};
use crate::build::{BuildOptions, build};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Cargo.toml of the crate of Actions.
    #[arg(long, value_name = "FILE", default_value = "Cargo.toml")]
    pub manifest_path: PathBuf,
    /// Where the bundles go: one <Name>/ folder per Action (code.js, manifest.json,
    /// module.wasm). Bundle folders of Actions the crate no longer has are removed.
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub dist: PathBuf,
    /// binaryen's wasm-opt, to shrink each module (-Oz); without it the modules are as the
    /// linker wrote them. The same version gives the same bytes.
    #[arg(long, env = "WASM_OPT", value_name = "FILE")]
    pub wasm_opt: Option<PathBuf>,
    /// Cargo's target folder instead of the crate's (a clean one reproduces a build).
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let options = BuildOptions {
        manifest_path: args.manifest_path.clone(),
        dist: args.dist.clone(),
        wasm_opt: args.wasm_opt.clone(),
        target_dir: args.target_dir.clone(),
    };
    let built = build(&options)?;
    let mut out = std::io::stdout().lock();
    for action in &built.actions {
        let bytes = action.bundle.code.len();
        let note = if bytes > TARGET_CODE_BYTES { "  (over the 50000-byte target)" } else { "" };
        let manifest = &action.bundle.manifest;
        writeln!(
            out,
            "{}  {bytes} bytes of {AUTH0_MAX_CODE_BYTES} allowed{note}; {} {}, module {} bytes, sha256 {}",
            action.code_path.display(),
            manifest.trigger(),
            manifest.supported_triggers.first().map_or("", |t| t.version.as_str()),
            manifest.module_bytes,
            manifest.module_sha256
        )?;
    }
    for folder in &built.removed {
        writeln!(out, "removed {}: its Action is no longer in the crate", folder.display())?;
    }
    let optimizer = args.wasm_opt.as_ref().map_or_else(|| "not shrunk (no --wasm-opt)".to_owned(), |w| format!("shrunk by {}", w.display()));
    let cached = built.actions.iter().filter(|a| a.cached).count();
    writeln!(
        out,
        "{} Action(s) from {} (crate module {} bytes, sha256 {}); modules {optimizer}; {cached} from the cache",
        built.actions.len(),
        args.manifest_path.display(),
        built.crate_module_bytes,
        built.crate_module_sha256
    )?;
    Ok(0)
}
