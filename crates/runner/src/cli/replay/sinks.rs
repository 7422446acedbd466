//! Where a replay's results go, one sink each: the recording (`--record`), the JUnit report
//! (`--junit`) and standard output (text or `--json`, with the progress line on a terminal's
//! standard error). Each takes every result in input order, then finishes once; the run
//! itself (`super::run`) only reads flags, streams the jobs and hands each result over.

use std::fs::File;
use std::io::{BufWriter, StdoutLock, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;
use harness::{FixtureResult, Status};
use crate::junit::JunitWriter;
use crate::report::{Report, RunRecord, SummaryLine, progress_line};
use crate::stream::Progress;
use serde_json::Value;

/// `--record`: every event, with what it did as its expectations, one fixture per line.
#[derive(Debug)]
pub struct RecordSink {
    path: PathBuf,
    file: BufWriter<File>,
    written: u64,
    /// Events that gave no fixture to record (unreadable, or over a limit).
    unrecorded: u64,
}

impl RecordSink {
    pub fn create(path: &Path) -> anyhow::Result<RecordSink> {
        let file = File::create(path).with_context(|| format!("cannot create the recording {}", path.display()))?;
        Ok(RecordSink { path: path.to_owned(), file: BufWriter::new(file), written: 0, unrecorded: 0 })
    }

    /// `fixture` is the job's recording (already redacted), or none for an event that gave none.
    pub fn add(&mut self, fixture: Option<&Value>) -> anyhow::Result<()> {
        match fixture {
            Some(fixture) => {
                writeln!(self.file, "{fixture}").context("cannot write the recording")?;
                self.written += 1;
            }
            None => self.unrecorded += 1,
        }
        Ok(())
    }

    /// Flushes the file; gives the lines the closing text says about it.
    pub fn finish(mut self) -> anyhow::Result<Vec<String>> {
        self.file.flush().context("cannot write the recording")?;
        let mut lines = vec![format!("recorded {} event(s) to {}", self.written, self.path.display())];
        if self.unrecorded > 0 {
            lines.push(format!(
                "{} event(s) not recorded: they could not be read or broke a limit (listed as failures)",
                self.unrecorded
            ));
        }
        Ok(lines)
    }
}

/// `--junit`: one test case per result.
#[derive(Debug)]
pub struct JunitSink(JunitWriter);

impl JunitSink {
    pub fn create(path: &Path) -> anyhow::Result<JunitSink> {
        Ok(JunitSink(JunitWriter::create(path).with_context(|| format!("cannot create {}", path.display()))?))
    }

    pub fn add(&mut self, result: &FixtureResult) -> anyhow::Result<()> {
        self.0.add(result).context("cannot write the JUnit report")
    }

    pub fn finish(self, report: &Report) -> anyhow::Result<()> {
        self.0.finish(&report.summary, report.elapsed()).context("cannot write the JUnit report")
    }
}

/// How standard output shows results.
#[derive(Debug, Clone, Copy)]
pub struct StdoutStyle {
    /// JSON Lines: every result, then `{"summary": ...}`.
    pub json: bool,
    /// Colour the verdicts (a terminal, no `NO_COLOR`).
    pub colour: bool,
    /// `--against`: passes are unchanged events, and only changes are shown.
    pub against: bool,
    /// Redraw a progress line on standard error (a terminal).
    pub progress: bool,
}

/// Standard output: a line per fixture file (failures and warnings only for JSON Lines, or
/// with `--against`), or `--json`'s lines; the progress line; the closing text.
#[derive(Debug)]
pub struct StdoutSink {
    out: BufWriter<StdoutLock<'static>>,
    style: StdoutStyle,
    last_progress: Instant,
}

impl StdoutSink {
    pub fn new(style: StdoutStyle) -> StdoutSink {
        StdoutSink { out: BufWriter::new(std::io::stdout().lock()), style, last_progress: Instant::now() }
    }

    /// Whether `result` is shown, and so must be redacted first.
    pub fn shows(&self, result: &FixtureResult) -> bool {
        self.style.json
            || result.status != Status::Pass
            || (result.line.is_none() && !self.style.against)
            || !result.warnings.is_empty()
    }

    pub fn add(&mut self, result: &FixtureResult) -> anyhow::Result<()> {
        if self.style.json {
            writeln!(self.out, "{}", serde_json::to_string(result)?)?;
        } else if self.shows(result) {
            writeln!(self.out, "{}", result.render(self.style.colour))?;
        }
        Ok(())
    }

    /// Redraws the progress line, at most five times a second.
    pub fn progress(&mut self, report: &Report, progress: &Progress) {
        if !self.style.progress || self.last_progress.elapsed() <= Duration::from_millis(200) {
            return;
        }
        self.last_progress = Instant::now();
        let summary = report.summary;
        let line = progress_line(
            summary.passed as u64 + summary.failed as u64 + summary.errors as u64,
            report.elapsed(),
            progress.bytes_read.load(Ordering::Relaxed),
            progress.bytes_total.load(Ordering::Relaxed),
        );
        let _ = self.out.flush();
        eprint!("\r\x1b[2K{line}");
    }

    /// Clears the progress line, once the last result is in.
    pub fn end_progress(&self) {
        if self.style.progress {
            eprint!("\r\x1b[2K");
        }
    }

    /// The closing text: `--json`'s summary line; or the `--against` count, what the other
    /// sinks say (`sink_lines`), and the report (`module_lines` say which modules ran).
    pub fn finish(mut self, report: &Report, closing: Closing<'_>) -> anyhow::Result<()> {
        if self.style.json {
            let line = SummaryLine { summary: report.summary, modules: closing.modules, stats: report.stats(), run: closing.run };
            writeln!(self.out, "{}", serde_json::to_string(&line)?)?;
        } else {
            if let Some(against) = closing.against {
                let changed = report.summary.failed + report.summary.errors;
                writeln!(self.out, "against {against}: {} unchanged, {changed} changed", report.summary.passed)?;
            }
            for line in closing.sink_lines {
                writeln!(self.out, "{line}")?;
            }
            if let Some(shard) = closing.run.shard {
                let run = &closing.run;
                writeln!(
                    self.out,
                    "shard {shard}: {} of the input's {} event(s) (numbers {} modulo {})",
                    run.events_in_shard,
                    run.events_numbered,
                    shard.index - 1,
                    shard.count
                )?;
            }
            for line in report.text(closing.module_lines, closing.jobs) {
                writeln!(self.out, "{line}")?;
            }
        }
        self.out.flush()?;
        Ok(())
    }
}

/// What the closing text says beside the report.
#[derive(Debug)]
pub struct Closing<'a> {
    /// The modules, as `--json`'s summary lists them.
    pub modules: Vec<serde_json::Value>,
    /// The modules, as the text's last lines name them.
    pub module_lines: &'a [String],
    pub jobs: usize,
    /// With `--against`: the recording's path.
    pub against: Option<&'a str>,
    /// Lines from the other sinks (the recording's counts).
    pub sink_lines: Vec<String>,
    /// What the run was (the shard, the flags that change results, the modules loaded).
    pub run: RunRecord,
}
