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
    /// Write synthetic post-login events as JSON Lines, for load and regression runs.
    #[command(name = "gen")]
    Gen(cmd::generate::Args),
    /// Write each Action's deployable code.js (the module inlined) and manifest.json.
    Bundle(cmd::bundle::Args),
    /// Put the bundles on a tenant: create or update, build, deploy, bind into post-login.
    Deploy(cmd::deploy::Args),
    /// Prove on the tenant that what was replayed is what runs: fixtures through the tenant's
    /// test endpoint and the local module, compared.
    Verify(cmd::verify::Args),
    /// Take our Actions out of the post-login flow (other bindings stay, in order) and delete
    /// them from the tenant.
    Remove(cmd::remove::Args),
    /// Write the bundles for auth0-deploy-cli (a0deploy) or Terraform.
    Export(cmd::export::Args),
    /// Self-service SSO access tickets: let a customer's admin create or edit their
    /// enterprise connection.
    SsoTicket(cmd::sso_ticket::Args),
    /// SAML connections' signing certificates: show and watch their expiry, rotate one.
    SamlCert(cmd::saml_cert::Args),
}

fn main() -> ExitCode {
    // Events may nest up to `json::MAX_DEPTH` levels, and reading, writing and dropping them
    // recurses: the whole command runs on a thread with room for that (reserved address
    // space; only the pages used are ever touched).
    let command = std::thread::Builder::new().stack_size(harness::batch::THREAD_STACK_BYTES).spawn(run);
    match command.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => ExitCode::from(2),
        Err(error) => {
            eprintln!("error: cannot start the runner's thread: {error}");
            ExitCode::from(2)
        }
    }
}

fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay(args) => cmd::replay::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Gen(args) => cmd::generate::run(args),
        Command::Bundle(args) => cmd::bundle::run(args),
        Command::Deploy(args) => cmd::deploy::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Remove(args) => cmd::remove::run(args),
        Command::Export(args) => cmd::export::run(args),
        Command::SsoTicket(args) => cmd::sso_ticket::run(args),
        Command::SamlCert(args) => cmd::saml_cert::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`runner replay | head`): stop quietly, as ripgrep does.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
