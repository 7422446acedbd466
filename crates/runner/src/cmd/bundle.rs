//! `runner bundle`: writes each Action's deployable `code.js` and `manifest.json`, and prints
//! each file's size against Auth0's limit.

use std::io::Write;
use std::path::PathBuf;

use actions_core::SPECS;
use anyhow::Context;
use deploy::bundle::{AUTH0_MAX_CODE_BYTES, TARGET_CODE_BYTES, build, encode_module};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The WebAssembly module to inline.
    #[arg(long, value_name = "FILE", default_value = runner::DEFAULT_MODULE)]
    pub module: PathBuf,
    /// Folder to write into: one `<ActionName>/code.js` and `<ActionName>/manifest.json` each.
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let module = runner::read_module(&args.module)?;
    let encoded = encode_module(&module)?;
    // Build all first, so that a bundle over the limit leaves no half-written set behind.
    let bundles = SPECS.iter().map(|spec| build(spec, &module, &encoded)).collect::<Result<Vec<_>, _>>()?;
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
        bundles.first().map(|b| b.manifest.module_sha256.as_str()).unwrap_or_default()
    )?;
    Ok(0)
}
