//! `runner`: replay login events against the Actions' module, offline.
//!
//! Exit codes: 0 all good, 1 a check failed, 2 the tool could not do its job.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Replays Auth0 post-login events against the Actions' WebAssembly module, offline, and
/// says exactly which `api` calls each event produced.
#[derive(Debug, Parser)]
#[command(name = "runner", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay fixtures and compare each one's effects with its expectations.
    Replay(cmd::replay::Args),
    /// Run one Action on one event and print the effects it asks for.
    Run(cmd::run::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay(args) => cmd::replay::run(args),
        Command::Run(args) => cmd::run::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
