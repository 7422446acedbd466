//! `runner replay`: fixtures and recorded events through the module, on every core, results in
//! input order; one line per fixture file (failures only for JSON Lines), then a summary.

mod sinks;

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use harness::batch::{JobResult, RunSettings};
use harness::{ModuleRunner, Status};
use crate::report::{Report, ResultFlags, RunRecord};
use crate::stream::{Input, Progress, Shard, StreamSettings, WorkerPeaks, inputs, replay_in_processes, replay_stream, serve_worker};

use super::{ModuleArgs, parse_now, parse_secrets, use_colour};
use sinks::{Closing, JunitSink, RecordSink, StdoutSink, StdoutStyle};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Fixture files (*.json), JSON Lines files (*.jsonl, *.ndjson: one fixture or bare event
    /// per line; - for standard input), or folders of them [default: test-events]
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// Print JSON Lines: one result per fixture, then {"summary": ...}.
    #[arg(long)]
    pub json: bool,
    /// The instant used by fixtures that do not pin "now" (ISO 8601); default: the clock.
    #[arg(long, value_name = "ISO_DATE")]
    pub now: Option<String>,
    /// Write every event, with what it did now as its expectations, to this JSON Lines file
    /// (secrets redacted); replay it later with --against to see what changed.
    #[arg(long, value_name = "OUT.jsonl")]
    pub record: Option<PathBuf>,
    /// Replay a recording made with --record and show only what changed since.
    #[arg(long, value_name = "RECORDING.jsonl", conflicts_with = "record")]
    pub against: Option<PathBuf>,
    /// Also write a JUnit XML report (for GitHub Actions, GitLab, Jenkins).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Stop at the first failure (in input order).
    #[arg(long)]
    pub fail_fast: bool,
    /// Only fixtures whose name or path contains this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// The Actions bare events run through, in order, comma-separated [default: the
    /// post-login Actions directly in --dist, what deploy binds].
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub flow: Vec<String>,
    /// A secret set on every event, as NAME=VALUE; repeatable (a recording holds none).
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    pub secrets: Vec<String>,
    /// Replay one slice of the input: the events numbered I-1 modulo N (numbered once over
    /// every input, in the order a run reads them, from 0); `runner merge` folds the N
    /// shards' --json reports back into one.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Worker processes [default: every core, or 1 for inputs under 4 MiB]; 1 runs everything
    /// in this process.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Serve as a worker of another replay (internal: batches on stdin, results on stdout).
    #[arg(long, hide = true)]
    pub worker: bool,
    #[command(flatten)]
    pub module: ModuleArgs,
}

/// The instant a replay's workers use, handed down so that every worker agrees.
const WORKER_NOW: &str = "RUNNER_WORKER_NOW";

pub fn run(args: Args) -> anyhow::Result<u8> {
    let loaded = args.module.load()?;
    let runner = &loaded.runner;
    let run_settings = run_settings(&args, runner)?;
    if args.worker {
        let slim = !args.json && args.junit.is_none();
        serve_worker(runner, &run_settings, slim, std::io::stdin().lock(), std::io::stdout().lock())
            .context("the worker could not serve its replay")?;
        return Ok(0);
    }
    let paths = input_paths(&args)?;
    let found = inputs(&paths).context("cannot list the fixtures")?;
    if found.is_empty() {
        anyhow::bail!("expected fixtures (*.json) or JSON Lines (*.jsonl) under {}, found none", show_paths(&paths));
    }
    let jobs = match args.jobs {
        Some(jobs) => jobs.max(1),
        // A worker process compiles the module before its first event: for a small input
        // that costs more than the second core saves.
        None if small(&found) => 1,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let flags = result_flags(&args, &run_settings);
    let settings = StreamSettings { jobs: 1, run: run_settings, shard: args.shard };
    let mut record = args.record.as_deref().map(RecordSink::create).transpose()?;
    let mut junit = args.junit.as_deref().map(JunitSink::create).transpose()?;
    let against = args.against.is_some();
    let style = StdoutStyle { json: args.json, colour: use_colour(), against, progress: std::io::stderr().is_terminal() };
    let mut stdout = StdoutSink::new(style);
    let mut report = Report::default();
    let progress = Progress::default();
    let mut failure: Option<anyhow::Error> = None;
    // The Actions that ran, for the report to name their modules (not every module loaded).
    let mut ran: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();

    let consume = |job: JobResult| {
        let mut result = job.result;
        // Redacting costs a walk of the result: done only where it will be shown.
        if junit.is_some() || stdout.shows(&result) {
            result.redact(&job.redactor);
        }
        report.add(&result);
        for name in result.action.iter().chain(result.flow.iter().flatten()) {
            if !ran.contains(name) {
                ran.insert(name.clone());
            }
        }
        let step = (|| -> anyhow::Result<()> {
            if let Some(record) = &mut record {
                record.add(job.record.as_ref())?;
            }
            if let Some(junit) = &mut junit {
                junit.add(&result)?;
            }
            stdout.add(&result)
        })();
        stdout.progress(&report, &progress);
        if let Err(error) = step {
            failure = Some(error);
            return ControlFlow::Break(());
        }
        if args.fail_fast && result.status != Status::Pass {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    };
    let worker_peaks = stream(runner, &found, &settings, jobs, &progress, consume)?;
    stdout.end_progress();
    if let Some(error) = failure {
        return Err(error);
    }
    let sink_lines = record.map(RecordSink::finish).transpose()?.unwrap_or_default();
    if let Some(junit) = junit {
        junit.finish(&report)?;
    }
    if let Some(peaks) = worker_peaks.filter(|peaks| peaks.total_bytes > 0) {
        report.add_worker_memory(peaks.total_bytes, jobs, peaks.largest_bytes);
    }
    let against = against.then(|| show_paths(&paths));
    let module_lines = loaded.describe_ran(|name| ran.contains(name));
    let modules = loaded.modules_json_ran(|name| ran.contains(name));
    let run = RunRecord {
        shard: args.shard,
        events_numbered: progress.events_numbered.load(std::sync::atomic::Ordering::Relaxed),
        events_in_shard: progress.events_taken.load(std::sync::atomic::Ordering::Relaxed),
        settings: flags,
        loaded: loaded.loaded_sha256(),
    };
    let closing = Closing { modules, module_lines: &module_lines, jobs, against: against.as_deref(), sink_lines, run };
    stdout.finish(&report, closing)?;
    Ok(report.summary.exit_code())
}

/// Streams the jobs of `found` to `consume`, in input order: in this process for one job,
/// else across `jobs` worker processes (this binary again, with `--worker`). Gives the
/// workers' peak memory, when there were workers.
fn stream(
    runner: &ModuleRunner,
    found: &[Input],
    settings: &StreamSettings,
    jobs: usize,
    progress: &Progress,
    consume: impl FnMut(JobResult) -> ControlFlow<()>,
) -> anyhow::Result<Option<WorkerPeaks>> {
    if jobs == 1 {
        replay_stream(runner, found, settings, progress, consume);
        return Ok(None);
    }
    let exe = std::env::current_exe().context("cannot find the runner's own executable to start workers")?;
    let arguments: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let now = settings.run.now.to_iso_string();
    let spawn = || {
        std::process::Command::new(&exe)
            .args(&arguments)
            .arg("--worker")
            .env(WORKER_NOW, &now)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
    };
    let peaks = replay_in_processes(found, jobs, settings.shard, progress, spawn, consume).context("the replay's workers failed")?;
    Ok(Some(peaks))
}

/// The flags that decide how each job runs, as workers get them too.
fn run_settings(args: &Args, runner: &ModuleRunner) -> anyhow::Result<RunSettings> {
    let flow = if args.flow.is_empty() { runner.default_flow() } else { args.flow.clone() };
    if let Some(unknown) = flow.iter().find(|name| runner.action(name).is_none()) {
        anyhow::bail!("expected --flow to list Actions among {}, found {unknown:?}", runner.names());
    }
    let secrets = parse_secrets(&args.secrets)?;
    let now = match std::env::var(WORKER_NOW) {
        Ok(now) if args.worker => parse_now(Some(&now))?,
        _ => parse_now(args.now.as_deref())?,
    };
    Ok(RunSettings {
        now,
        budget: Duration::from_millis(args.module.timeout),
        flow,
        secrets,
        record: args.record.is_some(),
        filter: args.filter.clone(),
    })
}

/// The flags that change results, as the report records them (secrets by name only).
fn result_flags(args: &Args, run: &RunSettings) -> ResultFlags {
    let mut secrets: Vec<String> = run.secrets.iter().map(|(name, _)| name.clone()).collect();
    secrets.sort();
    secrets.dedup();
    ResultFlags {
        now: args.now.as_ref().map(|_| run.now.to_iso_string()),
        flow: run.flow.clone(),
        fuel: args.module.fuel,
        memory_mib: args.module.memory,
        timeout_ms: args.module.timeout,
        filter: args.filter.clone(),
        secrets,
        against: args.against.is_some(),
        fail_fast: args.fail_fast,
    }
}

/// PATHS, or the recording of `--against`, or `test-events`.
fn input_paths(args: &Args) -> anyhow::Result<Vec<PathBuf>> {
    let mut paths = args.paths.clone();
    if let Some(recording) = &args.against {
        if !paths.is_empty() {
            anyhow::bail!("expected either PATHS or --against, found both");
        }
        paths.push(recording.clone());
    } else if paths.is_empty() {
        paths.push(PathBuf::from("test-events"));
    }
    Ok(paths)
}

/// Inputs replayed in one process by default: under 4 MiB (a few thousand events) in all.
fn small(inputs: &[Input]) -> bool {
    const SMALL_BYTES: u64 = 4 * 1024 * 1024;
    let mut total = 0_u64;
    for input in inputs {
        if input.path() == std::path::Path::new("-") {
            return false;
        }
        total = total.saturating_add(std::fs::metadata(input.path()).map_or(0, |m| m.len()));
    }
    total < SMALL_BYTES
}

fn show_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}
