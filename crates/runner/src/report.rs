//! What a replay adds up to: counts, the first failures, and per-event instructions, memory
//! and time (median and worst), kept in constant memory whatever the number of events.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use harness::{FixtureResult, Status, Summary};

use crate::stream::Shard;

/// Failures listed again in the closing summary; the rest are counted.
pub const LISTED_FAILURES: usize = 20;

/// A log-scale histogram: 32 buckets per power of two, so a median is within about 3 % of
/// the true one, in 16 KiB whatever the count.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    count: u64,
    worst: u64,
    worst_name: String,
}

const SUB_BITS: u32 = 5;
const SUB: u64 = 1 << SUB_BITS;

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: vec![0; bucket(u64::MAX) + 1], count: 0, worst: 0, worst_name: String::new() }
    }
}

fn bucket(value: u64) -> usize {
    if value < SUB {
        return value as usize;
    }
    let exponent = 63 - value.leading_zeros();
    let sub = (value >> (exponent - SUB_BITS)) & (SUB - 1);
    (SUB + u64::from(exponent - SUB_BITS) * SUB + sub) as usize
}

/// The smallest value in bucket `index`.
fn bucket_floor(index: usize) -> u64 {
    let index = index as u64;
    if index < SUB {
        return index;
    }
    let exponent = (index - SUB) / SUB + u64::from(SUB_BITS);
    let sub = (index - SUB) % SUB;
    (SUB + sub) << (exponent - u64::from(SUB_BITS))
}

impl Histogram {
    pub fn add(&mut self, value: u64, name: impl FnOnce() -> String) {
        if let Some(slot) = self.counts.get_mut(bucket(value)) {
            *slot += 1;
        }
        self.count += 1;
        if value > self.worst || self.count == 1 {
            self.worst = value;
            self.worst_name = name();
        }
    }

    /// The median, to the precision of a bucket (`None` when empty).
    pub fn median(&self) -> Option<u64> {
        let half = self.count.div_ceil(2);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= half && *count > 0 {
                return Some(bucket_floor(index));
            }
        }
        None
    }

    pub fn worst(&self) -> Option<(u64, &str)> {
        (self.count > 0).then_some((self.worst, self.worst_name.as_str()))
    }
}

/// Median and worst of one measure, as `--json`'s last line gives them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Spread {
    pub median: u64,
    pub worst: u64,
    pub worst_in: String,
}

/// Per-event measures, as `--json`'s last line gives them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    pub events: u64,
    pub seconds: f64,
    pub events_per_second: f64,
    pub warnings: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<Spread>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<Spread>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub micros: Option<Spread>,
    /// Peak resident memory (VmHWM) of the runner, its worker processes included (summed),
    /// where the system says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_memory_bytes: Option<u64>,
    /// Of the largest worker process, when there were workers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_peak_memory_bytes: Option<u64>,
}

/// `--json`'s last line: `{"summary": ..., "modules": [...], "stats": ..., "run": ...}`.
/// `runner merge` reads it back (strictly: it is our own format).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SummaryLine {
    pub summary: Summary,
    /// The modules that ran (those holding an Action some event ran), as
    /// `{"size", "sha256", "source"}`.
    pub modules: Vec<serde_json::Value>,
    pub stats: Stats,
    pub run: RunRecord,
}

/// What a run was: which slice of which input, through which modules, under which flags.
/// What `runner merge` checks before it folds shards' reports into one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    /// `--shard I/N`, or `null` for a run over all the input.
    pub shard: Option<Shard>,
    /// Events the run read and numbered (fixture files and lines of JSON Lines, unreadable
    /// ones included, blank lines not): all of the input's, in a shard's run too, unless
    /// `--fail-fast` stopped the run early.
    pub events_numbered: u64,
    /// Of those, the run's own: its shard's, or all of them; `--filter` then picks among these.
    pub events_in_shard: u64,
    /// The flags that change results.
    pub settings: ResultFlags,
    /// The sha256 of every module loaded (not only those that ran), in load order.
    pub loaded: Vec<String>,
}

/// The flags of a replay that change its results, as its report records them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ResultFlags {
    /// `--now`, as ISO 8601; `null` when the run used its clock.
    pub now: Option<String>,
    /// The Actions bare events run through, in order (`--flow` or the build's default).
    pub flow: Vec<String>,
    /// `--fuel`: instructions per call.
    pub fuel: u64,
    /// `--memory`: MiB of linear memory per call.
    pub memory_mib: usize,
    /// `--timeout`: milliseconds per call.
    pub timeout_ms: u64,
    /// `--filter`.
    pub filter: Option<String>,
    /// The names of the `--secret`s set (never their values), sorted.
    pub secrets: Vec<String>,
    /// Whether the run compared with a recording (`--against`): its passes are "unchanged".
    pub against: bool,
    /// `--fail-fast`: the run stopped at its first failure.
    pub fail_fast: bool,
}

/// The process's peak resident set size (Linux's VmHWM), in bytes.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Everything a replay's closing summary needs, gathered one result at a time.
#[derive(Debug)]
pub struct Report {
    pub summary: Summary,
    started: Instant,
    events: u64,
    warnings: u64,
    instructions: Histogram,
    memory: Histogram,
    micros: Histogram,
    /// One line per failure, the first [`LISTED_FAILURES`] of them.
    failures: Vec<String>,
    /// Worker processes' peak memory: summed, how many, the largest.
    workers: Option<(u64, usize, u64)>,
    /// Time and memory measured elsewhere, when set.
    measured: Option<Measured>,
}

/// Time and peak memory as measured by other runs (see [`Report::set_measured`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    pub elapsed: Duration,
    pub peak_memory_bytes: Option<u64>,
    pub worker_peak_memory_bytes: Option<u64>,
}

impl Default for Report {
    fn default() -> Self {
        Report {
            summary: Summary::default(),
            started: Instant::now(),
            events: 0,
            warnings: 0,
            instructions: Histogram::default(),
            memory: Histogram::default(),
            micros: Histogram::default(),
            failures: Vec::new(),
            workers: None,
            measured: None,
        }
    }
}

/// Where a result came from: `path` or `path:line`.
pub fn place(result: &FixtureResult) -> String {
    harness::batch::place(&result.path, result.line)
}

impl Report {
    /// Adds one (already redacted) result.
    pub fn add(&mut self, result: &FixtureResult) {
        self.summary.add(result.status);
        self.events += 1;
        self.warnings += result.warnings.len() as u64;
        if let Some(usage) = &result.usage {
            let name = || place(result);
            self.instructions.add(usage.instructions, name);
            self.memory.add(usage.memory_bytes as u64, name);
            self.micros.add(usage.micros, name);
        }
        if result.status != Status::Pass && self.failures.len() < LISTED_FAILURES {
            let label = if result.status == Status::Error { "ERROR" } else { "FAIL " };
            self.failures.push(format!(
                "{label} {}  {}: {}",
                place(result),
                result.name,
                result.message.as_deref().unwrap_or("failed")
            ));
        }
    }

    /// Counts the memory of the worker processes in the peak.
    pub fn add_worker_memory(&mut self, total_bytes: u64, workers: usize, largest_bytes: u64) {
        self.workers = Some((total_bytes, workers, largest_bytes));
    }

    pub fn elapsed(&self) -> Duration {
        self.measured.map_or_else(|| self.started.elapsed(), |measured| measured.elapsed)
    }

    /// Takes the time and peak memory from elsewhere (shards' reports being merged) instead
    /// of this process's.
    pub fn set_measured(&mut self, measured: Measured) {
        self.measured = Some(measured);
    }

    pub fn stats(&self) -> Stats {
        let seconds = self.elapsed().as_secs_f64();
        let spread = |histogram: &Histogram| {
            let (worst, worst_in) = histogram.worst()?;
            Some(Spread { median: histogram.median()?, worst, worst_in: worst_in.to_owned() })
        };
        Stats {
            events: self.events,
            seconds,
            events_per_second: if seconds > 0.0 { self.events as f64 / seconds } else { 0.0 },
            warnings: self.warnings,
            instructions: spread(&self.instructions),
            memory_bytes: spread(&self.memory),
            micros: spread(&self.micros),
            peak_memory_bytes: match self.measured {
                Some(measured) => measured.peak_memory_bytes,
                None => peak_memory_bytes().map(|own| own + self.workers.map_or(0, |w| w.0)),
            },
            worker_peak_memory_bytes: match self.measured {
                Some(measured) => measured.worker_peak_memory_bytes,
                None => self.workers.map(|w| w.2),
            },
        }
    }

    /// The closing summary, failures first; the last line is always "N passed, N failed".
    pub fn text(&self, module_lines: &[String], jobs: usize) -> Vec<String> {
        let mut lines = Vec::new();
        let failed = self.summary.failed + self.summary.errors;
        if failed > 0 {
            lines.push(format!("failures ({} of {failed} listed):", self.failures.len()));
            lines.extend(self.failures.iter().map(|line| format!("  {line}")));
        }
        let stats = self.stats();
        if let (Some(i), Some(m), Some(t)) = (&stats.instructions, &stats.memory_bytes, &stats.micros) {
            lines.push("per event      median      worst".to_owned());
            lines.push(format!("  instructions {:>10}  {:>10}  ({})", i.median, i.worst, i.worst_in));
            lines.push(format!("  memory KiB   {:>10}  {:>10}  ({})", m.median / 1024, m.worst / 1024, m.worst_in));
            lines.push(format!("  time µs      {:>10}  {:>10}  ({})", t.median, t.worst, t.worst_in));
        }
        if stats.warnings > 0 {
            lines.push(format!("{} warning(s): what Auth0 would silently change (see above or --json)", stats.warnings));
        }
        if let Some(peak) = stats.peak_memory_bytes {
            match self.workers {
                Some((_, count, largest)) => lines.push(format!(
                    "peak memory {} KiB (VmHWM of the runner and its {count} workers; largest worker {} KiB)",
                    peak / 1024,
                    largest / 1024
                )),
                None => lines.push(format!("peak memory {} KiB (VmHWM of the runner)", peak / 1024)),
            }
        }
        lines.extend(module_lines.iter().cloned());
        lines.push(format!(
            "{} event(s) in {:.2} s ({:.0} events/s, {jobs} job(s))",
            stats.events, stats.seconds, stats.events_per_second
        ));
        if self.summary.errors > 0 {
            lines.push(format!("{} fixture(s) could not be read; counted as failed", self.summary.errors));
        }
        lines.push(format!("{} passed, {} failed", self.summary.passed, failed));
        lines
    }
}

/// A one-line progress display for a terminal: count, rate, and an ETA when the input's
/// size is known.
pub fn progress_line(done: u64, elapsed: Duration, bytes_read: u64, bytes_total: u64) -> String {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 { done as f64 / seconds } else { 0.0 };
    let mut line = format!("{done} events  {rate:.0}/s");
    if bytes_total > 0 && bytes_read > 0 {
        let fraction = (bytes_read as f64 / bytes_total as f64).min(1.0);
        let eta = seconds * (1.0 - fraction) / fraction;
        let filled = (fraction * 30.0) as usize;
        line = format!(
            "[{}{}] {:>3.0}%  {line}  ETA {}",
            "#".repeat(filled),
            "-".repeat(30usize.saturating_sub(filled)),
            fraction * 100.0,
            clock(eta)
        );
    }
    line
}

fn clock(seconds: f64) -> String {
    let whole = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", whole / 60, whole % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_within_a_bucket() {
        let mut histogram = Histogram::default();
        for value in [10, 20, 45_000, 46_000, 47_000, 48_000, 1_000_000] {
            histogram.add(value, || format!("v{value}"));
        }
        let median = histogram.median().unwrap();
        assert!((44_000..=46_000).contains(&median), "{median}");
        assert_eq!(histogram.worst(), Some((1_000_000, "v1000000")));
        for value in [0, 1, 31, 32, 33, 1000, u64::MAX] {
            let floor = bucket_floor(bucket(value));
            assert!(floor <= value && value - floor <= value / 32 + 1, "{value} {floor}");
        }
    }
}
