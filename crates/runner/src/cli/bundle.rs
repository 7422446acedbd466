//! `runner bundle`: writes the deployable `code.js`, `manifest.json` and `module.wasm` of
//! each Action a module holds, and prints each file's size against Auth0's limit.
//! (`runner build` does this for every Action of a crate, each in a module of its own.)

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use deploy::bundle::{AUTH0_MAX_CODE_BYTES, TARGET_CODE_BYTES, build, encode_module};
use harness::{Limits, ModuleRunner};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The WebAssembly module to inline (its every Action gets a bundle holding it).
    #[arg(long, value_name = "FILE")]
    pub module: PathBuf,
    /// Folder to write into: one `<ActionName>/` folder each.
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let module = std::fs::read(&args.module).with_context(|| format!("cannot read the module {}", args.module.display()))?;
    let runner = ModuleRunner::new(&module, Limits::default()).with_context(|| format!("cannot load {}", args.module.display()))?;
    let encoded = encode_module(&module)?;
    // Build all first, so that a bundle over the limit leaves no half-written set behind.
    let bundles = runner.actions().map(|action| build(action, &module, &encoded)).collect::<Result<Vec<_>, _>>()?;
    let mut out = std::io::stdout().lock();
    for bundle in &bundles {
        let path = bundle.write(&args.out).with_context(|| format!("cannot write the bundle of {}", bundle.name()))?;
        let bytes = bundle.code.len();
        let note = if bytes > TARGET_CODE_BYTES { "  (over the 50000-byte target)" } else { "" };
        writeln!(out, "{}  {bytes} bytes of {AUTH0_MAX_CODE_BYTES} allowed{note}", path.display())?;
    }
    writeln!(
        out,
        "module {} ({} bytes; inlined as {} bytes of brotli, {} characters of base64; sha256 {})",
        args.module.display(),
        module.len(),
        encoded.brotli_bytes,
        encoded.base64.len(),
        auth0_actions::sha256_hex(&module)
    )?;
    Ok(0)
}
