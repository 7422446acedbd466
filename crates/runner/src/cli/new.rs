//! `runner new DIR`: a crate of Actions to start from, outside any workspace: one Action
//! (`Add_Roles_Claim`), its fixtures, its tests, the pinned toolchain with the wasm target,
//! and the lints it builds under. Its files are this workspace's `templates/actions-crate`,
//! which `cargo xtask test` builds and tests, so what `new` writes always compiles.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to make (it must not exist, or be empty).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The crate's name [default: the folder's name].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The auth0-actions-rs checkout the crate depends on (its crates/auth0-actions and
    /// crates/harness) [default: the one this runner was built from].
    #[arg(long, value_name = "DIR", conflicts_with = "git")]
    pub framework: Option<PathBuf>,
    /// Depend on auth0-actions-rs from this git repository instead.
    #[arg(long, value_name = "URL")]
    pub git: Option<String>,
}

/// The template's files: path in the new crate, text.
const FILES: [(&str, &str); 14] = [
    ("src/lib.rs", include_str!("../../../../templates/actions-crate/src/lib.rs")),
    ("src/add_roles_claim.rs", include_str!("../../../../templates/actions-crate/src/add_roles_claim.rs")),
    ("tests/actions.rs", include_str!("../../../../templates/actions-crate/tests/actions.rs")),
    ("test-events/add-roles-claim/custom-namespace.json", include_str!("../../../../templates/actions-crate/test-events/add-roles-claim/custom-namespace.json")),
    ("test-events/add-roles-claim/no-roles.json", include_str!("../../../../templates/actions-crate/test-events/add-roles-claim/no-roles.json")),
    ("test-events/add-roles-claim/roles-unreadable.json", include_str!("../../../../templates/actions-crate/test-events/add-roles-claim/roles-unreadable.json")),
    ("test-events/add-roles-claim/social-user-unverified.json", include_str!("../../../../templates/actions-crate/test-events/add-roles-claim/social-user-unverified.json")),
    ("test-events/add-roles-claim/unverified-database-user.json", include_str!("../../../../templates/actions-crate/test-events/add-roles-claim/unverified-database-user.json")),
    ("test-events/add-roles-claim/verified-database-user.json", include_str!("../../../../templates/actions-crate/test-events/add-roles-claim/verified-database-user.json")),
    (".cargo/config.toml", include_str!("../../../../templates/actions-crate/.cargo/config.toml")),
    ("rust-toolchain.toml", include_str!("../../../../templates/actions-crate/rust-toolchain.toml")),
    (".gitignore", include_str!("../../../../templates/actions-crate/.gitignore")),
    // Tests may unwrap and index: the lints hold in the Actions.
    ("clippy.toml", include_str!("../../../../templates/actions-crate/clippy.toml")),
    ("README.md", README),
];

/// The crate's own Cargo.toml: the template's member manifest takes these from the workspace.
const MANIFEST: &str = r#"[package]
name = "__NAME__"
version = "0.1.0"
edition = "2024"
rust-version = "1.95"
publish = false

# One WebAssembly module per Action (`runner build`), and an rlib for the tests.
[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
auth0-actions = __FRAMEWORK__

[dev-dependencies]
harness = __HARNESS__
serde_json = "1"

[lints.rust]
unsafe_op_in_unsafe_fn = "deny"
# `runner build` builds the crate once per Action with these (auth0_actions::actions!).
unexpected_cfgs = { level = "warn", check-cfg = ["cfg(auth0_actions_select)", "cfg(auth0_action, values(any()))"] }

# Nothing panics on input: an Action must never fail a login because of data it cannot read.
[lints.clippy]
unwrap_used = "deny"
expect_used = "deny"
panic = "deny"
indexing_slicing = "deny"
unreachable = "deny"
todo = "deny"
unimplemented = "deny"
dbg_macro = "deny"

# The modules: small, with panics as a trap and no unwinding.
[profile.wasm]
inherits = "release"
opt-level = "z"
lto = true
codegen-units = 1
panic = "abort"
strip = true
"#;

const README: &str = r#"# Actions

Auth0 Actions in Rust, on the auth0-actions-rs framework (the `auth0-actions` crate): each
Action is a declaration and a pure function in `src/`, registered in `src/lib.rs`.

    runner build           # dist/<Name>/code.js, manifest.json, module.wasm: one module per Action
    runner replay          # every fixture of test-events/ against those modules
    cargo test             # tests/actions.rs: the fixtures, one event, and the same natively
    runner deploy --dry-run  # what would change on the tenant (AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET)

`runner build --wasm-opt PATH` shrinks each module with binaryen's wasm-opt. Add an Action as a
new file with its `ACTION` const and one line in `auth0_actions::actions!`; its fixtures go in
`test-events/<name in lower case, with hyphens>/`.
"#;

pub fn run(args: Args) -> anyhow::Result<u8> {
    let name = match &args.name {
        Some(name) => name.clone(),
        None => args.dir.file_name().map(|n| n.to_string_lossy().into_owned()).context("expected a folder name for the crate")?,
    };
    let valid = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    if !valid {
        bail!("expected a crate name of lower-case letters, digits, '-' and '_', starting with a letter, found {name:?} (give --name)");
    }
    if args.dir.exists() && std::fs::read_dir(&args.dir).map(|mut entries| entries.next().is_some()).unwrap_or(true) {
        bail!("expected {} not to exist or to be empty, found it with files in it", args.dir.display());
    }
    let (framework, harness) = match (&args.git, &args.framework) {
        (Some(url), _) => (format!("{{ git = {url:?} }}"), format!("{{ git = {url:?} }}")),
        (None, Some(dir)) => dependencies(dir)?,
        (None, None) => dependencies(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
            .context("this runner was built away from its checkout: give --framework DIR or --git URL")?,
    };
    let lib = name.replace('-', "_");
    let manifest = MANIFEST.replace("__NAME__", &name).replace("__FRAMEWORK__", &framework).replace("__HARNESS__", &harness);
    let mut files: Vec<(PathBuf, String)> = vec![(PathBuf::from("Cargo.toml"), manifest)];
    files.extend(FILES.iter().map(|(path, text)| (PathBuf::from(path), text.replace("my_actions::", &format!("{lib}::")))));
    for (path, text) in &files {
        let path = args.dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "created {} ({} files): the crate {name} with one Action, Add_Roles_Claim, and its fixtures", args.dir.display(), files.len())?;
    writeln!(out, "next: cd {} && runner build && runner replay && cargo test", args.dir.display())?;
    Ok(0)
}

/// The dependencies on a checkout's framework and harness, by absolute path.
fn dependencies(checkout: &Path) -> anyhow::Result<(String, String)> {
    let checkout = std::fs::canonicalize(checkout).with_context(|| format!("cannot find the checkout {}", checkout.display()))?;
    let crate_at = |name: &str| -> anyhow::Result<String> {
        let dir = checkout.join("crates").join(name);
        if !dir.join("Cargo.toml").is_file() {
            bail!("expected {} to hold the crate {name}, found no Cargo.toml", dir.display());
        }
        Ok(format!("{{ path = {:?} }}", dir.display().to_string()))
    };
    Ok((crate_at("auth0-actions")?, crate_at("harness")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template's folder in this checkout.
    fn template() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/actions-crate")
    }

    fn files_under(dir: &Path, root: &Path, found: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let relative = path.strip_prefix(root).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
            if relative == "dist" || relative == "target" || relative == "Cargo.toml" {
                continue;
            }
            if path.is_dir() {
                files_under(&path, root, found);
            } else {
                found.push(relative);
            }
        }
    }

    #[test]
    fn new_writes_every_file_of_the_template_as_it_is() {
        let mut on_disk = Vec::new();
        files_under(&template(), &template(), &mut on_disk);
        on_disk.sort();
        let mut written: Vec<String> = FILES.iter().map(|(path, _)| (*path).to_owned()).filter(|path| path != "README.md").collect();
        written.sort();
        assert_eq!(written, on_disk, "FILES must list the template's files (add the new one to FILES)");
        for (path, text) in FILES.iter().filter(|(path, _)| *path != "README.md") {
            let disk = std::fs::read_to_string(template().join(path)).unwrap_or_default();
            assert_eq!(*text, disk, "{path}");
        }
    }

    #[test]
    fn the_new_crate_builds_under_the_workspaces_lints() {
        let workspace = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml")).unwrap_or_default();
        let clippy = workspace.split("[workspace.lints.clippy]").nth(1).and_then(|rest| rest.split("\n\n").next()).unwrap_or_default();
        let lints: Vec<&str> = clippy.lines().filter(|line| line.contains(" = ")).collect();
        assert!(!lints.is_empty());
        for lint in lints {
            assert!(MANIFEST.contains(lint), "the new crate's Cargo.toml lacks `{lint}`");
        }
        // The modules' profile too: the crate's modules are built as this workspace's are.
        let profile = |toml: &str| -> Vec<String> {
            let block = toml.split("[profile.wasm]").nth(1).and_then(|rest| rest.split("\n\n").next()).unwrap_or_default();
            block.lines().map(str::trim).filter(|line| line.contains(" = ")).map(str::to_owned).collect()
        };
        assert!(!profile(&workspace).is_empty());
        assert_eq!(profile(MANIFEST), profile(&workspace), "the new crate's [profile.wasm] is the workspace's");
    }
}
