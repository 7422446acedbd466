//! The `runner` command line, as a library: `main.rs` calls [`main`] with no Actions
//! compiled in; a binary that links Actions crates (this workspace's native loop,
//! `crates/native-runner`) passes theirs, and `--native` runs them without a module.
//!
//! One module per subcommand: its flags (doc comments are the help text) and its printing.
//! Exit codes: 0 all good, 1 a check failed, 2 the tool could not do its job.

pub mod build;
pub mod bundle;
pub mod deploy;
pub mod export;
pub mod generate;
pub mod merge;
pub mod new;
pub mod remove;
pub mod replay;
pub mod run;
pub mod saml_cert;
pub mod sso_ticket;
pub mod tenant;
pub mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Context;
use auth0_actions::{Registered, Timestamp};
use clap::{Parser, Subcommand};
use harness::{Limits, ModuleInfo, ModuleRunner};

/// Replays Auth0 Actions' events against their WebAssembly modules, offline, and says
/// exactly which `api` calls each event produced; builds, bundles and deploys them.
#[derive(Debug, Parser)]
#[command(name = "runner", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay fixtures and compare each one's effects with its expectations.
    Replay(replay::Args),
    /// Fold the --json reports of a replay's shards (--shard I/N) into the one report a run
    /// over all the input would have written.
    Merge(merge::Args),
    /// Run one Action on one event and print the effects it asks for.
    Run(run::Args),
    /// Write synthetic post-login events as JSON Lines, for load and regression runs.
    #[command(name = "gen")]
    Gen(generate::Args),
    /// Build a crate of Actions: one module per Action, each bundled as code.js beside its
    /// manifest.json and module.wasm.
    Build(build::Args),
    /// Write the deployable code.js and manifest.json of each Action a module holds.
    Bundle(bundle::Args),
    /// Make a new crate of Actions (one example Action, its fixtures, a test), ready to build.
    New(new::Args),
    /// Put the bundles on a tenant: create or update, build, deploy, bind into each trigger's flow.
    Deploy(deploy::Args),
    /// Prove on the tenant that what was replayed is what runs: fixtures through the tenant's
    /// test endpoint and the local module, compared.
    Verify(verify::Args),
    /// Take our Actions out of their flows (other bindings stay, in order) and delete them
    /// from the tenant.
    Remove(remove::Args),
    /// Write the bundles for auth0-deploy-cli (a0deploy) or Terraform.
    Export(export::Args),
    /// Self-service SSO access tickets: let a customer's admin create or edit their
    /// enterprise connection.
    SsoTicket(sso_ticket::Args),
    /// SAML connections' signing certificates: show and watch their expiry, rotate one.
    SamlCert(saml_cert::Args),
}

/// The Actions compiled into this binary, for `--native`.
static NATIVE: OnceLock<&'static [&'static [Registered]]> = OnceLock::new();

/// Runs the command line, with `native` the Actions crates compiled into this binary (each
/// crate's `ACTIONS`; none for the plain `runner`). The first crate plays the part of the
/// build's top level (`dist/<Name>/`): its post-login Actions are the flow a bare event runs
/// through under `--native`, as they are under `--dist`.
pub fn main(native: &'static [&'static [Registered]]) -> ExitCode {
    let _ = NATIVE.set(native);
    // Events may nest up to `json::MAX_DEPTH` levels, and reading, writing and dropping them
    // recurses: the whole command runs on a thread with room for that (reserved address
    // space; only the pages used are ever touched).
    let command = std::thread::Builder::new().stack_size(harness::batch::THREAD_STACK_BYTES).spawn(run);
    match command.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => ExitCode::from(2),
        Err(error) => {
            eprintln!("error: cannot start the runner's thread: {error}");
            ExitCode::from(2)
        }
    }
}

fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay(args) => replay::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Run(args) => run::run(args),
        Command::Gen(args) => generate::run(args),
        Command::Build(args) => build::run(args),
        Command::Bundle(args) => bundle::run(args),
        Command::New(args) => new::run(args),
        Command::Deploy(args) => deploy::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Remove(args) => remove::run(args),
        Command::Export(args) => export::run(args),
        Command::SsoTicket(args) => sso_ticket::run(args),
        Command::SamlCert(args) => saml_cert::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`runner replay | head`): stop quietly, as ripgrep does.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Reads a command line (its words after `runner`) as `runner` would, without running it:
/// how the pipelines under `deploy/ci/` are checked against the real flags. The error is the
/// one the runner would print.
pub fn check_command_line(words: &[String]) -> Result<(), String> {
    Cli::try_parse_from(std::iter::once("runner").chain(words.iter().map(String::as_str))).map(drop).map_err(|error| error.to_string())
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// Which modules to run, and the limits of one call.
#[derive(Debug, clap::Args)]
pub struct ModuleArgs {
    /// The build to run: every bundle under DIR, at any depth (a folder with code.js and
    /// manifest.json), each Action in the very module its code.js inlines. Bare events run
    /// through the post-login Actions directly in DIR (what deploy binds).
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub dist: PathBuf,
    /// Run this module (a module.wasm, or any module of this ABI) instead of --dist;
    /// repeatable.
    #[arg(long = "module", value_name = "FILE")]
    pub modules: Vec<PathBuf>,
    /// Run the module inlined in this bundle (a code.js) instead of --dist, after checking
    /// it against the manifest.json beside it; repeatable.
    #[arg(long = "bundle", value_name = "FILE")]
    pub bundles: Vec<PathBuf>,
    /// Run the Actions' Rust code compiled into this binary instead of modules: no wasm
    /// build, for a fast edit-and-test loop (`cargo xtask replay --native` here; a crate of
    /// your own has `cargo test`). Same projection and answers as the modules; no
    /// instructions are counted and --fuel and --memory do not apply.
    #[arg(long, conflicts_with_all = ["modules", "bundles"])]
    pub native: bool,
    /// Instructions one call may execute.
    #[arg(long, value_name = "N", default_value_t = Limits::default().fuel)]
    pub fuel: u64,
    /// Linear memory one call may use, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub memory: usize,
    /// Wall-clock time one call may take, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 20_000)]
    pub timeout: u64,
}

/// The modules a command runs, and where each came from.
#[derive(Debug)]
pub struct Loaded {
    pub runner: ModuleRunner,
    /// Each module's source, in the order of `runner.modules()`.
    pub sources: Vec<PathBuf>,
}

impl Loaded {
    /// What reports name as the code that ran: one line per module (all of them).
    pub fn describe(&self) -> Vec<String> {
        self.describe_ran(|_| true)
    }

    /// One line per module that holds an Action for which `ran` holds.
    pub fn describe_ran(&self, ran: impl Fn(&str) -> bool) -> Vec<String> {
        if self.runner.is_native() {
            return vec!["native (the Actions' Rust code compiled into this binary; no module)".to_owned()];
        }
        self.used(ran).map(|(info, source)| module_line(source, info)).collect()
    }

    /// The modules (and their sources) that hold an Action for which `ran` holds.
    fn used(&self, ran: impl Fn(&str) -> bool) -> impl Iterator<Item = (&ModuleInfo, &PathBuf)> {
        let runner = &self.runner;
        runner.modules().iter().zip(&self.sources).filter(move |(info, _)| {
            runner.actions().any(|action| ran(&action.name) && runner.module_of(&action.name).is_some_and(|module| std::ptr::eq(module, *info)))
        })
    }

    /// The modules that hold an Action for which `ran` holds, as `--json`'s summary lists
    /// them.
    pub fn modules_json_ran(&self, ran: impl Fn(&str) -> bool) -> Vec<serde_json::Value> {
        self
            .used(ran)
            .map(|(info, source)| (info, Some(source)))
            .map(|(info, source)| {
                let mut module = serde_json::to_value(info).unwrap_or_default();
                if let (serde_json::Value::Object(object), Some(source)) = (&mut module, source) {
                    object.insert("source".to_owned(), serde_json::Value::String(source.display().to_string()));
                }
                module
            })
            .collect()
    }

    /// The sha256 of every module loaded, in load order (a report's `run.loaded`).
    pub fn loaded_sha256(&self) -> Vec<String> {
        self.runner.modules().iter().map(|info| info.sha256.clone()).collect()
    }
}

/// `module PATH (N bytes, sha256 S)`.
pub fn module_line(source: &Path, info: &ModuleInfo) -> String {
    format!("module {} ({} bytes, sha256 {})", source.display(), info.size, info.sha256)
}

impl ModuleArgs {
    pub fn limits(&self) -> Limits {
        Limits { fuel: self.fuel, memory_bytes: self.memory.saturating_mul(1024 * 1024), time: Duration::from_millis(self.timeout) }
    }

    /// Loads what the flags name: modules, bundles, the native Actions, or every bundle of
    /// the build under --dist.
    pub fn load(&self) -> anyhow::Result<Loaded> {
        let limits = self.limits();
        if self.native {
            let native = NATIVE.get().copied().unwrap_or_default();
            if native.is_empty() {
                anyhow::bail!(
                    "expected Actions compiled into this runner for --native, found none: this `runner` runs modules; \
                     the native loop is a binary that links your Actions crate (`cargo xtask replay --native` in this \
                     workspace), or your crate's `cargo test` with harness::ModuleRunner::native"
                );
            }
            let mut runner = ModuleRunner::native(native, limits).context("cannot load the native Actions")?;
            let top: Vec<&str> = native.first().map(|first| first.iter().map(|action| action.name).collect()).unwrap_or_default();
            let flow = runner.default_flow().into_iter().filter(|name| top.contains(&name.as_str())).collect();
            runner.set_default_flow(flow);
            return Ok(Loaded { runner, sources: vec![PathBuf::from("native")] });
        }
        let mut runner = ModuleRunner::empty(limits);
        let mut sources = Vec::new();
        if !self.modules.is_empty() || !self.bundles.is_empty() {
            for path in &self.modules {
                let bytes = std::fs::read(path).with_context(|| format!("cannot read the module {}", path.display()))?;
                runner.add_module(&bytes).with_context(|| format!("cannot load {}", path.display()))?;
                sources.push(path.clone());
            }
            for code in &self.bundles {
                let bytes = ::deploy::Bundle::read(code)?.module().with_context(|| format!("{}: cannot take the module out", code.display()))?;
                runner.add_module(&bytes).with_context(|| format!("cannot load {}", code.display()))?;
                sources.push(code.clone());
            }
            return Ok(Loaded { runner, sources });
        }
        let found = ::deploy::bundle::find(&self.dist, ::deploy::bundle::Depth::Any).with_context(|| {
            format!("cannot read the build {}: build it first with `runner build` (`cargo xtask build` in this workspace)", self.dist.display())
        })?;
        if found.is_empty() {
            anyhow::bail!(
                "expected bundles under {} (<Name>/code.js with manifest.json), found none: build them first with `runner build` \
                 (`cargo xtask build` in this workspace)",
                self.dist.display()
            );
        }
        let mut flow = Vec::new();
        for code in found {
            let bundle = ::deploy::Bundle::read(&code)?;
            let bytes = bundle.module().with_context(|| format!("{}: cannot take the module out", code.display()))?;
            // The manifest describes the module (checked by its sha256): compiled when it runs.
            let names = runner
                .add_described(&bytes, vec![bundle.manifest.description.clone()])
                .with_context(|| format!("cannot load {}", code.display()))?;
            let top = code.parent().and_then(Path::parent) == Some(self.dist.as_path());
            if top && bundle.manifest.trigger() == auth0_actions::Trigger::PostLogin.id() {
                flow.extend(names);
            }
            sources.push(code);
        }
        runner.set_default_flow(flow);
        Ok(Loaded { runner, sources })
    }
}

/// `--now`, or the system clock.
pub fn parse_now(now: Option<&str>) -> anyhow::Result<Timestamp> {
    match now {
        Some(text) => Timestamp::parse_js(text).map_err(|error| {
            anyhow::anyhow!("expected --now as an ISO 8601 date such as 2024-09-17T23:58:28.392Z, found {text:?} ({error})")
        }),
        None => {
            let since_epoch =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).context("the system clock is before 1970")?;
            let millis = i64::try_from(since_epoch.as_millis()).context("the system clock is out of range")?;
            Timestamp::from_millis(millis).context("the system clock is out of range")
        }
    }
}

/// `--secret NAME=VALUE` flags as pairs. An error names the secret, never its value.
pub fn parse_secrets(flags: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    flags
        .iter()
        .map(|secret| {
            secret.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).with_context(|| {
                format!(
                    "expected --secret NAME=VALUE, found no '=' in the secret named {:?}",
                    secret.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>()
                )
            })
        })
        .collect()
}

/// Colour only on a terminal, and never when `NO_COLOR` is set.
pub fn use_colour() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
