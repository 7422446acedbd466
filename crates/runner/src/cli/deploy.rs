//! `runner deploy`: the bundles onto a tenant through the Management API (see the `deploy`
//! crate), each Action bound into its own trigger's flow; this module reads flags and
//! credentials and prints the plan, the steps and the result. Exit codes: 0 done or nothing to do, 1 Auth0 refused or a build failed, 2 the
//! tool could not run.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::Context;
use deploy::plan::{Change, PlanOptions};
use deploy::{DeployError, DeployOptions, Place, Placement, Plan, Progress};

use super::tenant::{Scrubber, Tenant, TenantArgs, chain};
use super::verify::VerifyArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub tenant: TenantArgs,
    /// Rewrite secrets the tenant already has with the values given (rotation); by default a
    /// secret that exists is left as it is.
    #[arg(long)]
    pub update_secrets: bool,
    /// Runtime: node22 or node18; default: the bundle's manifest.
    #[arg(long, value_name = "RUNTIME", value_parser = ["node22", "node18"])]
    pub runtime: Option<String>,
    /// Bind our Actions not placed with --place after this Action of their flow, instead of
    /// at its end (each after the one of ours before it).
    #[arg(long, value_name = "ACTION")]
    pub bind_after: Option<String>,
    /// Where one of our Actions goes in its flow: NAME=first, NAME=last, NAME=before:OTHER
    /// or NAME=after:OTHER (directly before or after that Action); repeatable. An Action
    /// bound elsewhere in its flow is moved there; one already there stays.
    #[arg(long = "place", value_name = "NAME=WHERE")]
    pub places: Vec<String>,
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
    /// After the deploy, prove on the tenant that what was replayed is what runs: the same
    /// events through the tenant's test endpoint and the local module, compared (as
    /// `runner verify`).
    #[arg(long)]
    pub verify: bool,
    #[command(flatten)]
    pub verify_args: VerifyArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let bundles = deploy::load_bundles(&args.tenant.dist)?;
    let places = args
        .places
        .iter()
        .map(|flag| {
            let (name, place) = flag.split_once('=').with_context(|| format!("expected --place NAME=WHERE, found {flag:?}"))?;
            let place = Place::parse(place).with_context(|| {
                format!("expected --place {name}=first, =last, =before:OTHER or =after:OTHER, found {place:?}")
            })?;
            Ok((name.to_owned(), place))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let Tenant { mut client, credentials, domain, values, scrubber } = args.tenant.connect()?;
    let options = DeployOptions {
        plan: PlanOptions {
            runtime: args.runtime.clone(),
            placement: args.bind_after.clone().map_or(Placement::End, Placement::After),
            places,
            update_secrets: args.update_secrets,
        },
        build_timeout: Duration::from_secs(args.build_timeout),
        poll_interval: Duration::from_millis(args.poll_interval),
    };
    let mut out = Output { json: args.json, live: !args.json && std::io::stderr().is_terminal(), scrubber };

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
        let outcome = deploy::apply(&mut client, &bundles, &plan, &options, &mut out)?;
        Ok((plan, Some(outcome)))
    })();
    out.clear_line();
    match result {
        Ok((plan, outcome)) => {
            out.result(&plan, outcome.as_ref(), args.dry_run, client.requests_sent());
            if args.verify && !args.dry_run {
                let mut tenant = Tenant { client, credentials, domain, values, scrubber: out.scrubber };
                return super::verify::verify_on(&mut tenant, &bundles, &args.verify_args, args.json);
            }
            Ok(0)
        }
        Err(error) => {
            out.error(&error);
            Ok(error.exit_code())
        }
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
        for b in &plan.flows {
            if b.changes() {
                let what: Vec<String> = b.bind.iter().map(|name| format!("bind {name}")).chain(b.moved.iter().map(|name| format!("move {name}"))).collect();
                self.say(&format!("  {} flow: {}", b.trigger, what.join(", ")));
                self.say(&format!("    before: {}", names(&b.before)));
                self.say(&format!("    after:  {}", names(&b.after)));
            } else {
                self.say(&format!("  {} flow: unchanged ({})", b.trigger, names(&b.after)));
            }
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
                let moved = if outcome.moved.is_empty() { String::new() } else { format!(", {} moved", outcome.moved.len()) };
                self.say(&format!(
                    "done: {} created, {} updated, {} deployed, {} bound{moved}",
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
