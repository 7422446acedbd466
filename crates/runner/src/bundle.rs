//! Deployable bundles: one self-contained CommonJS file per Action (`code.js`), the shim of
//! `actions-shim/shim.js` with the module inlined (brotli, then Z85), and a manifest beside
//! it. And the way back: [`read_bundle`] takes the module out of a `code.js` and checks it
//! against its manifest, so that the runner replays exactly the file that is deployed.
//!
//! Architecture invariant: the module bytes in every `code.js` are byte-identical to the
//! module the runner replays (`dist/actions.wasm`); the manifest's `module_sha256` says so.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use actions_core::{ActionSpec, SecretSpec};
use auth0_mgmt::actions::TriggerRef;
pub use deploy::bundle::{Manifest, ManifestSecret};
use sha2::{Digest, Sha256};

use crate::engine::hex;

/// The shim, as written; the bundler fills in its three placeholders.
pub const SHIM_TEMPLATE: &str = include_str!("../../../actions-shim/shim.js");

/// Auth0 refuses an Action whose code is larger than this.
pub const AUTH0_MAX_CODE_BYTES: usize = 100_000;
/// What each bundle should stay under, for room to grow.
pub const TARGET_CODE_BYTES: usize = 50_000;
/// The runtime the manifest asks for.
pub const RUNTIME: &str = "node22";
/// A module this large after decompression is not ours: stop rather than exhaust memory.
const MAX_MODULE_BYTES: u64 = 16 * 1024 * 1024;

const ACTION_PLACEHOLDER: &str = "__ACTION__";
const SHA_PLACEHOLDER: &str = "__MODULE_SHA256__";
const LENGTH_PLACEHOLDER: &str = "__MODULE_BROTLI_BYTES__";
const MODULE_PLACEHOLDER: &str = "__MODULE__";
/// How the module's two lines start and end in a `code.js`.
const LENGTH_OPEN: &str = "\nconst MODULE_BROTLI_BYTES = ";
const LENGTH_CLOSE: &str = ";\n";
const MODULE_OPEN: &str = "\nconst MODULE = '";
const MODULE_CLOSE: &str = "';\n";
/// ZeroMQ's Z85 alphabet: base 85 without quotes or backslashes, so it sits in a JS string.
const Z85: &[u8; 85] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("the shim template must hold {placeholder} exactly once, found it {found} times")]
    Template { placeholder: &'static str, found: usize },
    #[error("cannot compress the module: {0}")]
    Compress(std::io::Error),
    #[error("{name}/code.js is {bytes} bytes, {over} bytes over Auth0's limit of {limit} bytes per Action")]
    TooLarge { name: &'static str, bytes: usize, over: usize, limit: usize },
    #[error("expected the lines `const MODULE_BROTLI_BYTES = <n>;` and `const MODULE = '<z85>';` in the bundle, found none")]
    NoModule,
    #[error("expected the inlined module as Z85 of {expected} bytes, found text that does not decode")]
    Z85 { expected: usize },
    #[error("expected the inlined module as brotli, found bytes that do not decompress: {0}")]
    Decompress(std::io::Error),
    #[error("the inlined module is larger than {MAX_MODULE_BYTES} bytes; not a module of ours")]
    ModuleTooLarge,
}

/// One Action's deployable file and its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub name: &'static str,
    pub code: String,
    pub manifest: Manifest,
}

/// The module as `code.js` inlines it: brotli (quality 11), then Z85. Computed once and
/// shared by every Action's bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The length of the brotli stream (Z85 pads it to a multiple of 4 bytes).
    pub brotli_bytes: usize,
    pub z85: String,
}

pub fn encode_module(module: &[u8]) -> Result<Encoded, BundleError> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: module.len(),
        ..Default::default()
    };
    let mut compressed = Vec::new();
    brotli::BrotliCompress(&mut &module[..], &mut compressed, &params).map_err(BundleError::Compress)?;
    Ok(Encoded { brotli_bytes: compressed.len(), z85: z85_encode(&compressed) })
}

fn z85_encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(4) * 5);
    for chunk in bytes.chunks(4) {
        let mut word = [0_u8; 4];
        word.iter_mut().zip(chunk).for_each(|(to, from)| *to = *from);
        let mut n = u32::from_be_bytes(word);
        let mut digits = [0_u8; 5];
        for digit in digits.iter_mut().rev() {
            *digit = Z85.get((n % 85) as usize).copied().unwrap_or(b'0');
            n /= 85;
        }
        text.extend(digits.iter().map(|&d| char::from(d)));
    }
    text
}

fn z85_decode(text: &str, brotli_bytes: usize) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(5) || brotli_bytes > text.len() / 5 * 4 {
        return None;
    }
    let mut bytes = Vec::with_capacity(text.len() / 5 * 4);
    for chunk in text.chunks(5) {
        let mut n: u64 = 0;
        for &char in chunk {
            n = n * 85 + Z85.iter().position(|&z| z == char)? as u64;
        }
        bytes.extend_from_slice(&u32::try_from(n).ok()?.to_be_bytes());
    }
    bytes.truncate(brotli_bytes);
    Some(bytes)
}

/// Builds `spec`'s `code.js` around the module (`encoded` is [`encode_module`]'s result).
pub fn bundle(spec: &ActionSpec, module: &[u8], encoded: &Encoded) -> Result<Bundle, BundleError> {
    let module_sha256 = hex(&Sha256::digest(module));
    let action = serde_json::json!({
        "name": spec.name,
        "export": spec.export,
        "paths": actions_core::projection::path_tree_json(spec),
    });
    let template = strip_comment_lines(SHIM_TEMPLATE);
    for placeholder in [ACTION_PLACEHOLDER, SHA_PLACEHOLDER, LENGTH_PLACEHOLDER, MODULE_PLACEHOLDER] {
        // `__MODULE__` is also a part of `__MODULE_SHA256__`; count it as a whole token.
        let found = template.matches(&format!("{placeholder}'")).count()
            + template.matches(&format!("{placeholder};")).count();
        if found != 1 {
            return Err(BundleError::Template { placeholder, found });
        }
    }
    let header = format!(
        "// {name}: an Auth0 post-login Action (trigger post-login v3, runtime {RUNTIME}), generated by\n\
         // `runner bundle` from actions-shim/shim.js (its comments explain it) and dist/actions.wasm.\n",
        name = spec.name,
    );
    let code = header
        + &template
            .replacen(&format!("{ACTION_PLACEHOLDER};"), &format!("{action};"), 1)
            .replacen(&format!("{SHA_PLACEHOLDER}'"), &format!("{module_sha256}'"), 1)
            .replacen(&format!("{LENGTH_PLACEHOLDER};"), &format!("{};", encoded.brotli_bytes), 1)
            .replacen(&format!("{MODULE_PLACEHOLDER}'"), &format!("{}'", encoded.z85), 1);
    if code.len() > AUTH0_MAX_CODE_BYTES {
        return Err(BundleError::TooLarge {
            name: spec.name,
            bytes: code.len(),
            over: code.len() - AUTH0_MAX_CODE_BYTES,
            limit: AUTH0_MAX_CODE_BYTES,
        });
    }
    let manifest = Manifest {
        name: spec.name.to_owned(),
        supported_triggers: vec![TriggerRef { id: "post-login".to_owned(), version: "v3".to_owned() }],
        runtime: RUNTIME.to_owned(),
        secrets: spec.decision_secrets.iter().chain(spec.shim_secrets).map(manifest_secret).collect(),
        dependencies: Vec::new(),
        module_sha256,
        code_sha256: hex(&Sha256::digest(code.as_bytes())),
        code_bytes: code.len() as u64,
    };
    Ok(Bundle { name: spec.name, code, manifest })
}

fn manifest_secret(secret: &SecretSpec) -> ManifestSecret {
    ManifestSecret { name: secret.name.to_owned(), required: secret.required, note: secret.note.to_owned() }
}

/// Drops the template's whole-line `//` comments (the reviewer reads them in
/// `actions-shim/shim.js`); code and end-of-line comments are kept as written.
fn strip_comment_lines(template: &str) -> String {
    template
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .flat_map(|line| [line, "\n"])
        .collect()
}

/// Where `bundle` writes an Action's files under `out`: `out/<name>/code.js` and
/// `out/<name>/manifest.json`.
pub fn paths(out: &Path, name: &str) -> (PathBuf, PathBuf) {
    let dir = out.join(name);
    (dir.join("code.js"), dir.join("manifest.json"))
}

/// Writes a bundle's two files under `out`; returns the path of `code.js`.
pub fn write(out: &Path, bundle: &Bundle) -> std::io::Result<PathBuf> {
    let (code_path, manifest_path) = paths(out, bundle.name);
    if let Some(dir) = code_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&code_path, &bundle.code)?;
    let mut manifest = serde_json::to_vec_pretty(&bundle.manifest).map_err(std::io::Error::other)?;
    manifest.push(b'\n');
    std::fs::File::create(&manifest_path)?.write_all(&manifest)?;
    Ok(code_path)
}

/// The module inlined in a `code.js`, decoded.
pub fn extract_module(code: &str) -> Result<Vec<u8>, BundleError> {
    let length = between(code, LENGTH_OPEN, LENGTH_CLOSE).ok_or(BundleError::NoModule)?;
    let brotli_bytes: usize = length.trim().parse().map_err(|_| BundleError::NoModule)?;
    let text = between(code, MODULE_OPEN, MODULE_CLOSE).ok_or(BundleError::NoModule)?;
    let compressed = z85_decode(text, brotli_bytes).ok_or(BundleError::Z85 { expected: brotli_bytes })?;
    let mut module = Vec::new();
    brotli::Decompressor::new(&compressed[..], 4096)
        .take(MAX_MODULE_BYTES + 1)
        .read_to_end(&mut module)
        .map_err(BundleError::Decompress)?;
    if module.len() as u64 > MAX_MODULE_BYTES {
        return Err(BundleError::ModuleTooLarge);
    }
    Ok(module)
}

/// The text after the first `open` up to the next `close`.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let rest = text.get(text.find(open)? + open.len()..)?;
    rest.get(..rest.find(close)?)
}

/// Reads a `code.js` and the `manifest.json` beside it, checks that the manifest describes
/// this file and its module, and returns the module's bytes.
pub fn read_bundle(code_path: &Path) -> anyhow::Result<Vec<u8>> {
    use anyhow::{Context, bail};
    let code = std::fs::read_to_string(code_path)
        .with_context(|| format!("cannot read the bundle {}", code_path.display()))?;
    let manifest_path = code_path.with_file_name("manifest.json");
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(&manifest_path)
            .with_context(|| format!("cannot read {} (the bundle's manifest)", manifest_path.display()))?,
    )
    .with_context(|| format!("{}: not a bundle manifest", manifest_path.display()))?;
    let code_sha256 = hex(&Sha256::digest(code.as_bytes()));
    if code_sha256 != manifest.code_sha256 {
        bail!(
            "{}: expected code_sha256 {} as {} says, found {code_sha256}: the file was changed after bundling",
            code_path.display(),
            manifest.code_sha256,
            manifest_path.display()
        );
    }
    let module = extract_module(&code).with_context(|| format!("{}: cannot take the module out", code_path.display()))?;
    let module_sha256 = hex(&Sha256::digest(&module));
    if module_sha256 != manifest.module_sha256 {
        bail!(
            "{}: expected the inlined module's sha256 to be {} as {} says, found {module_sha256}",
            code_path.display(),
            manifest.module_sha256,
            manifest_path.display()
        );
    }
    Ok(module)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actions_core::SPECS;

    const FAKE_MODULE: &[u8] = b"\0asm\x01\0\0\0 not really a module, but bytes to carry";

    #[test]
    fn the_module_round_trips_through_the_bundle() {
        let encoded = encode_module(FAKE_MODULE).unwrap();
        for spec in &SPECS {
            let bundle = bundle(spec, FAKE_MODULE, &encoded).unwrap();
            assert_eq!(extract_module(&bundle.code).unwrap(), FAKE_MODULE);
            assert_eq!(bundle.manifest.code_bytes, bundle.code.len() as u64);
            assert!(!bundle.code.contains("__"), "a placeholder is left in {}", spec.name);
            assert!(bundle.code.contains(&format!("\"name\":\"{}\"", spec.name)));
        }
    }

    #[test]
    fn the_manifest_lists_decision_and_shim_secrets_in_order() {
        let encoded = encode_module(FAKE_MODULE).unwrap();
        let spec = actions_core::Action::SetDefaultMemberRole.spec();
        let manifest = bundle(spec, FAKE_MODULE, &encoded).unwrap().manifest;
        let names: Vec<&str> = manifest.secrets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["ROLE_ID", "domain", "clientId", "clientSecret"]);
        let json = serde_json::to_value(&manifest).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["name", "supported_triggers", "runtime", "secrets", "dependencies", "module_sha256", "code_sha256", "code_bytes"]
        );
        assert_eq!(json["supported_triggers"], serde_json::json!([{"id": "post-login", "version": "v3"}]));
    }

    #[test]
    fn a_bundle_over_auth0s_limit_says_by_how_much() {
        // xorshift32: bytes brotli cannot shrink, so the bundle is over the limit.
        let mut state = 2_463_534_242_u32;
        let big: Vec<u8> = (0..100_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state.to_le_bytes()[0]
            })
            .collect();
        let encoded = encode_module(&big).unwrap();
        let error = bundle(&SPECS[0], &big, &encoded).unwrap_err().to_string();
        assert!(error.contains("bytes over Auth0's limit of 100000 bytes per Action"), "{error}");
    }

    #[test]
    fn a_changed_bundle_is_refused() {
        let dir = std::env::temp_dir().join(format!("runner-bundle-test-{}", std::process::id()));
        let encoded = encode_module(FAKE_MODULE).unwrap();
        let bundle = bundle(&SPECS[0], FAKE_MODULE, &encoded).unwrap();
        let code_path = write(&dir, &bundle).unwrap();
        assert_eq!(read_bundle(&code_path).unwrap(), FAKE_MODULE);
        std::fs::write(&code_path, bundle.code.replace("'use strict';", "'use strict'; ")).unwrap();
        let error = format!("{:#}", read_bundle(&code_path).unwrap_err());
        assert!(error.contains("the file was changed after bundling"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn z85_round_trips_every_length() {
        for len in 0..20_u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(97).wrapping_add(200)).collect();
            let text = z85_encode(&bytes);
            assert_eq!(text.len(), bytes.len().div_ceil(4) * 5);
            assert_eq!(z85_decode(&text, bytes.len()).unwrap(), bytes);
        }
        // ZeroMQ's test vector.
        assert_eq!(z85_encode(&[0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]), "HelloWorld");
        assert_eq!(z85_decode("Hello\\orld", 8), None);
    }

    #[test]
    fn text_without_a_module_is_refused() {
        assert!(matches!(extract_module("exports.x = 1;\n"), Err(BundleError::NoModule)));
    }
}
