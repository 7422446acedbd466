//! Deployable bundles: one self-contained CommonJS file per Action (`code.js`), the shim of
//! `actions-shim/shim.js` with the Action's own module inlined (brotli, then base64), beside
//! a strict `manifest.json` and the module itself (`module.wasm`). This is the one place
//! that writes them ([`build`], [`Bundle::write`]) and the one place that reads them back and
//! checks them ([`Bundle::read`], [`Bundle::load`], [`Bundle::module`], [`find`]), for the
//! deploy step and for the runner alike. Everything about an Action comes from its module's
//! description ([`ActionInfo`]): there is no table of Actions here.
//!
//! Architecture invariant: the module bytes in every `code.js` are byte-identical to the
//! module the runner replays (`module.wasm` beside it); the manifest's `module_sha256` says
//! so, and [`Bundle::module`] refuses a module whose hash is not the manifest's.

use std::io::Read;
use std::path::{Path, PathBuf};

use auth0_actions::{ActionInfo, sha256_hex};
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

/// The module's file beside `code.js`.
pub const MODULE_FILE: &str = "module.wasm";

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
    #[error("expected the shim template's sections as `// @name {{` ... `// @name }}` lines, found `{line}`")]
    Sections { line: String },
    #[error("cannot compress the module: {0}")]
    Compress(std::io::Error),
    #[error("{name}/code.js is {bytes} bytes, {over} bytes over Auth0's limit of {limit} bytes per Action")]
    TooLarge { name: String, bytes: usize, over: usize, limit: usize },
    #[error("{name}: expected a module that holds this Action, found one that holds {found}")]
    NotInModule { name: String, found: String },
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
    /// Read by the shim only (the Management API's credentials), never by the module.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shim: bool,
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
    pub module_bytes: u64,
    pub code_sha256: String,
    pub code_bytes: u64,
    /// The Action as its module describes it (handlers, event paths, secrets, Management
    /// API): what the runner and verify need without compiling the module first.
    pub description: ActionInfo,
}

impl Manifest {
    /// The manifest of the Action `action` whose file is `code`, inlining `module`.
    fn describe(action: &ActionInfo, module: &[u8], code: &str) -> Manifest {
        Manifest {
            name: action.name.clone(),
            supported_triggers: vec![TriggerRef { id: action.trigger.id.clone(), version: action.trigger.version.clone() }],
            runtime: RUNTIME.to_owned(),
            secrets: action
                .manifest_secrets()
                .into_iter()
                .map(|secret| ManifestSecret { name: secret.name, required: secret.required, note: secret.note, shim: secret.shim })
                .collect(),
            dependencies: Vec::new(),
            module_sha256: sha256_hex(module),
            module_bytes: module.len() as u64,
            code_sha256: sha256_hex(code.as_bytes()),
            code_bytes: code.len() as u64,
            description: action.clone(),
        }
    }

    /// The trigger's id (`post-login`).
    pub fn trigger(&self) -> &str {
        &self.description.trigger.id
    }
}

/// One Action's deployable file and its manifest; once read, checked against each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub manifest: Manifest,
    pub code: String,
    /// The module, when the bundle was just built (a bundle read back takes it out of
    /// `code` with [`Bundle::module`]).
    pub built_module: Option<Vec<u8>>,
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

/// Builds the `code.js` of `action` around `module`, the module that holds it
/// (`encoded` is [`encode_module`]'s result for it).
pub fn build(action: &ActionInfo, module: &[u8], encoded: &Encoded) -> Result<Bundle, BundleError> {
    let module_sha256 = sha256_hex(module);
    let shim_action = serde_json::json!({
        "name": action.name,
        "export": format!("{}{}", auth0_actions::abi::EXPORT_PREFIX, action.name),
        "trigger": action.trigger.id,
        "handlers": action.handlers,
    });
    let template = strip_comment_lines(&sections_for(SHIM_TEMPLATE, action)?);
    for placeholder in [ACTION_PLACEHOLDER, SHA_PLACEHOLDER, MODULE_PLACEHOLDER, PROJECT_PLACEHOLDER] {
        // `__MODULE__` is also a part of `__MODULE_SHA256__`; count it as a whole token.
        let found = template.matches(&format!("{placeholder}'")).count() + template.matches(&format!("{placeholder};")).count();
        if found != 1 {
            return Err(BundleError::Template { placeholder, found });
        }
    }
    let header = format!(
        "// {name}: an Auth0 {trigger} Action (trigger {trigger} {version}, runtime {RUNTIME}), generated by\n\
         // `runner build` from actions-shim/shim.js (its comments explain it) and its module.wasm.\n",
        name = action.name,
        trigger = action.trigger.id,
        version = action.trigger.version,
    );
    let code = header
        + &template
            .replacen(&format!("{ACTION_PLACEHOLDER};"), &format!("{shim_action};"), 1)
            .replacen(&format!("{SHA_PLACEHOLDER}'"), &format!("{module_sha256}'"), 1)
            .replacen(&format!("{MODULE_PLACEHOLDER}'"), &format!("{}'", encoded.base64), 1)
            .replacen(&format!("{PROJECT_PLACEHOLDER};"), &format!("{};", auth0_actions::projection::javascript(action)), 1);
    if code.len() > AUTH0_MAX_CODE_BYTES {
        return Err(BundleError::TooLarge {
            name: action.name.clone(),
            bytes: code.len(),
            over: code.len() - AUTH0_MAX_CODE_BYTES,
            limit: AUTH0_MAX_CODE_BYTES,
        });
    }
    let manifest = Manifest::describe(action, module, &code);
    Ok(Bundle { manifest, code, built_module: Some(module.to_vec()) })
}

/// Drops the template's whole-line `//` comments (the reviewer reads them in
/// `actions-shim/shim.js`); code and end-of-line comments are kept as written.
/// The template's sections that `action` uses: the lines between `// @<name> {` and
/// `// @<name> }` stay only when it uses `<name>` (`management_api`: when it declares the
/// Management API).
fn sections_for(template: &str, action: &ActionInfo) -> Result<String, BundleError> {
    let mut kept = String::with_capacity(template.len());
    let mut open: Option<(&str, bool)> = None;
    for line in template.lines() {
        let marker = line.trim().strip_prefix("// @");
        match (marker.and_then(|m| m.strip_suffix(" {")), marker.and_then(|m| m.strip_suffix(" }")), open) {
            (Some(name), _, None) => open = Some((name, uses(action, name)?)),
            (_, Some(name), Some((opened, _))) if name == opened => open = None,
            (Some(_), _, Some(_)) | (_, Some(_), _) => return Err(BundleError::Sections { line: line.trim().to_owned() }),
            (None, None, Some((_, false))) => {}
            (None, None, _) => {
                kept.push_str(line);
                kept.push('\n');
            }
        }
    }
    match open {
        Some((name, _)) => Err(BundleError::Sections { line: format!("// @{name} {{ (never closed)") }),
        None => Ok(kept),
    }
}

/// Whether `action` uses the shim's section `name`.
fn uses(action: &ActionInfo, name: &str) -> Result<bool, BundleError> {
    match name {
        "management_api" => Ok(action.management_api.is_some()),
        other => Err(BundleError::Sections { line: format!("// @{other} {{ (no such section)") }),
    }
}

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

/// How deep [`find`] looks for bundles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// `dist/<Name>/code.js` only: the Actions a deploy puts on the tenant.
    Top,
    /// At any depth under `dist` (`dist/examples/<Name>/code.js` too): what a replay runs.
    Any,
}

/// The `code.js` of every bundle under `dist` (a folder holding a `manifest.json` and a
/// `code.js`), in a stable order: by folder, sorted.
pub fn find(dist: &Path, depth: Depth) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dist)?.map(|entry| entry.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for dir in entries.into_iter().filter(|path| path.is_dir()) {
        let (code, manifest) = (dir.join("code.js"), dir.join("manifest.json"));
        if manifest.is_file() && code.is_file() {
            found.push(code);
        } else if depth == Depth::Any {
            found.extend(find(&dir, depth)?);
        }
    }
    Ok(found)
}

impl Bundle {
    /// Writes the bundle's files under `dist` ([`paths`]), and its module beside them when it
    /// was just built; returns the path of `code.js`.
    pub fn write(&self, dist: &Path) -> std::io::Result<PathBuf> {
        let (code_path, manifest_path) = paths(dist, &self.manifest.name);
        if let Some(dir) = code_path.parent() {
            std::fs::create_dir_all(dir)?;
            if let Some(module) = &self.built_module {
                std::fs::write(dir.join(MODULE_FILE), module)?;
            }
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
        Ok(Bundle { manifest, code, built_module: None })
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

/// Writes a bundle of any `code` (no module inside) for a post-login Action `name` with these
/// secrets, in the layout the build uses, through [`Bundle::write`]: for deploy tests, and for
/// trying the deploy before the real build exists.
pub fn write_bundle(dist: &Path, name: &str, code: &str, secrets: &[(&str, bool)]) -> std::io::Result<()> {
    write_bundle_for(dist, name, "post-login", code, secrets)
}

/// As [`write_bundle`], for an Action of the trigger `trigger` (its Auth0 id).
pub fn write_bundle_for(dist: &Path, name: &str, trigger: &str, code: &str, secrets: &[(&str, bool)]) -> std::io::Result<()> {
    let known = auth0_actions::Trigger::from_id(trigger).unwrap_or(auth0_actions::Trigger::PostLogin);
    let action = ActionInfo {
        abi: auth0_actions::ABI_VERSION,
        name: name.to_owned(),
        trigger: auth0_actions::describe::TriggerRef { id: known.id().to_owned(), version: known.version().to_owned() },
        handlers: vec![known.execute().to_owned()],
        event_paths: Vec::new(),
        secrets: secrets
            .iter()
            .map(|(secret, required)| auth0_actions::describe::SecretInfo { name: (*secret).to_owned(), required: *required, note: String::new() })
            .collect(),
        management_api: None,
    };
    let manifest = Manifest::describe(&action, b"", code);
    Bundle { manifest, code: code.to_owned(), built_module: None }.write(dist).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth0_actions::describe::{ManagementApiInfo, SecretInfo};

    const FAKE_MODULE: &[u8] = b"\0asm\x01\0\0\0 not really a module, but bytes to carry";

    fn action(name: &str, trigger: auth0_actions::Trigger, management: bool) -> ActionInfo {
        ActionInfo {
            abi: auth0_actions::ABI_VERSION,
            name: name.to_owned(),
            trigger: auth0_actions::describe::TriggerRef { id: trigger.id().into(), version: trigger.version().into() },
            handlers: vec![trigger.execute().to_owned()],
            event_paths: vec!["user.user_id".into()],
            secrets: vec![SecretInfo { name: "ROLE_ID".into(), required: true, note: "a role".into() }],
            management_api: management.then(|| ManagementApiInfo { scopes: vec!["create:organization_member_roles".into()] }),
        }
    }

    fn actions() -> Vec<ActionInfo> {
        vec![
            action("Manage_Subscription", auth0_actions::Trigger::PostLogin, false),
            action("Limit_M2M_Scopes", auth0_actions::Trigger::CredentialsExchange, false),
        ]
    }

    #[test]
    fn the_management_api_code_is_only_in_the_bundles_of_actions_that_declare_it() {
        let encoded = encode_module(FAKE_MODULE).unwrap();
        let with = build(&action("With", auth0_actions::Trigger::PostLogin, true), FAKE_MODULE, &encoded).unwrap();
        let without = build(&action("Without", auth0_actions::Trigger::PostLogin, false), FAKE_MODULE, &encoded).unwrap();
        for code in [&with.code, &without.code] {
            assert!(!code.contains("@management_api"), "the markers are never shipped");
        }
        assert!(with.code.contains("async function managementApi(") && with.code.contains("effect.management_api"));
        assert!(!without.code.contains("managementApi") && !without.code.contains("POLICY"), "{}", without.code);
        assert!(without.code.len() + 2000 < with.code.len(), "{} vs {}", without.code.len(), with.code.len());
        let action = action("A", auth0_actions::Trigger::PostLogin, false);
        for (template, line) in [
            ("a\n// @management_api {\nb\n", "// @management_api { (never closed)"),
            ("// @management_api }\n", "// @management_api }"),
            ("// @nothing {\n// @nothing }\n", "// @nothing { (no such section)"),
        ] {
            assert!(sections_for(template, &action).unwrap_err().to_string().contains(line), "{template}");
        }
        assert_eq!(sections_for("a\n  // @management_api {\nb\n  // @management_api }\nc\n", &action).unwrap(), "a\nc\n");
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("deploy-bundle-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_module_round_trips_through_the_bundle() {
        let encoded = encode_module(FAKE_MODULE).unwrap();
        for action in actions() {
            let bundle = build(&action, FAKE_MODULE, &encoded).unwrap();
            assert_eq!(bundle.module().unwrap(), FAKE_MODULE);
            assert_eq!(bundle.manifest.code_bytes, bundle.code.len() as u64);
            assert!(!bundle.code.contains("__"), "a placeholder is left in {}", action.name);
            assert!(bundle.code.contains(&format!("\"name\":\"{}\"", action.name)));
            assert!(bundle.code.contains(&format!("\"handlers\":[\"{}\"]", action.handlers[0])));
            assert_eq!(bundle.manifest.supported_triggers[0].id, action.trigger.id);
        }
    }

    #[test]
    fn the_manifest_lists_decision_and_shim_secrets_in_order() {
        let encoded = encode_module(FAKE_MODULE).unwrap();
        let manifest = build(&action("Set_Default_Member_Role", auth0_actions::Trigger::PostLogin, true), FAKE_MODULE, &encoded).unwrap().manifest;
        let names: Vec<&str> = manifest.secrets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["ROLE_ID", "domain", "clientId", "clientSecret"]);
        assert!(manifest.secrets[3].shim && !manifest.secrets[0].shim);
        assert!(manifest.secrets[2].note.contains("create:organization_member_roles"), "{:?}", manifest.secrets[2]);
        let json = serde_json::to_value(&manifest).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "name", "supported_triggers", "runtime", "secrets", "dependencies", "module_sha256", "module_bytes", "code_sha256",
                "code_bytes", "description"
            ]
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
        let error = build(&actions()[0], &big, &encoded).unwrap_err().to_string();
        assert!(error.contains("bytes over Auth0's limit of 100000 bytes per Action"), "{error}");
    }

    #[test]
    fn a_written_bundle_reads_back_and_a_changed_one_is_refused() {
        let dist = temp("changed");
        let encoded = encode_module(FAKE_MODULE).unwrap();
        let bundle = build(&actions()[0], FAKE_MODULE, &encoded).unwrap();
        let code_path = bundle.write(&dist).unwrap();
        assert_eq!(std::fs::read(dist.join("Manage_Subscription").join(MODULE_FILE)).unwrap(), FAKE_MODULE);
        let read = Bundle::load(&dist, "Manage_Subscription").unwrap();
        assert_eq!(read, Bundle { built_module: None, ..bundle.clone() });
        assert_eq!(find(&dist, Depth::Top).unwrap(), std::slice::from_ref(&code_path));
        assert_eq!(read.module().unwrap(), FAKE_MODULE);
        std::fs::write(&code_path, bundle.code.replace("'use strict';", "'use strict'; ")).unwrap();
        let error = Bundle::read(&code_path).unwrap_err().to_string();
        assert!(error.contains("the file was changed after bundling; rebuild the bundle"), "{error}");
        std::fs::remove_dir_all(&dist).unwrap();
    }

    #[test]
    fn a_module_that_is_not_the_manifests_is_refused() {
        let encoded = encode_module(FAKE_MODULE).unwrap();
        let mut bundle = build(&actions()[0], FAKE_MODULE, &encoded).unwrap();
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
