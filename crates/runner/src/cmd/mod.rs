//! One module per subcommand: its flags (doc comments are the help text) and its printing.

pub mod bundle;
pub mod deploy;
pub mod export;
pub mod generate;
pub mod remove;
pub mod replay;
pub mod run;
pub mod saml_cert;
pub mod sso_ticket;
pub mod tenant;
pub mod verify;

use std::path::PathBuf;
use std::time::Duration;

use actions_core::Timestamp;
use anyhow::Context;
use harness::{Limits, ModuleRunner};

/// Which module to run, and the limits of one call.
#[derive(Debug, clap::Args)]
pub struct ModuleArgs {
    /// The WebAssembly module to run.
    #[arg(long, value_name = "FILE", default_value = runner::DEFAULT_MODULE)]
    pub module: PathBuf,
    /// Run the module inlined in a deployable bundle (a `code.js` written by `runner bundle`)
    /// instead of --module, after checking it against the manifest.json beside it.
    #[arg(long, value_name = "FILE", conflicts_with = "module")]
    pub bundle: Option<PathBuf>,
    /// Run the Actions' Rust code compiled into this runner instead of a module: no wasm
    /// build, for a fast edit-and-test loop. Same projection and answers as the module;
    /// no instructions are counted and --fuel and --memory do not apply.
    #[arg(long, conflicts_with_all = ["module", "bundle"])]
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

impl ModuleArgs {
    /// The file the module is read from: the bundle when `--bundle` is given, for reports.
    pub fn source(&self) -> &std::path::Path {
        self.bundle.as_deref().unwrap_or(&self.module)
    }

    /// What reports name as the code that ran.
    pub fn describe(&self, info: &harness::ModuleInfo) -> String {
        if self.native {
            "native (the Actions' Rust code compiled into this runner; no module)".to_owned()
        } else {
            format!("module {} ({} bytes, sha256 {})", self.source().display(), info.size, info.sha256)
        }
    }

    pub fn load(&self) -> anyhow::Result<ModuleRunner> {
        let limits = Limits {
            fuel: self.fuel,
            memory_bytes: self.memory.saturating_mul(1024 * 1024),
            time: Duration::from_millis(self.timeout),
        };
        if self.native {
            return Ok(ModuleRunner::native(limits));
        }
        let bytes = match &self.bundle {
            Some(code) => ::deploy::Bundle::read(code)?
                .module()
                .with_context(|| format!("{}: cannot take the module out", code.display()))?,
            None => runner::read_module(&self.module)?,
        };
        let source = self.source();
        ModuleRunner::new(&bytes, limits).with_context(|| format!("cannot load {}", source.display()))
    }
}

/// `--now`, or the system clock.
pub fn parse_now(now: Option<&str>) -> anyhow::Result<Timestamp> {
    match now {
        Some(text) => Timestamp::parse_js(text).map_err(|error| {
            anyhow::anyhow!("expected --now as an ISO 8601 date such as 2024-09-17T23:58:28.392Z, found {text:?} ({error})")
        }),
        None => {
            let since_epoch = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .context("the system clock is before 1970")?;
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
