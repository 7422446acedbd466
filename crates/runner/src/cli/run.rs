//! `runner run`: one handler of one Action on one event; prints the effects it asks for.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use harness::batch::{merge_secrets, refusal};
use harness::{Call, CallOutcome, FixtureAnswer, ListAnswers};
use serde_json::{Value, json};

use super::{ModuleArgs, parse_now, parse_secrets};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Action to run, by its name on the tenant (an unknown name is refused with the
    /// list of the Actions loaded).
    #[arg(long, value_name = "NAME")]
    pub action: String,
    /// The trigger's event as JSON (as the Dashboard's Test tab shows it); - for standard input.
    #[arg(value_name = "EVENT.json")]
    pub event: PathBuf,
    /// The handler to run [default: the trigger's first, onExecutePostLogin, ...];
    /// onContinuePostLogin runs the continuation of a redirect.
    #[arg(long, value_name = "NAME")]
    pub handler: Option<String>,
    /// The answers of the calls that answer (api.cache.get, ...), as a fixture's "answers":
    /// a JSON array of {"api", "args"?, "returns" | "throws"}.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
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
    let now = parse_now(args.now.as_deref())?;
    let mut text = Vec::new();
    if args.event.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut text).context("cannot read the event from standard input")?;
    } else {
        text = std::fs::read(&args.event).with_context(|| format!("cannot read the event {}", args.event.display()))?;
    }
    let mut event: Value =
        harness::batch::read_json(&text).with_context(|| format!("{}: expected a JSON event", args.event.display()))?;
    let Value::Object(object) = &mut event else {
        anyhow::bail!("{}: expected the event to be a JSON object", args.event.display());
    };
    merge_secrets(object, parse_secrets(&args.secrets)?);
    let redactor = harness::batch::Redactor::from_event(&event);
    let answers: Vec<FixtureAnswer> = match &args.answers {
        Some(path) => {
            let text = std::fs::read(path).with_context(|| format!("cannot read the answers {}", path.display()))?;
            serde_json::from_slice(&text).with_context(|| format!("{}: expected a JSON array of answers", path.display()))?
        }
        None => Vec::new(),
    };
    let loaded = args.module.load()?;
    let runner = &loaded.runner;
    let Some(info) = runner.action(&args.action) else {
        anyhow::bail!("expected --action to be one of {}, found {:?}", runner.names(), args.action);
    };
    let handler = args.handler.clone().unwrap_or_else(|| info.execute_handler().to_owned());
    let call = Call { action: &args.action, handler: &handler, event: &event, now, time: runner.limits().time };
    let mut source = ListAnswers::new(&answers);
    let result = runner.run(&call, &mut source);
    let (effects, error, code) = match result.outcome {
        CallOutcome::Effects(effects) => (Some(effects), None, 0),
        CallOutcome::Refused(error) => (None, Some(refusal(&error)), 1),
        CallOutcome::Failed(failure) => (None, Some(format!("the module {failure}")), 1),
    };
    let mut report = json!({
        "action": args.action,
        "handler": handler,
        "now": now.to_iso_string(),
        "effects": effects,
        "error": error,
        "usage": result.usage,
        "module": runner.module_of(&args.action),
    });
    redactor.value(&mut report);
    writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&report)?)?;
    Ok(code)
}
