//! `runner replay`: every fixture through the module, one line each, then a summary.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use runner::fixture::{Case, discover};
use runner::replay::{FixtureResult, ReplayOptions, Status, Summary, diff, replay_one};

use super::{ModuleArgs, parse_now, use_colour};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Fixture files or folders of them (walked for *.json).
    #[arg(value_name = "PATHS", default_value = "test-events")]
    pub paths: Vec<PathBuf>,
    /// Print JSON Lines: one result per fixture, then {"summary": ...}.
    #[arg(long)]
    pub json: bool,
    /// The instant used by fixtures that do not pin "now" (ISO 8601); default: the clock.
    #[arg(long, value_name = "ISO_DATE")]
    pub now: Option<String>,
    #[command(flatten)]
    pub module: ModuleArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let runner = args.module.load()?;
    let options = ReplayOptions { now: parse_now(args.now.as_deref())? };
    let paths = discover(&args.paths).context("cannot list the fixtures")?;
    if paths.is_empty() {
        anyhow::bail!("expected fixtures (*.json) under {}, found none", show_paths(&args.paths));
    }
    let colour = use_colour();
    let mut out = std::io::stdout().lock();
    let mut summary = Summary::default();
    for path in paths {
        let result = replay_one(&runner, Case::load(&path), path, options);
        summary.add(result.status);
        if args.json {
            writeln!(out, "{}", serde_json::to_string(&result)?)?;
        } else {
            print_result(&mut out, &result, colour)?;
        }
    }
    if args.json {
        writeln!(out, "{}", serde_json::json!({ "summary": summary, "module": runner.info() }))?;
    } else {
        let info = runner.info();
        writeln!(out, "module {} ({} bytes, sha256 {})", args.module.module.display(), info.size, info.sha256)?;
        if summary.errors > 0 {
            writeln!(out, "{} fixture(s) could not be read; counted as failed", summary.errors)?;
        }
        writeln!(out, "{} passed, {} failed", summary.passed, summary.failed + summary.errors)?;
    }
    Ok(summary.exit_code())
}

fn print_result(out: &mut impl Write, result: &FixtureResult, colour: bool) -> std::io::Result<()> {
    let (label, code) = match result.status {
        Status::Pass => ("PASS ", "32"),
        Status::Fail => ("FAIL ", "31"),
        Status::Error => ("ERROR", "31"),
    };
    let label = if colour { format!("\x1b[{code}m{label}\x1b[0m") } else { label.to_owned() };
    let mut line = format!("{label} {}", result.path.display());
    if let Some(action) = &result.action {
        line.push_str(&format!("  {action}"));
    }
    if let Some(usage) = &result.usage {
        line.push_str(&format!(
            "  {} instr  {} KiB  {} µs",
            usage.instructions,
            usage.memory_bytes / 1024,
            usage.micros
        ));
    }
    writeln!(out, "{line}")?;
    if result.status == Status::Pass {
        return Ok(());
    }
    writeln!(out, "      {}: {}", result.name, result.message.as_deref().unwrap_or("failed"))?;
    if let (Some(expected), Some(actual)) = (&result.expected, &result.actual) {
        writeln!(out, "      (- expected, + actual)")?;
        for line in diff(expected, actual) {
            writeln!(out, "      {line}")?;
        }
    }
    Ok(())
}

fn show_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}
