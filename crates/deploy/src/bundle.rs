//! Deployable bundles: one self-contained CommonJS file per Action (`code.js`), the shim of
//! `actions-shim/shim.js` with the module inlined (brotli, then base64), beside a strict
//! `manifest.json`. This is the one place that writes them ([`build`], [`Bundle::write`]) and
//! the one place that reads them back and checks them ([`Bundle::read`], [`Bundle::load`],
//! [`Bundle::module`]), for the deploy step and for the runner alike.
//!
//! Architecture invariant: the module bytes in every `code.js` are byte-identical to the
//! module the runner replays (`dist/actions.wasm`); the manifest's `module_sha256` says so,
//! and [`Bundle::module`] refuses a module whose hash is not the manifest's.

use std::io::Read;
use std::path::{Path, PathBuf};

use actions_core::{ActionSpec, SecretSpec, sha256_hex};
use auth0_mgmt::actions::{Dependency, TriggerRef};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::DeployError;

/// The shim, as written; the bundler fills in its four placeholders.
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
const MODULE_PLACEHOLDER: &str = "__MODULE__";
const PROJECT_PLACEHOLDER: &str = "__PROJECT__";
/// How the module's line starts and ends in a `code.js`.
const MODULE_OPEN: &str = "\nconst MODULE = '";
const MODULE_CLOSE: &str = "';\n";

/// Why a bundle cannot be built, or its module cannot be taken out.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("the shim template must hold {placeholder} exactly once, found it {found} times")]
    Template { placeholder: &'static str, found: usize },
    #[error("cannot compress the module: {0}")]
    Compress(std::io::Error),
    #[error("{name}/code.js is {bytes} bytes, {over} bytes over Auth0's limit of {limit} bytes per Action")]
    TooLarge { name: &'static str, bytes: usize, over: usize, limit: usize },
    #[error("expected the line `const MODULE = '<base64>';` in the bundle, found none")]
    NoModule,
    #[error("expected the inlined module as base64, found text that does not decode: {0}")]
    Base64(base64::DecodeError),
    #[error("expected the inlined module as brotli, found bytes that do not decompress: {0}")]
    Decompress(std::io::Error),
    #[error("the inlined module is larger than {MAX_MODULE_BYTES} bytes; not a module of ours")]
    ModuleTooLarge,
    #[error("expected the inlined module's sha256 to be {expected} as manifest.json says, found {found}")]
    ModuleSha { expected: String, found: String },
}

/// One secret an Action declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSecret {
    pub name: String,
    pub required: bool,
    pub note: String,
}

/// `manifest.json`, beside each `code.js`: [`build`] makes it (field order is the file's
/// order), the deploy step and `replay --bundle` read it strictly, these keys and no others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    pub supported_triggers: Vec<TriggerRef>,
    pub runtime: String,
    pub secrets: Vec<ManifestSecret>,
    pub dependencies: Vec<Dependency>,
    pub module_sha256: String,
    pub code_sha256: String,
    pub code_bytes: u64,
}

impl Manifest {
    /// The manifest of a post-login v3 Action `name` whose file is `code`, inlining the module
    /// whose hash is `module_sha256`.
    fn describe(name: &str, secrets: Vec<ManifestSecret>, module_sha256: String, code: &str) -> Manifest {
        Manifest {
            name: name.to_owned(),
            supported_triggers: vec![TriggerRef { id: "post-login".to_owned(), version: "v3".to_owned() }],
            runtime: RUNTIME.to_owned(),
            secrets,
            dependencies: Vec::new(),
            module_sha256,
            code_sha256: sha256_hex(code.as_bytes()),
            code_bytes: code.len() as u64,
        }
    }
}

/// One Action's deployable file and its manifest; once read, checked against each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub manifest: Manifest,
    pub code: String,
}

/// The module as `code.js` inlines it: brotli (quality 11), then base64. Computed once and
/// shared by every Action's bundle.
///
/// base64 rather than a denser text encoding (Z85 was 6 % smaller): Node decodes base64
/// natively, where a decoding loop in JavaScript runs cold at every `require` (measured: 2 ms
/// of Node 18's 9 ms; BENCHMARKS.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The length of the brotli stream.
    pub brotli_bytes: usize,
    pub base64: String,
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
    Ok(Encoded { brotli_bytes: compressed.len(), base64: BASE64.encode(&compressed) })
}

/// Builds `spec`'s `code.js` around the module (`encoded` is [`encode_module`]'s result).
pub fn build(spec: &ActionSpec, module: &[u8], encoded: &Encoded) -> Result<Bundle, BundleError> {
    let module_sha256 = sha256_hex(module);
    let action = serde_json::json!({
        "name": spec.name,
        "export": spec.export,
    });
    let template = strip_comment_lines(SHIM_TEMPLATE);
    for placeholder in [ACTION_PLACEHOLDER, SHA_PLACEHOLDER, MODULE_PLACEHOLDER, PROJECT_PLACEHOLDER] {
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
            .replacen(&format!("{MODULE_PLACEHOLDER}'"), &format!("{}'", encoded.base64), 1)
            .replacen(&format!("{PROJECT_PLACEHOLDER};"), &format!("{};", actions_core::projection::javascript(spec)), 1);
    if code.len() > AUTH0_MAX_CODE_BYTES {
        return Err(BundleError::TooLarge {
            name: spec.name,
            bytes: code.len(),
            over: code.len() - AUTH0_MAX_CODE_BYTES,
            limit: AUTH0_MAX_CODE_BYTES,
        });
    }
    let secrets = spec.decision_secrets.iter().chain(spec.shim_secrets).map(manifest_secret).collect();
    let manifest = Manifest::describe(spec.name, secrets, module_sha256, &code);
    Ok(Bundle { manifest, code })
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

/// Where an Action's files are under `dist`: `dist/<name>/code.js` and
/// `dist/<name>/manifest.json`.
pub fn paths(dist: &Path, name: &str) -> (PathBuf, PathBuf) {
    let dir = dist.join(name);
    (dir.join("code.js"), dir.join("manifest.json"))
}

impl Bundle {
    /// Writes the bundle's two files under `dist` ([`paths`]); returns the path of `code.js`.
    pub fn write(&self, dist: &Path) -> std::io::Result<PathBuf> {
        let (code_path, manifest_path) = paths(dist, &self.manifest.name);
        if let Some(dir) = code_path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&code_path, &self.code)?;
        let mut manifest = serde_json::to_vec_pretty(&self.manifest).map_err(std::io::Error::other)?;
        manifest.push(b'\n');
        std::fs::write(&manifest_path, manifest)?;
        Ok(code_path)
    }

    /// Reads the bundle of the Action `name` under `dist` ([`paths`]) and checks it as
    /// [`Bundle::read`] does, and that its manifest names that Action.
    pub fn load(dist: &Path, name: &str) -> Result<Bundle, DeployError> {
        let (code_path, manifest_path) = paths(dist, name);
        let bundle = Bundle::read(&code_path)?;
        if bundle.manifest.name != name {
            return Err(DeployError::Bundle {
                path: manifest_path,
                detail: format!("expected \"name\": {name:?}, found {:?}", bundle.manifest.name),
            });
        }
        Ok(bundle)
    }

    /// Reads a `code.js` and the `manifest.json` beside it: the manifest strictly, and the
    /// file's length and sha256 against the manifest's (a file edited after bundling is
    /// refused).
    pub fn read(code_path: &Path) -> Result<Bundle, DeployError> {
        let manifest_path = code_path.with_file_name("manifest.json");
        let text = std::fs::read_to_string(&manifest_path).map_err(|source| DeployError::Read {
            path: manifest_path.clone(),
            hint: if source.kind() == std::io::ErrorKind::NotFound { "; build the bundles first with `cargo xtask build`" } else { "" },
            source,
        })?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|error| DeployError::Bundle { path: manifest_path.clone(), detail: error.to_string() })?;
        let bytes = std::fs::read(code_path).map_err(|source| DeployError::Read { path: code_path.to_owned(), hint: "", source })?;
        let code_sha256 = sha256_hex(&bytes);
        if code_sha256 != manifest.code_sha256 || bytes.len() as u64 != manifest.code_bytes {
            return Err(DeployError::Bundle {
                path: code_path.to_owned(),
                detail: format!(
                    "expected {} bytes with sha256 {} (manifest.json), found {} bytes with sha256 {code_sha256}: \
                     the file was changed after bundling; rebuild the bundle",
                    manifest.code_bytes,
                    manifest.code_sha256,
                    bytes.len()
                ),
            });
        }
        let code = String::from_utf8(bytes).map_err(|_| DeployError::Bundle {
            path: code_path.to_owned(),
            detail: "expected UTF-8 JavaScript, found other bytes".to_owned(),
        })?;
        Ok(Bundle { manifest, code })
    }

    pub fn name(&self) -> &str {
        &self.manifest.name
    }

    /// The hex sha256 of `code` (as read, it is the manifest's).
    pub fn code_sha256(&self) -> &str {
        &self.manifest.code_sha256
    }

    /// The module inlined in `code`, decoded, and checked against the manifest's
    /// `module_sha256`: the bytes the runner replays when it replays this bundle.
    pub fn module(&self) -> Result<Vec<u8>, BundleError> {
        let module = extract_module(&self.code)?;
        let found = sha256_hex(&module);
        if found != self.manifest.module_sha256 {
            return Err(BundleError::ModuleSha { expected: self.manifest.module_sha256.clone(), found });
        }
        Ok(module)
    }
}

/// The module inlined in a `code.js`, decoded.
fn extract_module(code: &str) -> Result<Vec<u8>, BundleError> {
    let text = between(code, MODULE_OPEN, MODULE_CLOSE).ok_or(BundleError::NoModule)?;
    let compressed = BASE64.decode(text).map_err(BundleError::Base64)?;
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

/// Writes a bundle of any `code` (no module inside) in the layout `cargo xtask build` uses,
/// through [`Bundle::write`]: for deploy tests, and for trying the deploy before the real
/// build exists.
pub fn write_bundle(dist: &Path, name: &str, code: &str, secrets: &[(&str, bool)]) -> std::io::Result<()> {
    let secrets = secrets
        .iter()
        .map(|(secret, required)| ManifestSecret { name: (*secret).to_owned(), required: *required, note: String::new() })
        .collect();
    let manifest = Manifest::describe(name, secrets, sha256_hex(b""), code);
    Bundle { manifest, code: code.to_owned() }.write(dist).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actions_core::SPECS;

    const FAKE_MODULE: &[u8] = b"\0asm\x01\0\0\0 not really a module, but bytes to carry";

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("deploy-bundle-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_module_round_trips_through_the_bundle() {
        let encoded = encode_module(FAKE_MODULE).unwrap();
        for spec in &SPECS {
            let bundle = build(spec, FAKE_MODULE, &encoded).unwrap();
            assert_eq!(bundle.module().unwrap(), FAKE_MODULE);
            assert_eq!(bundle.manifest.code_bytes, bundle.code.len() as u64);
            assert!(!bundle.code.contains("__"), "a placeholder is left in {}", spec.name);
            assert!(bundle.code.contains(&format!("\"name\":\"{}\"", spec.name)));
        }
    }

    #[test]
    fn the_manifest_lists_decision_and_shim_secrets_in_order() {
        let encoded = encode_module(FAKE_MODULE).unwrap();
        let spec = actions_core::Action::SetDefaultMemberRole.spec();
        let manifest = build(spec, FAKE_MODULE, &encoded).unwrap().manifest;
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
        let error = build(&SPECS[0], &big, &encoded).unwrap_err().to_string();
        assert!(error.contains("bytes over Auth0's limit of 100000 bytes per Action"), "{error}");
    }

    #[test]
    fn a_written_bundle_reads_back_and_a_changed_one_is_refused() {
        let dist = temp("changed");
        let encoded = encode_module(FAKE_MODULE).unwrap();
        let bundle = build(&SPECS[0], FAKE_MODULE, &encoded).unwrap();
        let code_path = bundle.write(&dist).unwrap();
        let read = Bundle::load(&dist, SPECS[0].name).unwrap();
        assert_eq!(read, bundle);
        assert_eq!(read.module().unwrap(), FAKE_MODULE);
        std::fs::write(&code_path, bundle.code.replace("'use strict';", "'use strict'; ")).unwrap();
        let error = Bundle::read(&code_path).unwrap_err().to_string();
        assert!(error.contains("the file was changed after bundling; rebuild the bundle"), "{error}");
        std::fs::remove_dir_all(&dist).unwrap();
    }

    #[test]
    fn a_module_that_is_not_the_manifests_is_refused() {
        let encoded = encode_module(FAKE_MODULE).unwrap();
        let mut bundle = build(&SPECS[0], FAKE_MODULE, &encoded).unwrap();
        bundle.manifest.module_sha256 = sha256_hex(b"another module");
        let error = bundle.module().unwrap_err().to_string();
        assert!(error.starts_with("expected the inlined module's sha256 to be"), "{error}");
    }

    #[test]
    fn text_that_is_not_base64_is_refused() {
        let error = extract_module("\nconst MODULE = '~~~~';\n").unwrap_err();
        assert!(error.to_string().starts_with("expected the inlined module as base64"), "{error}");
    }

    #[test]
    fn text_without_a_module_is_refused() {
        assert!(matches!(extract_module("exports.x = 1;\n"), Err(BundleError::NoModule)));
    }

    #[test]
    fn a_hand_written_bundle_loads_and_checks_the_hash() {
        let dist = temp("ok");
        write_bundle(&dist, "A", "exports.onExecutePostLogin = async () => {};", &[("X", true)]).unwrap();
        let bundle = Bundle::load(&dist, "A").unwrap();
        assert_eq!(bundle.manifest.secrets[0].name, "X");
        std::fs::write(dist.join("A/code.js"), "tampered").unwrap();
        let error = Bundle::load(&dist, "A").unwrap_err().to_string();
        assert!(error.contains("rebuild the bundle"), "{error}");
    }

    #[test]
    fn unknown_manifest_keys_are_refused() {
        let dist = temp("strict");
        write_bundle(&dist, "A", "x", &[]).unwrap();
        let path = dist.join("A/manifest.json");
        let mut value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        value["runtim"] = "node18".into();
        std::fs::write(&path, value.to_string()).unwrap();
        let error = Bundle::load(&dist, "A").unwrap_err().to_string();
        assert!(error.contains("unknown field `runtim`"), "{error}");
    }

    #[test]
    fn missing_bundle_says_how_to_build() {
        let error = Bundle::load(&temp("missing"), "A").unwrap_err().to_string();
        assert!(error.contains("cargo xtask build"), "{error}");
    }
}
