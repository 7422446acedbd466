//! What every command that talks to a tenant shares: the flags that say which tenant and how
//! to reach it, the client built from them, and the scrubbing of known secret values from
//! everything printed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use auth0_mgmt::{Client, ClientConfig, Credentials, RetryPolicy, Secret};
use deploy::SecretValues;

/// Which tenant, with which credentials, and where the bundles are.
#[derive(Debug, clap::Args)]
pub struct TenantArgs {
    /// Where `cargo xtask build` put the bundles (<DIR>/<Action>/code.js and manifest.json).
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub dist: PathBuf,
    /// The tenant's domain, e.g. example.eu.auth0.com.
    #[arg(long, env = "AUTH0_DOMAIN", value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// The machine-to-machine client's id. Its secret comes from AUTH0_CLIENT_SECRET or
    /// --client-secret-file, never from a flag (flags show in process lists).
    #[arg(long, env = "AUTH0_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,
    /// A file holding the client secret (first line), instead of AUTH0_CLIENT_SECRET.
    #[arg(long, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,
    /// The Management API's base URL; default https://DOMAIN (http:// only to the loopback
    /// interface, for tests).
    #[arg(long, env = "AUTH0_MANAGEMENT_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// Secret values: JSON ({"SECRET": "v", "Action": {"SECRET": "v"}}) or KEY=VALUE lines
    /// (SECRET=v, Action.SECRET=v). Env AUTH0_SECRET_<Action>_<SECRET> and
    /// AUTH0_SECRET_<SECRET> take precedence.
    #[arg(long, value_name = "FILE")]
    pub secrets_file: Option<PathBuf>,
    /// HTTP exchanges one call may use when rate limited (429), the first included.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_tries: u32,
    /// Longest single wait before a retry, in milliseconds, whatever Retry-After says.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub max_wait: u64,
}

/// A client for the tenant, not yet authenticated, and what goes with it.
#[derive(Debug)]
pub struct Tenant {
    pub client: Client,
    pub credentials: Credentials,
    pub domain: String,
    pub values: SecretValues,
    pub scrubber: Scrubber,
}

impl TenantArgs {
    pub fn connect(&self) -> anyhow::Result<Tenant> {
        let domain = self.domain.clone().context("expected the tenant domain in --domain or AUTH0_DOMAIN, found neither")?;
        let client_id = self.client_id.clone().context("expected the client id in --client-id or AUTH0_CLIENT_ID, found neither")?;
        let client_secret = client_secret(self.client_secret_file.as_deref())?;
        let mut values = SecretValues::from_env(std::env::vars_os());
        if let Some(file) = &self.secrets_file {
            values = values.with_file(file)?;
        }
        let mut scrub: Vec<String> = values.all_values().map(|v| v.expose().to_owned()).collect();
        scrub.push(client_secret.expose().to_owned());
        let scrubber = Scrubber(scrub.into_iter().filter(|v| v.len() >= 6).collect());
        let mut config = ClientConfig::for_domain(&domain)?;
        if let Some(base_url) = &self.base_url {
            config.base_url = base_url.clone();
        }
        config.retry = RetryPolicy {
            max_tries: self.max_tries.max(1),
            base_delay: Duration::from_millis(500).min(Duration::from_millis(self.max_wait)),
            max_wait: Duration::from_millis(self.max_wait),
        };
        let client = Client::new(config)?;
        let credentials = Credentials { domain: domain.clone(), client_id, client_secret };
        Ok(Tenant { client, credentials, domain, values, scrubber })
    }
}

fn client_secret(file: Option<&Path>) -> anyhow::Result<Secret> {
    if let Some(file) = file {
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read the client secret file {}", file.display()))?;
        let secret = text.lines().next().unwrap_or_default().trim();
        anyhow::ensure!(!secret.is_empty(), "expected the client secret on the first line of {}, found an empty line", file.display());
        return Ok(Secret::new(secret));
    }
    match std::env::var("AUTH0_CLIENT_SECRET") {
        Ok(secret) if !secret.is_empty() => Ok(Secret::new(secret)),
        _ => anyhow::bail!("expected the client secret in AUTH0_CLIENT_SECRET or --client-secret-file, found neither"),
    }
}

/// Replaces known secret values in anything printed: a second line of defence, since no
/// message is built from a value in the first place.
#[derive(Debug)]
pub struct Scrubber(Vec<String>);

impl Scrubber {
    pub fn clean(&self, text: &str) -> String {
        self.0.iter().fold(text.to_owned(), |text, value| text.replace(value.as_str(), "[redacted]"))
    }

    /// Prints one line on standard output, scrubbed.
    pub fn say(&self, line: &str) {
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), "{}", self.clean(line));
    }
}

/// The error's message with its chain of causes, as one line.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
