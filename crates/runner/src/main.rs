//! `runner`: build, replay, bundle and deploy Auth0 Actions written in Rust. The command line
//! is the library's ([`runner::cli`]); this binary holds no Actions of its own: it runs
//! whatever modules it is given.

use std::process::ExitCode;

fn main() -> ExitCode {
    runner::cli::main(&[])
}
