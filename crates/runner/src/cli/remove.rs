//! `runner remove`: our Actions out of their triggers' flows (read, merge, write: every other
//! binding stays, in order), then off the tenant (see `deploy::remove`). Only the Actions our
//! manifests name are touched. Exit codes: 0 done or nothing to do, 1 Auth0 refused, 2 the
//! tool could not run.

use std::io::Write;

use deploy::remove::{RemovalOutcome, RemovalPlan, apply_removal, read_removal};
use serde_json::json;

use super::tenant::{Scrubber, TenantArgs, chain};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub tenant: TenantArgs,
    /// Print what would change and touch nothing (reads only).
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON Lines: {"plan": ...}, then {"result": ...} or {"error": ...}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let bundles = deploy::load_bundles(&args.tenant.dist)?;
    let ours: Vec<(String, String)> = bundles.iter().map(|b| (b.name().to_owned(), b.manifest.trigger().to_owned())).collect();
    let mut tenant = args.tenant.connect()?;
    let result = (|| -> Result<(RemovalPlan, Option<RemovalOutcome>), deploy::DeployError> {
        tenant.client.authenticate(&tenant.credentials)?;
        let plan = read_removal(&mut tenant.client, &ours)?;
        print_plan(&plan, &tenant.domain, args.dry_run, args.json, &tenant.scrubber);
        if args.dry_run || !plan.changes() {
            return Ok((plan, None));
        }
        let outcome = apply_removal(&mut tenant.client, &plan)?;
        Ok((plan, Some(outcome)))
    })();
    let say = |line: &str| tenant.scrubber.say(line);
    match result {
        Ok((plan, outcome)) => {
            if args.json {
                say(&json!({"result": {"dry_run": args.dry_run, "would_change": args.dry_run && plan.changes(), "outcome": outcome, "requests": tenant.client.requests_sent()}}).to_string());
            } else {
                match outcome {
                    _ if args.dry_run && plan.changes() => say("dry run: nothing was changed; run without --dry-run to apply"),
                    None => say("nothing to do: none of our Actions is on the tenant to remove"),
                    Some(outcome) => say(&format!("done: {} unbound, {} deleted", outcome.unbound.len(), outcome.deleted.len())),
                }
                if !plan.left_alone.is_empty() {
                    say(&format!("left alone: {}", plan.left_alone.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", ")));
                }
            }
            Ok(0)
        }
        Err(error) => {
            let message = tenant.scrubber.clean(&chain(&error));
            if args.json {
                say(&json!({"error": {"message": message, "exit_code": error.exit_code()}}).to_string());
            }
            let _ = writeln!(std::io::stderr().lock(), "error: {message}");
            Ok(error.exit_code())
        }
    }
}

fn print_plan(plan: &RemovalPlan, domain: &str, dry_run: bool, json: bool, scrubber: &Scrubber) {
    if json {
        scrubber.say(&json!({"plan": plan, "dry_run": dry_run, "domain": domain}).to_string());
        return;
    }
    let heading = if dry_run { "removal plan (dry run: nothing is changed)" } else { "removal plan" };
    scrubber.say(&format!("{heading} for {domain}"));
    let names = |entries: &[deploy::plan::FlowEntry]| {
        if entries.is_empty() { "(empty)".to_owned() } else { entries.iter().map(|e| e.display_name.clone()).collect::<Vec<_>>().join(", ") }
    };
    for flow in &plan.flows {
        if flow.unbind.is_empty() {
            scrubber.say(&format!("  {} flow: unchanged ({})", flow.trigger, names(&flow.after)));
        } else {
            scrubber.say(&format!("  {} flow: unbind {}", flow.trigger, flow.unbind.join(", ")));
            scrubber.say(&format!("    before: {}", names(&flow.before)));
            scrubber.say(&format!("    after:  {}", names(&flow.after)));
        }
    }
    for deletion in &plan.delete {
        scrubber.say(&format!("  {}: delete ({})", deletion.name, deletion.id));
    }
    for left in &plan.left_alone {
        scrubber.say(&format!("  {}: left alone, {}", left.name, left.reason));
    }
    for name in &plan.absent {
        scrubber.say(&format!("  {name}: not on the tenant"));
    }
}
