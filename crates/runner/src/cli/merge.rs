//! `runner merge`: the `--json` reports of a replay's shards (`runner replay --shard I/N`),
//! folded into the one report a run over all the input would have written.
//!
//! The reports are checked before anything is written: every one finished (its last line is
//! the summary), one of each shard 1..N, the same modules, the same flags that change results,
//! the same input. Then their event lines are merged by their `index` (each report is already
//! in that order), so memory stays flat whatever the number of events.

use std::collections::BinaryHeap;
use std::cmp::Reverse;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use harness::FixtureResult;

use crate::junit::JunitWriter;
use crate::report::{Measured, Report, ResultFlags, RunRecord, SummaryLine};
use crate::stream::Shard;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shards' reports, as `runner replay --json --shard I/N` writes them; in any order.
    #[arg(value_name = "REPORT.jsonl", required = true)]
    pub reports: Vec<PathBuf>,
    /// Write the merged report to this file (whole, or not at all) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a JUnit XML report, as `runner replay --junit` writes it.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

/// A summary line starts so (its fields are written in this order); an event's, with `"path"`.
const SUMMARY_START: &[u8] = b"{\"summary\":";

/// One shard's report, checked.
#[derive(Debug)]
struct ShardReport {
    path: PathBuf,
    shard: Shard,
    summary: SummaryLine,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let mut reports = Vec::with_capacity(args.reports.len());
    for path in &args.reports {
        reports.push(read_report(path)?);
    }
    check_together(&mut reports)?;
    let Some(first) = reports.first() else { anyhow::bail!("expected at least one report to merge, found none") };
    let run = RunRecord {
        shard: None,
        events_numbered: first.summary.run.events_numbered,
        events_in_shard: first.summary.run.events_numbered,
        settings: first.summary.run.settings.clone(),
        loaded: first.summary.run.loaded.clone(),
    };
    let clock = run.settings.now.is_none();

    let mut out = Output::create(args.output.as_deref())?;
    let mut junit = match &args.junit {
        Some(path) => Some(JunitWriter::create(path).with_context(|| format!("cannot create {}", path.display()))?),
        None => None,
    };
    let mut report = Report::default();
    merge_events(&reports, |result| {
        report.add(&result);
        if let Some(junit) = &mut junit {
            junit.add(&result).context("cannot write the JUnit report")?;
        }
        serde_json::to_writer(&mut out.writer, &result)?;
        out.writer.write_all(b"\n")?;
        Ok(())
    })?;

    report.set_measured(measured(&reports));
    if let Some(junit) = junit {
        junit.finish(&report.summary, report.elapsed()).context("cannot write the JUnit report")?;
    }
    let line = SummaryLine { summary: report.summary, modules: modules(&reports, &run.loaded), stats: report.stats(), run };
    serde_json::to_writer(&mut out.writer, &line)?;
    out.writer.write_all(b"\n")?;
    out.finish()?;

    let summary = report.summary;
    eprintln!(
        "merged {} shard(s) of {} event(s): {} passed, {} failed",
        reports.len(),
        line.run.events_numbered,
        summary.passed,
        summary.failed + summary.errors
    );
    if clock {
        eprintln!("note: the shards ran without --now, each at its own clock's time; pass the same --now to every shard for results that cannot drift");
    }
    Ok(summary.exit_code())
}

/// Reads a report's summary (its last line) and checks that it is a finished shard's.
fn read_report(path: &Path) -> anyhow::Result<ShardReport> {
    let shown = path.display();
    let mut file = File::open(path).with_context(|| format!("cannot read the report {shown}"))?;
    let Some((last, complete)) = last_line(&mut file).with_context(|| format!("cannot read the report {shown}"))? else {
        anyhow::bail!("expected {shown} to be a shard's report (`runner replay --json --shard I/N`), found an empty file");
    };
    if !complete {
        anyhow::bail!("{shown} is truncated: its last line is cut short (did the shard's run stop before the end?)");
    }
    if !last.starts_with(b"{") && std::str::from_utf8(&last).is_ok_and(|text| text.ends_with(" failed")) {
        anyhow::bail!(
            "expected {shown} to be a --json report (`runner replay --json --shard I/N`), found the text report that replay writes \
             without --json"
        );
    }
    if !last.starts_with(SUMMARY_START) {
        let what = if last.starts_with(b"{\"path\":") { "an event's result" } else { "something other than a replay's summary" };
        anyhow::bail!(
            "{shown} is truncated: expected its last line to be the summary a finished `runner replay --json` ends with, \
             found {what} (did the shard's run stop before the end?)"
        );
    }
    let summary: SummaryLine = serde_json::from_slice(&last).map_err(|error| {
        anyhow::anyhow!(
            "expected {shown} to end with the summary of `runner replay --json --shard I/N` (with its \"run\"), found a summary this \
             runner cannot read: {error}"
        )
    })?;
    let run = &summary.run;
    let Some(shard) = run.shard else {
        anyhow::bail!("expected {shown} to be one shard's report (`runner replay --json --shard I/N`), found a whole run's report (no --shard)");
    };
    if run.settings.fail_fast {
        anyhow::bail!(
            "{shown} was written with --fail-fast: each shard stopped at its own first failure, so together they are not what one \
             run would have written; replay the shards without --fail-fast"
        );
    }
    let share = shard.share_of(run.events_numbered);
    if run.events_in_shard != share {
        anyhow::bail!(
            "{shown} is incomplete: shard {shard} of {} event(s) has {share}, found {} replayed",
            run.events_numbered,
            run.events_in_shard
        );
    }
    Ok(ShardReport { path: path.to_owned(), shard, summary })
}

/// The last line of `file` (without its newline), and whether a newline ended it; `None`
/// for an empty file. Reads backwards from the end: a report's summary is its last line.
fn last_line(file: &mut File) -> std::io::Result<Option<(Vec<u8>, bool)>> {
    const CHUNK: u64 = 64 * 1024;
    let len = file.seek(SeekFrom::End(0))?;
    let mut end = len;
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let start = end.saturating_sub(CHUNK);
        let mut chunk = vec![0_u8; usize::try_from(end - start).unwrap_or(0)];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
        let (body, complete) = match tail.strip_suffix(b"\n") {
            Some(body) => (body, true),
            None => (tail.as_slice(), false),
        };
        if let Some(line) = body.rsplit(|&byte| byte == b'\n').next().filter(|line| line.len() < body.len()) {
            return Ok(Some((line.to_vec(), complete)));
        }
        if start == 0 {
            return Ok((!tail.is_empty()).then(|| (body.to_vec(), complete)));
        }
        end = start;
    }
}

/// Sorts the reports by shard and checks they are the N shards of one run.
fn check_together(reports: &mut [ShardReport]) -> anyhow::Result<()> {
    reports.sort_by_key(|report| report.shard.index);
    let Some((first, rest)) = reports.split_first() else { return Ok(()) };
    let count = first.shard.count;
    for report in rest {
        if report.shard.count != count {
            anyhow::bail!(
                "expected the shards of one --shard I/N split, found {} (shard {}) beside {} (shard {})",
                first.path.display(),
                first.shard,
                report.path.display(),
                report.shard
            );
        }
    }
    for pair in reports.windows(2) {
        if let [a, b] = pair
            && a.shard == b.shard
        {
            anyhow::bail!("shard {} is given twice: {} and {}", a.shard, a.path.display(), b.path.display());
        }
    }
    let given: Vec<u64> = reports.iter().map(|report| report.shard.index).collect();
    let missing: Vec<String> = (1..=count).filter(|index| !given.contains(index)).map(|index| format!("{index}/{count}")).collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "expected all {count} shards, found shard(s) {} missing (given: {})",
            missing.join(", "),
            reports.iter().map(|report| report.shard.to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    for report in rest {
        let (a, b) = (&first.summary.run, &report.summary.run);
        let (first_path, path) = (first.path.display(), report.path.display());
        if a.loaded != b.loaded {
            anyhow::bail!(
                "{first_path} and {path} ran different modules (sha256 {} against {}): merge only shards of one build",
                a.loaded.join(", "),
                b.loaded.join(", ")
            );
        }
        if let Some((flag, one, other)) = different_flag(&a.settings, &b.settings) {
            anyhow::bail!("{first_path} and {path} were run with different {flag} ({one} against {other}): their results do not add up to one run's");
        }
        if a.events_numbered != b.events_numbered {
            anyhow::bail!(
                "{first_path} and {path} read different inputs ({} event(s) against {}): expected every shard to replay the same input",
                a.events_numbered,
                b.events_numbered
            );
        }
    }
    Ok(())
}

/// The first flag that changes results on which two runs differ, with both values shown.
fn different_flag(a: &ResultFlags, b: &ResultFlags) -> Option<(&'static str, String, String)> {
    let now = |now: &Option<String>| now.clone().unwrap_or_else(|| "the clock".to_owned());
    let text = |text: &Option<String>| text.as_ref().map_or_else(|| "none".to_owned(), |text| format!("{text:?}"));
    let list = |list: &[String]| if list.is_empty() { "none".to_owned() } else { list.join(",") };
    let yes = |on: bool| if on { "on" } else { "off" }.to_owned();
    let differences = [
        ("--now", a.now != b.now, now(&a.now), now(&b.now)),
        ("--flow", a.flow != b.flow, list(&a.flow), list(&b.flow)),
        ("--fuel", a.fuel != b.fuel, a.fuel.to_string(), b.fuel.to_string()),
        ("--memory", a.memory_mib != b.memory_mib, format!("{} MiB", a.memory_mib), format!("{} MiB", b.memory_mib)),
        ("--timeout", a.timeout_ms != b.timeout_ms, format!("{} ms", a.timeout_ms), format!("{} ms", b.timeout_ms)),
        ("--filter", a.filter != b.filter, text(&a.filter), text(&b.filter)),
        ("--secret names", a.secrets != b.secrets, list(&a.secrets), list(&b.secrets)),
        ("--against", a.against != b.against, yes(a.against), yes(b.against)),
    ];
    // A clock's "now" is not a flag: shards that both used their clock agree.
    differences.into_iter().find(|(_, differ, _, _)| *differ).map(|(flag, _, one, other)| (flag, one, other))
}

/// The merged report's modules: those that ran in any shard, in load order.
fn modules(reports: &[ShardReport], loaded: &[String]) -> Vec<serde_json::Value> {
    let sha = |module: &serde_json::Value| module.get("sha256").and_then(serde_json::Value::as_str).map(str::to_owned);
    let mut merged = Vec::new();
    for wanted in loaded {
        let found = reports.iter().flat_map(|report| &report.summary.modules).find(|module| sha(module).as_ref() == Some(wanted));
        if let Some(module) = found
            && !merged.contains(module)
        {
            merged.push(module.clone());
        }
    }
    merged
}

/// The shards' time and memory: they ran side by side, so the slowest shard's time and the
/// largest peak.
fn measured(reports: &[ShardReport]) -> Measured {
    let stats = || reports.iter().map(|report| &report.summary.stats);
    let seconds = stats().map(|stats| stats.seconds).fold(0.0_f64, f64::max);
    Measured {
        elapsed: Duration::try_from_secs_f64(seconds).unwrap_or_default(),
        peak_memory_bytes: stats().filter_map(|stats| stats.peak_memory_bytes).max(),
        worker_peak_memory_bytes: stats().filter_map(|stats| stats.worker_peak_memory_bytes).max(),
    }
}

/// One shard's event lines, read one at a time.
struct EventLines {
    path: PathBuf,
    shard: Shard,
    reader: BufReader<File>,
    line: u64,
    /// Events read so far, and how many the summary counts.
    events: u64,
    expected: u64,
    last_index: Option<u64>,
}

impl EventLines {
    /// The next event (with its index), or `None` at the summary.
    fn next(&mut self) -> anyhow::Result<Option<(u64, FixtureResult)>> {
        let shown = self.path.display();
        let mut bytes = Vec::new();
        self.reader.read_until(b'\n', &mut bytes).with_context(|| format!("cannot read the report {shown}"))?;
        self.line += 1;
        let line = self.line;
        if bytes.starts_with(SUMMARY_START) || bytes.is_empty() {
            if self.events != self.expected {
                anyhow::bail!("{shown} is inconsistent: its summary counts {} event(s), found {} event line(s)", self.expected, self.events);
            }
            return Ok(None);
        }
        let mut result: FixtureResult = serde_json::from_slice(&bytes).map_err(|error| {
            anyhow::anyhow!("{shown}:{line}: expected an event's result as `runner replay --json` writes it, found {error}")
        })?;
        let shard = self.shard;
        let index = result.index.take().filter(|&index| shard.takes(index)).ok_or_else(|| {
            anyhow::anyhow!("{shown}:{line}: expected an event of shard {shard} (with an \"index\" equal to {} modulo {}), found {}", shard.index - 1, shard.count, match result.index {
                Some(index) => format!("index {index}"),
                None => "none".to_owned(),
            })
        })?;
        if self.last_index.is_some_and(|last| index <= last) {
            anyhow::bail!("{shown}:{line}: expected events in input order, found index {index} after {}", self.last_index.unwrap_or_default());
        }
        self.last_index = Some(index);
        self.events += 1;
        Ok(Some((index, result)))
    }
}

/// Hands every shard's events to `each`, in input order (by `index`).
fn merge_events(reports: &[ShardReport], mut each: impl FnMut(FixtureResult) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let mut lines = Vec::with_capacity(reports.len());
    for report in reports {
        let file = File::open(&report.path).with_context(|| format!("cannot read the report {}", report.path.display()))?;
        let summary = report.summary.summary;
        lines.push(EventLines {
            path: report.path.clone(),
            shard: report.shard,
            reader: BufReader::with_capacity(256 * 1024, file),
            line: 0,
            events: 0,
            expected: u64::try_from(summary.total()).unwrap_or(u64::MAX),
            last_index: None,
        });
    }
    // The next event of each shard, smallest index first.
    let mut next: Vec<Option<FixtureResult>> = Vec::with_capacity(lines.len());
    let mut heap = BinaryHeap::new();
    for (at, shard) in lines.iter_mut().enumerate() {
        match shard.next()? {
            Some((index, result)) => {
                heap.push(Reverse((index, at)));
                next.push(Some(result));
            }
            None => next.push(None),
        }
    }
    while let Some(Reverse((_, at))) = heap.pop() {
        let (Some(slot), Some(shard)) = (next.get_mut(at), lines.get_mut(at)) else { break };
        if let Some(result) = slot.take() {
            each(result)?;
        }
        if let Some((index, result)) = shard.next()? {
            *slot = Some(result);
            heap.push(Reverse((index, at)));
        }
    }
    Ok(())
}

/// Standard output, or a file written beside its final name and renamed into place at the end.
/// A merge that fails leaves no partial file behind.
struct Output {
    writer: BufWriter<Box<dyn Write>>,
    rename: Option<(PathBuf, PathBuf)>,
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some((part, _)) = self.rename.take() {
            let _ = std::fs::remove_file(part);
        }
    }
}

impl Output {
    fn create(path: Option<&Path>) -> anyhow::Result<Output> {
        let Some(path) = path else {
            return Ok(Output { writer: BufWriter::new(Box::new(std::io::stdout().lock())), rename: None });
        };
        let mut part = path.as_os_str().to_owned();
        part.push(".part");
        let part = PathBuf::from(part);
        let file = File::create(&part).with_context(|| format!("cannot create {}", part.display()))?;
        Ok(Output { writer: BufWriter::new(Box::new(file)), rename: Some((part, path.to_owned())) })
    }

    fn finish(mut self) -> anyhow::Result<()> {
        self.writer.flush().context("cannot write the merged report")?;
        // Closes the file before it moves.
        drop(std::mem::replace(&mut self.writer, BufWriter::new(Box::new(std::io::sink()))));
        if let Some((part, path)) = self.rename.take() {
            let moved = std::fs::rename(&part, &path).with_context(|| format!("cannot move {} to {}", part.display(), path.display()));
            if moved.is_err() {
                let _ = std::fs::remove_file(&part);
            }
            moved?;
        }
        Ok(())
    }
}
