//! `runner deploy`: the bundles onto a tenant through the Management API (see the `deploy`
//! crate); this module reads flags and credentials and prints the plan, the steps and the
//! result. Exit codes: 0 done or nothing to do, 1 Auth0 refused or a build failed, 2 the
//! tool could not run.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use auth0_mgmt::{Client, ClientConfig, Credentials, RetryPolicy, Secret};
use deploy::plan::{Change, PlanOptions};
use deploy::{DeployError, DeployOptions, Placement, Plan, Progress, SecretValues};

#[derive(Debug, clap::Args)]
pub struct Args {
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
    /// Rewrite secrets the tenant already has with the values given (rotation); by default a
    /// secret that exists is left as it is.
    #[arg(long)]
    pub update_secrets: bool,
    /// Runtime: node22 or node18; default: the bundle's manifest.
    #[arg(long, value_name = "RUNTIME", value_parser = ["node22", "node18"])]
    pub runtime: Option<String>,
    /// Bind our Actions after this Action of the flow instead of at its end.
    #[arg(long, value_name = "ACTION")]
    pub bind_after: Option<String>,
    /// Print what would change and touch nothing (reads only).
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON Lines: {"plan": ...}, then {"result": ...} or {"error": ...}.
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for one Action's build.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub build_timeout: u64,
    /// Milliseconds between two looks at a build's status.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub poll_interval: u64,
    /// HTTP exchanges one call may use when rate limited (429), the first included.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_tries: u32,
    /// Longest single wait before a retry, in milliseconds, whatever Retry-After says.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub max_wait: u64,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let bundles = deploy::load_bundles(&args.dist)?;
    let domain = args.domain.clone().context("expected the tenant domain in --domain or AUTH0_DOMAIN, found neither")?;
    let client_id = args.client_id.clone().context("expected the client id in --client-id or AUTH0_CLIENT_ID, found neither")?;
    let client_secret = client_secret(args.client_secret_file.as_deref())?;
    let mut values = SecretValues::from_env(std::env::vars_os());
    if let Some(file) = &args.secrets_file {
        values = values.with_file(file)?;
    }
    let mut scrub: Vec<String> = values.all_values().map(|v| v.expose().to_owned()).collect();
    scrub.push(client_secret.expose().to_owned());
    let scrubber = Scrubber(scrub.into_iter().filter(|v| v.len() >= 6).collect());

    let mut config = ClientConfig::for_domain(&domain)?;
    if let Some(base_url) = &args.base_url {
        config.base_url = base_url.clone();
    }
    config.retry = RetryPolicy {
        max_tries: args.max_tries.max(1),
        base_delay: Duration::from_millis(500).min(Duration::from_millis(args.max_wait)),
        max_wait: Duration::from_millis(args.max_wait),
    };
    let mut client = Client::new(config)?;
    let options = DeployOptions {
        plan: PlanOptions {
            runtime: args.runtime.clone(),
            placement: args.bind_after.clone().map_or(Placement::End, Placement::After),
            update_secrets: args.update_secrets,
        },
        build_timeout: Duration::from_secs(args.build_timeout),
        poll_interval: Duration::from_millis(args.poll_interval),
    };
    let mut out = Output { json: args.json, live: !args.json && std::io::stderr().is_terminal(), scrubber };

    let credentials = Credentials { domain: domain.clone(), client_id, client_secret };
    let result = (|| -> Result<(Plan, Option<deploy::Outcome>), DeployError> {
        out.start("auth", "getting a Management API token");
        let token = client.authenticate(&credentials)?;
        out.done("auth", "token granted");
        let plan = deploy::read_plan(&mut client, &bundles, &values, &options, &mut out)?;
        out.plan(&plan, &domain, args.dry_run);
        if args.dry_run || !plan.changes() {
            return Ok((plan, None));
        }
        // Refuse before the first write rather than stop half-way (e.g. deployed, not bound).
        let missing = plan.missing_scopes(token.scope.as_deref());
        if !missing.is_empty() {
            return Err(DeployError::MissingScopes(missing));
        }
        let outcome = deploy::apply(&mut client, &plan, &options, &mut out)?;
        Ok((plan, Some(outcome)))
    })();
    out.clear_line();
    match result {
        Ok((plan, outcome)) => {
            out.result(&plan, outcome.as_ref(), args.dry_run, client.requests_sent());
            Ok(0)
        }
        Err(error) => {
            out.error(&error);
            Ok(error.exit_code())
        }
    }
}

fn client_secret(file: Option<&std::path::Path>) -> anyhow::Result<Secret> {
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
struct Scrubber(Vec<String>);

impl Scrubber {
    fn clean(&self, text: &str) -> String {
        self.0.iter().fold(text.to_owned(), |text, value| text.replace(value.as_str(), "[redacted]"))
    }
}

struct Output {
    json: bool,
    /// A rewritten progress line on stderr (terminals only).
    live: bool,
    scrubber: Scrubber,
}

impl Output {
    fn say(&self, line: &str) {
        let _ = writeln!(std::io::stdout().lock(), "{}", self.scrubber.clean(line));
    }

    fn clear_line(&self) {
        if self.live {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }

    fn plan(&self, plan: &Plan, domain: &str, dry_run: bool) {
        if self.json {
            self.say(&serde_json::json!({ "plan": plan, "dry_run": dry_run, "domain": domain }).to_string());
            return;
        }
        self.clear_line();
        let heading = if dry_run { "plan (dry run: nothing is changed)" } else { "plan" };
        self.say(&format!("{heading} for {domain}"));
        for action in &plan.actions {
            let what = match &action.change {
                Change::Create { code_sha256 } => format!("create, code sha256 {}, runtime {}", short(code_sha256), action.runtime),
                Change::Update { old_code_sha256, new_code_sha256, reasons } => format!(
                    "update ({}), code sha256 {} → {}",
                    reasons.join(", "),
                    old_code_sha256.as_deref().map_or("none", short),
                    short(new_code_sha256)
                ),
                Change::Unchanged { code_sha256 } => format!("unchanged, code sha256 {}", short(code_sha256)),
            };
            self.say(&format!("  {}: {what}", action.name));
            let s = &action.secrets;
            let mut parts = Vec::new();
            if !s.set.is_empty() {
                parts.push(format!("set {}", s.set.join(", ")));
            }
            if !s.keep.is_empty() {
                parts.push(format!("keep {}", s.keep.join(", ")));
            }
            if !s.unmanaged.is_empty() {
                parts.push(format!("keep unmanaged {}", s.unmanaged.join(", ")));
            }
            if !s.unset_optional.is_empty() {
                parts.push(format!("leave unset (optional, no value) {}", s.unset_optional.join(", ")));
            }
            if !parts.is_empty() {
                self.say(&format!("    secrets: {}", parts.join("; ")));
            }
            if s.relies_on_name_only_keep {
                self.say("    note: secrets without a value are sent by name alone (Auth0 is expected to keep their values; see the README)");
            }
            if action.deploy {
                let why = action.deploy_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
                self.say(&format!("    deploy{why}"));
            }
        }
        let names = |entries: &[deploy::plan::FlowEntry]| {
            if entries.is_empty() { "(empty)".to_owned() } else { entries.iter().map(|e| e.action_name.clone()).collect::<Vec<_>>().join(", ") }
        };
        let b = &plan.bindings;
        if b.changes() {
            self.say(&format!("  {} flow: bind {}", b.trigger, b.bind.join(", ")));
            self.say(&format!("    before: {}", names(&b.before)));
            self.say(&format!("    after:  {}", names(&b.after)));
        } else {
            self.say(&format!("  {} flow: unchanged ({})", b.trigger, names(&b.after)));
        }
    }

    fn result(&self, plan: &Plan, outcome: Option<&deploy::Outcome>, dry_run: bool, requests: u64) {
        if self.json {
            let line = serde_json::json!({
                "result": {
                    "dry_run": dry_run,
                    "changed": outcome.is_some_and(|o| o.changed),
                    "would_change": dry_run && plan.changes(),
                    "outcome": outcome,
                    "requests": requests,
                }
            });
            self.say(&line.to_string());
            return;
        }
        match outcome {
            _ if dry_run && plan.changes() => self.say("dry run: nothing was changed; run without --dry-run to apply"),
            _ if dry_run => self.say("dry run: nothing to do, the tenant is up to date"),
            None => self.say("nothing to do: the tenant already has these Actions, deployed and bound"),
            Some(outcome) => {
                let count = |change: &str| outcome.actions.iter().filter(|a| a.change == change).count();
                let deployed = outcome.actions.iter().filter(|a| a.deployed_version.is_some()).count();
                self.say(&format!(
                    "done: {} created, {} updated, {} deployed, {} bound",
                    count("created"),
                    count("updated"),
                    deployed,
                    outcome.bound.len()
                ));
            }
        }
    }

    fn error(&self, error: &DeployError) {
        let message = self.scrubber.clean(&chain(error));
        if self.json {
            let failures = match error {
                DeployError::BuildFailed(failures) => serde_json::to_value(failures).unwrap_or_default(),
                _ => serde_json::Value::Null,
            };
            self.say(&serde_json::json!({ "error": { "message": message, "exit_code": error.exit_code(), "build_failures": failures } }).to_string());
        }
        let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    }
}

/// The error's message with its chain of causes, as one line.
fn chain(error: &DeployError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

impl Progress for Output {
    fn start(&mut self, subject: &str, step: &str) {
        if self.live {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K… {subject}: {step}");
        }
    }

    fn done(&mut self, subject: &str, step: &str) {
        if self.json {
            return;
        }
        self.clear_line();
        if subject != "auth" && step != "read" {
            self.say(&format!("{subject}: {step}"));
        }
    }
}
