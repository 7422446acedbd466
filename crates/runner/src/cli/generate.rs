//! `runner gen`: synthetic post-login events, one per line, for load and regression runs.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use crate::generate::{Rng, event};

use super::parse_now;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many events to write.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub count: u64,
    /// The seed: the same seed writes the same events.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// The instant subscription end dates are drawn around (ISO 8601); default: the clock.
    #[arg(long, value_name = "ISO_DATE")]
    pub now: Option<String>,
    /// Where to write the JSON Lines [default: standard output].
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let now = parse_now(args.now.as_deref())?;
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let mut rng = Rng::new(args.seed);
    for index in 0..args.count {
        serde_json::to_writer(&mut out, &event(&mut rng, index, now)).context("cannot write an event")?;
        out.write_all(b"\n").context("cannot write an event")?;
    }
    out.flush().context("cannot write the events")?;
    Ok(0)
}
