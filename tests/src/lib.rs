//! Support shared by the end-to-end tests (`tests/tests/` and the runner's `tests/cli/`):
//! where the workspace and its build are, the modules of the build and the same Actions
//! natively, events generated from what an Action declares, and temporary folders that clean
//! up after themselves. Nothing here names an Action: what exists is read from the build and
//! from the Actions crates' `ACTIONS`.
//!
//! It fails the way a test fails, by panicking with a message that says what to do.

#![allow(clippy::panic, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use harness::{ActionInfo, Limits, ModuleRunner, Registered};
use serde_json::{Map, Value, json};

/// The instant most fixtures pin, for the ones that do not.
pub const NOW: &str = "2024-09-16T23:58:28.392Z";

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where `cargo xtask build` puts the bundles.
pub fn dist() -> PathBuf {
    root().join("dist")
}

/// Every `module.wasm` under `dist/` (a bundle's folder holds one), sorted.
pub fn module_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, found);
            } else if path.file_name().is_some_and(|name| name == "module.wasm") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&dist(), &mut found);
    assert!(!found.is_empty(), "no modules under {}: build them first with `cargo xtask build`", dist().display());
    found
}

/// Every module of the build, loaded once per test binary, with the default limits. Bare
/// events run through the flow `runner --dist dist` runs them through: the post-login
/// Actions of the top-level bundles (`dist/<Name>/`), in name order.
pub fn deployed() -> &'static ModuleRunner {
    static RUNNER: OnceLock<ModuleRunner> = OnceLock::new();
    RUNNER.get_or_init(|| {
        let mut runner = ModuleRunner::empty(Limits::default());
        let mut flow = Vec::new();
        for path in module_files() {
            let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
            let names = runner.add_module(&bytes).unwrap_or_else(|error| panic!("cannot load {}: {error}", path.display()));
            let top = path.parent().and_then(Path::parent) == Some(dist().as_path());
            for name in names {
                let post_login = runner.action(&name).and_then(ActionInfo::known_trigger) == Some(harness::Trigger::PostLogin);
                if top && post_login {
                    flow.push(name);
                }
            }
        }
        runner.set_default_flow(flow);
        runner
    })
}

/// The Actions crates of this workspace, each one's `ACTIONS`.
pub const CRATES: &[&[Registered]] = &[seed_actions::ACTIONS, example_actions::ACTIONS];

/// The same Actions compiled into the test: the native loop.
pub fn native() -> &'static ModuleRunner {
    static RUNNER: OnceLock<ModuleRunner> = OnceLock::new();
    RUNNER.get_or_init(|| ModuleRunner::native(CRATES, Limits::default()).expect("the native Actions load"))
}

/// The fixtures folder of an Action: `test-events/**/<its name in lower case, hyphens>/`.
pub fn fixtures_folder(action: &ActionInfo) -> Option<PathBuf> {
    fn find(dir: &Path, name: &str) -> Option<PathBuf> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
        entries.sort();
        entries.iter().find(|p| p.file_name().is_some_and(|n| n == name)).cloned().or_else(|| entries.iter().find_map(|p| find(p, name)))
    }
    find(&root().join("test-events"), &action.fixtures_folder())
}

/// A small deterministic generator (xorshift64*): the same events on every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % n.max(1) as u64).unwrap_or(0)
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        items.get(self.below(items.len())).expect("a non-empty list")
    }
}

/// Strings near the ones Actions read: subscriptions, dates, ids, role and domain lists,
/// URLs, protocols, factor names, and odd text.
const STRINGS: &[&str] = &[
    "team;2025-01-31T00:00:00.000Z;active",
    "trial;2024-02-29;active",
    "personal;2025-01-31",
    "enterprise;soon;active",
    "",
    " ",
    "admin",
    "billing-admin, admin",
    "mfa",
    "pwd",
    "rol_1, rol_2,rol_1",
    "14",
    "0",
    "https://example.com/sub",
    "https://profile.example/form",
    "http://x",
    "javascript:alert(1)",
    "oauth2-refresh-token",
    "oauth2-password",
    "oidc-basic-profile",
    "none",
    "login",
    "read:a write:b",
    "read:a",
    "write:b",
    "gold",
    "mailinator.com, Temp-Mail.org",
    "a@mailinator.com",
    "amelie@Sub.Temp-Mail.ORG",
    "no-at-sign",
    "auth0",
    "google-oauth2",
    "org_1",
    "auth0|1",
    "samlp|acme|jane@acme.com",
    "é;\n;\u{2028}\u{0}",
    "\u{3000} Acme \u{feff}",
];

/// A value where an Action expects a scalar: usually a string of the pool, sometimes
/// another type.
fn scalar(rng: &mut Rng) -> Value {
    match rng.below(12) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => json!(rng.below(5)),
        3 => json!(-1.5e300),
        4 => json!([]),
        5 => json!({"nested": [1, {"x": null}]}),
        6 => json!("x".repeat(rng.below(3000))),
        _ => json!(rng.pick(STRINGS)),
    }
}

/// Keys no Action declares, and values of any shape, for the noise around declared ones.
fn noise(rng: &mut Rng) -> (String, Value) {
    let key = rng.pick(&["extra", "user_metadata", "identities", "id", "name", "metadata", "x"]).to_string();
    let value = match rng.below(4) {
        0 => json!({"deep": [[{"a": 1}]], "s": "t"}),
        1 => json!([1, 2, 3]),
        _ => scalar(rng),
    };
    (key, value)
}

/// Sets the declared path `keys` (a declaration's segments, `[]` for a list's elements) in
/// `at`, with odd shapes now and then along the way.
fn set_path(rng: &mut Rng, at: &mut Value, keys: &[&str]) {
    let Some((key, rest)) = keys.split_first() else {
        *at = scalar(rng);
        return;
    };
    if rng.chance(4) {
        // Another type where the path goes on.
        *at = scalar(rng);
        return;
    }
    if *key == "[]" {
        if !at.is_array() {
            *at = Value::Array(Vec::new());
        }
        if let Value::Array(items) = at {
            for _ in 0..rng.below(4) {
                let mut item = Value::Null;
                set_path(rng, &mut item, rest);
                items.push(item);
            }
        }
        return;
    }
    if !at.is_object() {
        *at = Value::Object(Map::new());
    }
    if let Value::Object(object) = at {
        if rng.chance(30) {
            let (extra, value) = noise(rng);
            object.entry(extra).or_insert(value);
        }
        if rng.chance(8) {
            return; // the key absent
        }
        let slot = object.entry((*key).to_owned()).or_insert(Value::Null);
        set_path(rng, slot, rest);
    }
}

/// An event for `action`: every path it declares, with values near the ones it reads (and
/// odd ones now and then), its secrets, and data it does not declare beside them.
pub fn event_for(rng: &mut Rng, action: &ActionInfo) -> Value {
    let mut event = Value::Object(Map::new());
    for path in &action.event_paths {
        let keys: Vec<String> = path
            .split('.')
            .flat_map(|segment| match segment.strip_suffix("[]") {
                Some(key) => vec![key.to_owned(), "[]".to_owned()],
                None => vec![segment.to_owned()],
            })
            .collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        set_path(rng, &mut event, &keys);
    }
    if let Value::Object(object) = &mut event {
        let mut secrets = Map::new();
        for secret in &action.secrets {
            if rng.chance(85) {
                let value = if rng.chance(90) { json!(rng.pick(STRINGS)) } else { scalar(rng) };
                secrets.insert(secret.name.clone(), value);
            }
        }
        object.insert("secrets".to_owned(), Value::Object(secrets));
        for _ in 0..rng.below(3) {
            let (key, value) = noise(rng);
            object.entry(key).or_insert(value);
        }
    }
    event
}

/// A folder under the system's temporary directory, removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        let path = std::env::temp_dir().join(format!("actions-tests-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|error| panic!("cannot create {}: {error}", path.display()));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
