//! What every command that talks to a tenant shares: the flags that say which tenant and how
//! to reach it, the client built from them, and the scrubbing of known secret values from
//! everything printed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use auth0_mgmt::{Client, ClientConfig, Credentials, RetryPolicy, Secret};
use deploy::SecretValues;
use harness::batch::Redactor;

/// Which tenant, and with which credentials: the flags of every command that talks to one.
#[derive(Debug, clap::Args)]
pub struct ConnectArgs {
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
    /// HTTP exchanges one call may use when rate limited (429), the first included.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_tries: u32,
    /// Longest single wait before a retry, in milliseconds, whatever Retry-After says.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub max_wait: u64,
}

/// A client for the tenant, not yet authenticated, and the scrubber of everything printed.
#[derive(Debug)]
pub struct Connected {
    pub client: Client,
    pub credentials: Credentials,
    pub domain: String,
    pub scrubber: Scrubber,
}

impl ConnectArgs {
    /// The client, with `known` (secret values the command holds) scrubbed from all output
    /// beside the client secret.
    pub fn connect(&self, known: impl IntoIterator<Item = String>) -> anyhow::Result<Connected> {
        let domain = self.domain.clone().context("expected the tenant domain in --domain or AUTH0_DOMAIN, found neither")?;
        let client_id = self.client_id.clone().context("expected the client id in --client-id or AUTH0_CLIENT_ID, found neither")?;
        let client_secret = client_secret(self.client_secret_file.as_deref())?;
        let mut scrubber = Scrubber::default();
        known.into_iter().chain([client_secret.expose().to_owned()]).for_each(|value| scrubber.add(&value));
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
        Ok(Connected { client, credentials, domain, scrubber })
    }

    /// Connects, authenticates, runs `job` (which gives the exit code), and prints a failure
    /// of any step with its exit code.
    pub fn run(&self, json: bool, job: impl FnOnce(&mut Connected) -> Result<u8, Failure>) -> anyhow::Result<u8> {
        let mut tenant = self.connect([])?;
        let result = tenant.client.authenticate(&tenant.credentials).map_err(Failure::from).and_then(|_| job(&mut tenant));
        Ok(result.unwrap_or_else(|failure| report_failure(&failure, json, &tenant.scrubber)))
    }
}

/// Which tenant, with which credentials, and where the bundles are.
#[derive(Debug, clap::Args)]
pub struct TenantArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Where `runner build` put the bundles (<DIR>/<Action>/code.js and manifest.json); only
    /// the folders directly under it are deployed.
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub dist: PathBuf,
    /// Secret values: JSON ({"SECRET": "v", "Action": {"SECRET": "v"}}) or KEY=VALUE lines
    /// (SECRET=v, Action.SECRET=v). Env AUTH0_SECRET_<Action>_<SECRET> and
    /// AUTH0_SECRET_<SECRET> take precedence.
    #[arg(long, value_name = "FILE")]
    pub secrets_file: Option<PathBuf>,
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
        let mut values = SecretValues::from_env(std::env::vars_os());
        if let Some(file) = &self.secrets_file {
            values = values.with_file(file)?;
        }
        let known: Vec<String> = values.all_values().map(|v| v.expose().to_owned()).collect();
        let Connected { client, credentials, domain, scrubber } = self.connect.connect(known)?;
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
/// message is built from a value in the first place. The same [`Redactor`] as a replay's
/// reports, scrubbing values from 6 characters up from inside lines (shorter ones are
/// likelier ordinary words in a sentence about a tenant).
#[derive(Debug)]
pub struct Scrubber(Redactor);

/// Shorter secret values are redacted only where they stand alone.
const SCRUB_INSIDE_FROM_CHARS: usize = 6;

impl Default for Scrubber {
    fn default() -> Self {
        Scrubber(Redactor::scrubbing_inside_from(SCRUB_INSIDE_FROM_CHARS))
    }
}

impl Scrubber {
    /// Scrubs this value too from now on.
    pub fn add(&mut self, value: &str) {
        self.0.add(value);
    }

    /// Prints one line on standard error, scrubbed.
    pub fn warn(&self, line: &str) {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "{}", self.clean(line));
    }

    /// `text` with every known secret replaced by `[redacted]`.
    pub fn clean(&self, text: &str) -> String {
        self.0.text(text)
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

/// Why a tenant chore stopped, and its exit code: 1 when Auth0 refused or what the tenant
/// holds does not allow the job (nothing matches, a check failed), 2 when the tool could not
/// do it (flags, files, the network, an answer it cannot read).
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub exit_code: u8,
}

impl Failure {
    /// The tenant's state or a check refuses the job: exit 1.
    pub fn refused(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), exit_code: 1 }
    }

    /// The tool could not do the job: exit 2.
    pub fn could_not(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), exit_code: 2 }
    }
}

impl From<auth0_mgmt::ApiError> for Failure {
    fn from(error: auth0_mgmt::ApiError) -> Failure {
        let exit_code = if error.is_refusal() { 1 } else { 2 };
        Failure { message: chain(&error), exit_code }
    }
}

/// Prints a failure (scrubbed; as `{"error": ...}` too with `--json`) and gives its exit code.
pub fn report_failure(failure: &Failure, json: bool, scrubber: &Scrubber) -> u8 {
    let message = scrubber.clean(&failure.message);
    if json {
        scrubber.say(&serde_json::json!({"error": {"message": message, "exit_code": failure.exit_code}}).to_string());
    }
    scrubber.warn(&format!("error: {message}"));
    failure.exit_code
}

/// A connection named on the command line: `con_...` is an id (Auth0's names cannot hold
/// `_`), anything else an exact name.
pub fn find_connection(client: &mut Client, reference: &str) -> Result<auth0_mgmt::connections::Connection, Failure> {
    if reference.starts_with("con_") {
        return Ok(client.get_connection(reference)?);
    }
    let filter = auth0_mgmt::connections::ConnectionFilter { name: Some(reference), strategy: None };
    let found: Vec<_> = client.list_connections(&filter)?.into_iter().filter(|c| c.name == reference).collect();
    match <[_; 1]>::try_from(found) {
        Ok([one]) => Ok(client.get_connection(&one.id)?),
        Err(found) if found.is_empty() => {
            Err(Failure::refused(format!("expected a connection named {reference:?} on the tenant, found none")))
        }
        Err(found) => Err(Failure::refused(format!(
            "expected one connection named {reference:?}, found {}: {}; pass its id instead",
            found.len(),
            found.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}
