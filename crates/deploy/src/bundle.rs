//! The bundles `cargo xtask build` writes: `dist/<Action>/code.js` beside a strict
//! `manifest.json`.

use std::path::{Path, PathBuf};

use auth0_mgmt::actions::{Dependency, TriggerRef};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::DeployError;

/// One secret an Action declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSecret {
    pub name: String,
    pub required: bool,
    pub note: String,
}

/// `manifest.json`, beside each `code.js`: `runner bundle` writes it (field order is the
/// file's order), the deploy step and `replay --bundle` read it strictly, these keys and no
/// others.
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

/// An Action ready to deploy: its manifest and its code, checked against each other.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub manifest: Manifest,
    pub code: String,
    /// Hex sha256 of `code` as read (equal to the manifest's).
    pub code_sha256: String,
    pub dir: PathBuf,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl Bundle {
    /// Reads `dir/<name>/manifest.json` and `dir/<name>/code.js`.
    pub fn load(dist: &Path, name: &str) -> Result<Bundle, DeployError> {
        let dir = dist.join(name);
        let manifest_path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&manifest_path).map_err(|source| DeployError::Read {
            path: manifest_path.clone(),
            hint: if source.kind() == std::io::ErrorKind::NotFound { "; build the bundles first with `cargo xtask build`" } else { "" },
            source,
        })?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|error| DeployError::Bundle { path: manifest_path.clone(), detail: error.to_string() })?;
        if manifest.name != name {
            return Err(DeployError::Bundle {
                path: manifest_path,
                detail: format!("expected \"name\": {name:?}, found {:?}", manifest.name),
            });
        }
        let code_path = dir.join("code.js");
        let bytes = std::fs::read(&code_path).map_err(|source| DeployError::Read { path: code_path.clone(), hint: "", source })?;
        let code_sha256 = sha256_hex(&bytes);
        if !code_sha256.eq_ignore_ascii_case(&manifest.code_sha256) || bytes.len() as u64 != manifest.code_bytes {
            return Err(DeployError::Bundle {
                path: code_path,
                detail: format!(
                    "expected {} bytes with sha256 {} (manifest.json), found {} bytes with sha256 {code_sha256}; rebuild the bundle",
                    manifest.code_bytes,
                    manifest.code_sha256,
                    bytes.len()
                ),
            });
        }
        let code = String::from_utf8(bytes)
            .map_err(|_| DeployError::Bundle { path: code_path, detail: "expected UTF-8 JavaScript, found other bytes".to_owned() })?;
        Ok(Bundle { manifest, code, code_sha256, dir })
    }

    pub fn name(&self) -> &str {
        &self.manifest.name
    }
}

/// Writes a bundle in the layout `cargo xtask build` uses (for tests and for people
/// trying the deploy before the real build exists).
pub fn write_bundle(dist: &Path, name: &str, code: &str, secrets: &[(&str, bool)]) -> std::io::Result<()> {
    let dir = dist.join(name);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("code.js"), code)?;
    let manifest = serde_json::json!({
        "name": name,
        "supported_triggers": [{"id": "post-login", "version": "v3"}],
        "runtime": "node22",
        "secrets": secrets.iter().map(|(secret, required)| serde_json::json!({"name": secret, "required": required, "note": ""})).collect::<Vec<_>>(),
        "dependencies": [],
        "module_sha256": sha256_hex(b""),
        "code_sha256": sha256_hex(code.as_bytes()),
        "code_bytes": code.len(),
    });
    std::fs::write(dir.join("manifest.json"), serde_json::to_string_pretty(&manifest).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("deploy-bundle-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn loads_and_checks_the_hash() {
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
