//! `runner run`: one Action on one event; prints the effects it asks for.

use std::io::{Read, Write};
use std::path::PathBuf;

use actions_core::Action;
use anyhow::Context;
use harness::CallOutcome;
use harness::batch::{known_actions, merge_secrets};
use serde_json::{Value, json};

use super::{ModuleArgs, parse_now, parse_secrets};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Action to run, by its name on the tenant (an unknown name is refused with the
    /// list of the Actions this build holds).
    #[arg(long, value_name = "NAME")]
    pub action: String,
    /// A post-login event as JSON (as the Dashboard's Test tab shows it); - for standard input.
    #[arg(value_name = "EVENT.json")]
    pub event: PathBuf,
    /// A secret the Action reads, as NAME=VALUE; repeatable. Values are never printed.
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    pub secrets: Vec<String>,
    /// The instant of the login (ISO 8601); default: the clock.
    #[arg(long, value_name = "ISO_DATE")]
    pub now: Option<String>,
    #[command(flatten)]
    pub module: ModuleArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let action = Action::from_name(&args.action).with_context(|| {
        format!("expected --action to be one of {}, found {:?}", known_actions(), args.action)
    })?;
    let now = parse_now(args.now.as_deref())?;
    let mut text = Vec::new();
    if args.event.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut text).context("cannot read the event from standard input")?;
    } else {
        text = std::fs::read(&args.event)
            .with_context(|| format!("cannot read the event {}", args.event.display()))?;
    }
    let mut event: Value = harness::batch::read_json(&text)
        .with_context(|| format!("{}: expected a JSON event", args.event.display()))?;
    let Value::Object(object) = &mut event else {
        anyhow::bail!("{}: expected the event to be a JSON object", args.event.display());
    };
    merge_secrets(object, parse_secrets(&args.secrets)?);
    let runner = args.module.load()?;
    let call = runner.call(action, &event, now);
    let (effects, error, code) = match call.outcome {
        CallOutcome::Effects(effects) => (Some(effects), None, 0),
        CallOutcome::Refused(error) => (None, Some(harness::batch::refusal(&error)), 1),
        CallOutcome::Failed(failure) => (None, Some(format!("the module {failure}")), 1),
    };
    let report = json!({
        "action": action.name(),
        "now": now.to_iso_string(),
        "effects": effects,
        "error": error,
        "usage": call.usage,
        "module": runner.info(),
    });
    writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&report)?)?;
    Ok(code)
}
