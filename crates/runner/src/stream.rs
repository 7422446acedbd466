//! Replaying at scale: fixture files and JSON Lines read as a stream, run on every core, and
//! handed back in the input's order.
//!
//! Architecture invariant: memory is bounded by the number of batches in flight, never by
//! the input's size. A reader thread cuts the input into batches; it may only start a batch
//! when it holds one of a fixed number of tokens, and a token comes back only when the
//! consumer has taken that batch's results in order. So a slow event (one running into its
//! 20 s budget, say) holds up the window, not memory.
//!
//! With several jobs the work runs in worker processes, not threads: every fresh instance
//! maps and unmaps memory, and in a process with threads on several cores each of those
//! changes interrupts the other cores to flush their TLBs (measured on the 2-core machine:
//! 11,700 events/s on one thread, 9,000 on two; 22,900 with two processes). Batches go to the
//! workers round-robin and their results are read back in the same order, so the input's
//! order is kept without a reordering buffer.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crossbeam_channel::bounded;
use serde_json::Value;

use harness::{Case, FixtureError, FixtureResult, ModuleRunner};
use harness::batch::{Fixture, Job, JobResult, RunSettings, run_job};

/// Lines longer than this are reported, not read: one line is one event.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Items per batch handed to a worker: large enough to amortise the channels.
const BATCH: usize = 64;

/// Batches in flight per worker.
const WINDOW_PER_WORKER: usize = 8;

/// One input of a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// One fixture file (`*.json`).
    Fixture(PathBuf),
    /// JSON Lines (`*.jsonl`, `*.ndjson`, or `-` for standard input): one fixture or bare
    /// event per line.
    Lines(PathBuf),
}

impl Input {
    pub fn path(&self) -> &Path {
        match self {
            Input::Fixture(path) | Input::Lines(path) => path,
        }
    }
}

/// Whether `path` names JSON Lines.
pub fn is_lines(path: &Path) -> bool {
    path == Path::new("-") || path.extension().is_some_and(|ext| ext == "jsonl" || ext == "ndjson")
}

/// The inputs under `paths`: files as given (JSON Lines by extension, or `-`), folders walked
/// for `*.json` fixtures and `*.jsonl` / `*.ndjson` files, in a stable order.
pub fn inputs(paths: &[PathBuf]) -> std::io::Result<Vec<Input>> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found)?;
        } else if is_lines(path) {
            found.push(Input::Lines(path.clone()));
        } else {
            found.push(Input::Fixture(path.clone()));
        }
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<Input>) -> std::io::Result<()> {
    for path in harness::batch::files_under(dir)? {
        if is_lines(&path) {
            found.push(Input::Lines(path));
        } else if path.extension().is_some_and(|ext| ext == "json") {
            found.push(Input::Fixture(path));
        }
    }
    Ok(())
}

/// How far the reader has got, for a progress display, and what it numbered.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes of input handed to workers.
    pub bytes_read: AtomicU64,
    /// Bytes of all inputs, where known (0 when an input is standard input).
    pub bytes_total: AtomicU64,
    /// Events of the input read so far (fixture files and lines of JSON Lines, unreadable
    /// ones included, blank lines not): every one, in a shard's run too.
    pub events_numbered: AtomicU64,
    /// Of those, the ones this run replays (all of them but in a shard's run).
    pub events_taken: AtomicU64,
}

/// One slice of a replay's input, `--shard I/N`: the events whose number (0-based, in the
/// order a run reads them, over every input) is `I - 1` modulo `N`. Deterministic, balanced
/// to one event, and the same on every machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// From 1.
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether the event numbered `number` is this shard's.
    pub fn takes(self, number: u64) -> bool {
        number % self.count == self.index - 1
    }

    /// How many of `numbered` events are this shard's.
    pub fn share_of(self, numbered: u64) -> u64 {
        numbered / self.count + u64::from(numbered % self.count >= self.index)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let expected = || format!("expected I/N with 1 <= I <= N (such as 2/4), found {text:?}");
        let (index, count) = text.split_once('/').ok_or_else(expected)?;
        let (index, count): (u64, u64) = (index.trim().parse().map_err(|_| expected())?, count.trim().parse().map_err(|_| expected())?);
        if count == 0 || index == 0 || index > count {
            return Err(expected());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Settings of a streamed replay.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// Worker threads; 1 runs everything on one core.
    pub jobs: usize,
    pub run: RunSettings,
    /// The slice of the input to replay; all of it when `None`.
    pub shard: Option<Shard>,
}

/// One unit of work, as the reader cuts it.
#[derive(Debug)]
enum Item {
    File(PathBuf),
    Line { path: Arc<Path>, line: u64, bytes: Vec<u8> },
    Unusable { path: PathBuf, line: Option<u64>, message: String },
}

/// An item and its number in the input, when the run is a shard (reports carry it).
#[derive(Debug)]
struct Numbered {
    index: Option<u64>,
    item: Item,
}

/// Replays every input, calling `consume` with each result in input order; stops early when
/// `consume` breaks. Results are not yet redacted (see [`JobResult::redactor`]).
pub fn replay_stream(
    runner: &ModuleRunner,
    inputs: &[Input],
    settings: &StreamSettings,
    progress: &Progress,
    mut consume: impl FnMut(JobResult) -> ControlFlow<()>,
) {
    progress.bytes_total.store(total_bytes(inputs), Ordering::Relaxed);
    let jobs = settings.jobs.max(1);
    let window = jobs * WINDOW_PER_WORKER;
    let (work_tx, work_rx) = bounded::<(u64, Vec<Numbered>)>(window);
    let (done_tx, done_rx) = bounded::<(u64, Vec<JobResult>)>(window);
    let (token_tx, token_rx) = bounded::<()>(window);
    for _ in 0..window {
        let _ = token_tx.send(());
    }
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let stop = &stop;
        scope.spawn(move || read_all(inputs, progress, settings.shard, &token_rx, |batch| work_tx.send(batch).is_ok()));
        for _ in 0..jobs {
            let work = || {
                let (work_rx, done_tx) = (work_rx.clone(), done_tx.clone());
                move || {
                    for (seq, items) in work_rx {
                        if stop.load(Ordering::Relaxed) {
                            continue;
                        }
                        let results = items.into_iter().filter_map(|item| run_item(runner, item, &settings.run)).collect();
                        if done_tx.send((seq, results)).is_err() {
                            break;
                        }
                    }
                }
            };
            // Events may nest up to `json::MAX_DEPTH` levels: their thread needs the room.
            let worker = std::thread::Builder::new().stack_size(harness::batch::THREAD_STACK_BYTES);
            if worker.spawn_scoped(scope, work()).is_err() {
                scope.spawn(work());
            }
        }
        drop(done_tx);
        drop(work_rx);
        let mut pending: BTreeMap<u64, Vec<JobResult>> = BTreeMap::new();
        let mut next = 0_u64;
        let mut token_tx = Some(token_tx);
        'receive: for (seq, results) in &done_rx {
            pending.insert(seq, results);
            while let Some(results) = pending.remove(&next) {
                next += 1;
                for result in results {
                    if consume(result).is_break() {
                        stop.store(true, Ordering::Relaxed);
                        // The reader sees the closed token channel and stops reading.
                        token_tx = None;
                        break 'receive;
                    }
                }
                if let Some(tokens) = &token_tx {
                    let _ = tokens.send(());
                }
            }
        }
        drop(token_tx);
        // Let the workers finish what they hold, unread.
        for _ in &done_rx {}
    });
}

/// The reader: numbers the events of the inputs and cuts the ones this run takes (a shard's,
/// or all) into numbered batches, each started only with a token in hand.
fn read_all(
    inputs: &[Input],
    progress: &Progress,
    shard: Option<Shard>,
    tokens: &crossbeam_channel::Receiver<()>,
    mut send: impl FnMut((u64, Vec<Numbered>)) -> bool,
) {
    let mut batcher = Batcher { seq: 0, numbered: 0, shard, progress, batch: Vec::with_capacity(BATCH), tokens, send: &mut send };
    for input in inputs {
        match input {
            Input::Fixture(path) => {
                let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                progress.bytes_read.fetch_add(size, Ordering::Relaxed);
                if !batcher.push(Item::File(path.clone())) {
                    return;
                }
            }
            Input::Lines(path) => {
                let reader: Box<dyn Read> = if path == Path::new("-") {
                    Box::new(std::io::stdin())
                } else {
                    match File::open(path) {
                        Ok(file) => Box::new(file),
                        Err(error) => {
                            let message = format!("{}: cannot read the file: {error}", path.display());
                            if !batcher.push(Item::Unusable { path: path.clone(), line: None, message }) {
                                return;
                            }
                            continue;
                        }
                    }
                };
                let shared: Arc<Path> = Arc::from(path.as_path());
                let mut reader = BufReader::with_capacity(256 * 1024, reader);
                let mut line = 0_u64;
                loop {
                    let mut bytes = Vec::new();
                    line += 1;
                    let item = match read_line(&mut reader, &mut bytes) {
                        Ok(Line::End) => break,
                        Ok(Line::Read(read)) => {
                            progress.bytes_read.fetch_add(read, Ordering::Relaxed);
                            if bytes.iter().all(u8::is_ascii_whitespace) {
                                continue;
                            }
                            Item::Line { path: shared.clone(), line, bytes }
                        }
                        Ok(Line::TooLong(read)) => {
                            progress.bytes_read.fetch_add(read, Ordering::Relaxed);
                            Item::Unusable {
                                path: path.clone(),
                                line: Some(line),
                                message: format!(
                                    "{}:{line}: expected one event of at most {MAX_LINE_BYTES} bytes per line, found {read} bytes",
                                    path.display()
                                ),
                            }
                        }
                        Err(error) => {
                            let message = format!("{}:{line}: cannot read the file: {error}", path.display());
                            let _ = batcher.push(Item::Unusable { path: path.clone(), line: Some(line), message });
                            break;
                        }
                    };
                    if !batcher.push(item) {
                        return;
                    }
                }
            }
        }
    }
    batcher.flush();
}

/// Numbers the events, keeps the ones this run takes, and collects them into numbered
/// batches; a batch leaves only with a token in hand.
struct Batcher<'a, S: FnMut((u64, Vec<Numbered>)) -> bool> {
    seq: u64,
    numbered: u64,
    shard: Option<Shard>,
    progress: &'a Progress,
    batch: Vec<Numbered>,
    tokens: &'a crossbeam_channel::Receiver<()>,
    send: &'a mut S,
}

impl<S: FnMut((u64, Vec<Numbered>)) -> bool> Batcher<'_, S> {
    /// Adds an event (skipped when it is another shard's); false once the consumer wants no
    /// more.
    fn push(&mut self, item: Item) -> bool {
        let number = self.numbered;
        self.numbered += 1;
        self.progress.events_numbered.store(self.numbered, Ordering::Relaxed);
        let index = match self.shard {
            Some(shard) if !shard.takes(number) => return true,
            Some(_) => Some(number),
            None => None,
        };
        self.progress.events_taken.fetch_add(1, Ordering::Relaxed);
        self.batch.push(Numbered { index, item });
        self.batch.len() < BATCH || self.flush()
    }

    fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        if self.tokens.recv().is_err() {
            return false;
        }
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        let ok = (self.send)((self.seq, full));
        self.seq += 1;
        ok
    }
}

enum Line {
    Read(u64),
    TooLong(u64),
    End,
}

/// Reads one line (without its newline) into `bytes`, never holding more than
/// [`MAX_LINE_BYTES`] of it.
fn read_line(reader: &mut impl BufRead, bytes: &mut Vec<u8>) -> std::io::Result<Line> {
    let mut read = 0_u64;
    let mut too_long = false;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(match (read, too_long) {
                (0, _) => Line::End,
                (_, true) => Line::TooLong(read),
                (_, false) => Line::Read(read),
            });
        }
        let (chunk, found_newline) = match buffer.iter().position(|&b| b == b'\n') {
            Some(at) => (buffer.get(..at).unwrap_or_default(), true),
            None => (buffer, false),
        };
        if !too_long && bytes.len() + chunk.len() <= MAX_LINE_BYTES {
            bytes.extend_from_slice(chunk);
        } else {
            too_long = true;
            bytes.clear();
        }
        let used = chunk.len() + usize::from(found_newline);
        read += used as u64;
        reader.consume(used);
        if found_newline {
            return Ok(if too_long { Line::TooLong(read) } else { Line::Read(read) });
        }
    }
}

/// Runs one item, or gives `None` when `--filter` leaves it out (decided before it runs).
fn run_item(runner: &ModuleRunner, numbered: Numbered, settings: &RunSettings) -> Option<JobResult> {
    let Numbered { index, item } = numbered;
    let mut result = run_unnumbered(runner, item, settings)?;
    result.result.index = index;
    Some(result)
}

fn run_unnumbered(runner: &ModuleRunner, item: Item, settings: &RunSettings) -> Option<JobResult> {
    let unusable = |path: PathBuf, line: Option<u64>, message: String| {
        let name = harness::batch::case_name(&path, line, None);
        settings.wanted(&path, line, &name).then(|| JobResult {
            result: FixtureResult::error(path, line, name, message),
            redactor: Default::default(),
            record: None,
        })
    };
    let run = |job: Job| settings.wanted(&job.path, job.line, &job.name).then(|| run_job(runner, job, settings));
    match item {
        Item::Unusable { path, line, message } => unusable(path, line, message),
        Item::File(path) => match Case::load(&path) {
            Ok(case) => run(Job::from_case(case, None)),
            Err(error) => unusable(path, None, error.to_string()),
        },
        Item::Line { path, line, bytes } => match job_from_line(&path, line, &bytes, settings) {
            Ok(job) => run(job),
            Err(message) => unusable(path.to_path_buf(), Some(line), message),
        },
    }
}

/// A line of JSON Lines: a fixture (an object with `event`) or a bare event (any other
/// object), run through the settings' flow.
fn job_from_line(path: &Path, line: u64, bytes: &[u8], settings: &RunSettings) -> Result<Job, String> {
    let at = format!("{}:{line}", path.display());
    let value: Value = harness::batch::read_json(bytes)
        .map_err(|error| format!("{at}: expected a fixture or an event as one line of JSON, found invalid JSON ({error})"))?;
    let Value::Object(object) = &value else {
        return Err(format!("{at}: expected a fixture or an event (a JSON object), found {}", auth0_actions::rules::json_type(&value)));
    };
    if !object.contains_key("event") {
        return Ok(Job::bare(path.to_path_buf(), Some(line), value, &settings.flow));
    }
    let fixture: Fixture = serde_json::from_value(value).map_err(|error| format!("{at}: {error}"))?;
    let name = harness::batch::case_name(path, Some(line), fixture.description.as_deref());
    let case = Case::from_fixture(Path::new(&at), fixture).map_err(|error: FixtureError| error.to_string())?;
    let mut job = Job::from_case(case, Some(line));
    job.path = path.to_path_buf();
    job.name = name;
    Ok(job)
}

/// The size of every input, for the progress bar's ETA (standard input counts as 0).
fn total_bytes(inputs: &[Input]) -> u64 {
    inputs
        .iter()
        .map(|input| match input {
            Input::Lines(path) if path == Path::new("-") => 0,
            other => std::fs::metadata(other.path()).map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_whole_and_long_ones_refused() {
        let mut reader = BufReader::with_capacity(4, &b"ab\n\ncdefgh\nlast"[..]);
        let mut lines = Vec::new();
        loop {
            let mut bytes = Vec::new();
            match read_line(&mut reader, &mut bytes).unwrap() {
                Line::End => break,
                Line::Read(n) => lines.push((String::from_utf8(bytes).unwrap(), n)),
                Line::TooLong(_) => panic!("not too long"),
            }
        }
        assert_eq!(lines, [("ab".into(), 3), ("".into(), 1), ("cdefgh".into(), 7), ("last".into(), 4)]);
    }
}

// ---------------------------------------------------------------------------------------
// Worker processes

/// The workers' peak memory (VmHWM), as they report it when done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerPeaks {
    /// Summed over the workers.
    pub total_bytes: u64,
    /// Of the largest worker.
    pub largest_bytes: u64,
}

/// Replays every input in worker processes (each started by `spawn`, with piped standard
/// input and output, serving [`serve_worker`]), calling `consume` with each result in input
/// order; stops early when `consume` breaks.
pub fn replay_in_processes(
    inputs: &[Input],
    workers: usize,
    shard: Option<Shard>,
    progress: &Progress,
    spawn: impl Fn() -> std::io::Result<std::process::Child>,
    mut consume: impl FnMut(JobResult) -> ControlFlow<()>,
) -> std::io::Result<WorkerPeaks> {
    progress.bytes_total.store(total_bytes(inputs), Ordering::Relaxed);
    let workers = workers.max(1);
    let mut children = (0..workers).map(|_| spawn()).collect::<std::io::Result<Vec<_>>>()?;
    let mut stdins = Vec::with_capacity(workers);
    let mut stdouts = Vec::with_capacity(workers);
    for child in &mut children {
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(std::io::Error::other("expected a worker with piped standard input and output"));
        };
        stdins.push(BufWriter::with_capacity(256 * 1024, stdin));
        stdouts.push(BufReader::with_capacity(256 * 1024, stdout));
    }
    let window = workers * WINDOW_PER_WORKER;
    let (token_tx, token_rx) = bounded::<()>(window);
    for _ in 0..window {
        let _ = token_tx.send(());
    }
    // Which worker has each batch, and how many items it holds, in input order.
    let (order_tx, order_rx) = bounded::<(usize, usize)>(window);
    let outcome = std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut stdins = stdins;
            let count = stdins.len();
            read_all(inputs, progress, shard, &token_rx, |(seq, items)| {
                let worker = usize::try_from(seq).unwrap_or(0) % count;
                let Some(stdin) = stdins.get_mut(worker) else { return false };
                let len = items.len();
                let written = items.into_iter().try_for_each(|item| write_item(stdin, item)).and_then(|()| stdin.flush());
                written.is_ok() && order_tx.send((worker, len)).is_ok()
            });
            // Closing the pipes tells the workers there is no more work.
            drop(stdins);
        });
        let mut outcome = Ok(());
        let mut stopped = false;
        'batches: for (worker, len) in &order_rx {
            let Some(stdout) = stdouts.get_mut(worker) else { break };
            for _ in 0..len {
                let stop = match read_result(stdout) {
                    Ok(None) => false,
                    Ok(Some(result)) => consume(result).is_break(),
                    Err(error) => {
                        outcome = Err(error);
                        true
                    }
                };
                if stop {
                    stopped = true;
                    // The reader may be blocked writing to a worker: end the workers, which
                    // breaks its pipes, and close the tokens, which stops its reading.
                    for child in children.iter_mut() {
                        let _ = child.kill();
                    }
                    break 'batches;
                }
            }
            let _ = token_tx.send(());
        }
        drop(token_tx);
        drop(order_rx);
        let mut peaks = WorkerPeaks::default();
        if outcome.is_ok() && !stopped {
            for stdout in &mut stdouts {
                let peak = read_trailer(stdout)?;
                peaks.total_bytes += peak;
                peaks.largest_bytes = peaks.largest_bytes.max(peak);
            }
        }
        outcome.map(|()| peaks)
    });
    for child in &mut children {
        let _ = child.wait();
    }
    outcome
}

/// A worker's side: items from `input` (as [`replay_in_processes`] writes them), each run and
/// its result written to `output`, until `input` ends; then the worker's peak memory.
///
/// With `slim`, a passing event from JSON Lines is sent without its effects: nothing will
/// print them, and decoding them would make the parent the bottleneck.
pub fn serve_worker(
    runner: &ModuleRunner,
    settings: &RunSettings,
    slim: bool,
    input: impl Read,
    output: impl Write,
) -> std::io::Result<()> {
    let mut input = BufReader::with_capacity(256 * 1024, input);
    let mut output = BufWriter::with_capacity(256 * 1024, output);
    while let Some(item) = read_item(&mut input)? {
        let Some(mut result) = run_item(runner, item, settings) else {
            // An empty answer: the item was filtered out.
            output.write_all(&0_u32.to_le_bytes())?;
            continue;
        };
        let quiet = result.result.status == harness::Status::Pass
            && result.result.warnings.is_empty()
            && result.result.line.is_some();
        if slim && quiet {
            let slimmed = &mut result.result;
            (slimmed.expected, slimmed.actual, slimmed.expected_flow, slimmed.actual_flow) = (None, None, None, None);
            result.redactor = harness::batch::Redactor::default();
        }
        let json = serde_json::to_vec(&result).map_err(std::io::Error::other)?;
        output.write_all(&u32::try_from(json.len()).map_err(std::io::Error::other)?.to_le_bytes())?;
        output.write_all(&json)?;
        // Results leave as soon as the worker waits for more work.
        if input.buffer().is_empty() {
            output.flush()?;
        }
    }
    output.write_all(&TRAILER.to_le_bytes())?;
    output.write_all(&crate::report::peak_memory_bytes().unwrap_or(0).to_le_bytes())?;
    output.flush()
}

/// Marks the end of a worker's results; its peak memory follows.
const TRAILER: u32 = u32::MAX;

/// A worker's last words: its peak memory in bytes (0 where the system does not say).
fn read_trailer(input: &mut impl Read) -> std::io::Result<u64> {
    let mut marker = [0_u8; 4];
    input.read_exact(&mut marker)?;
    if u32::from_le_bytes(marker) != TRAILER {
        return Err(std::io::Error::other("expected the end of a worker's results, found more results"));
    }
    let mut peak = [0_u8; 8];
    input.read_exact(&mut peak)?;
    Ok(u64::from_le_bytes(peak))
}

fn write_bytes(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    out.write_all(&u32::try_from(bytes.len()).map_err(std::io::Error::other)?.to_le_bytes())?;
    out.write_all(bytes)
}

/// One item for a worker: its kind, number (`u64::MAX` for none), line, path and data.
fn write_item(out: &mut impl Write, numbered: Numbered) -> std::io::Result<()> {
    let Numbered { index, item } = numbered;
    out.write_all(&index.unwrap_or(u64::MAX).to_le_bytes())?;
    let (kind, path, line, data): (u8, String, u64, Vec<u8>) = match item {
        Item::File(path) => (0, path.to_string_lossy().into_owned(), 0, Vec::new()),
        Item::Line { path, line, bytes } => (1, path.to_string_lossy().into_owned(), line, bytes),
        Item::Unusable { path, line, message } => {
            (2, path.to_string_lossy().into_owned(), line.unwrap_or(0), message.into_bytes())
        }
    };
    out.write_all(&[kind])?;
    out.write_all(&line.to_le_bytes())?;
    write_bytes(out, path.as_bytes())?;
    write_bytes(out, &data)
}

fn read_bytes(input: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0_u8; 4];
    input.read_exact(&mut len)?;
    let mut bytes = vec![0_u8; u32::from_le_bytes(len) as usize];
    input.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn read_item(input: &mut impl BufRead) -> std::io::Result<Option<Numbered>> {
    if input.fill_buf()?.is_empty() {
        return Ok(None);
    }
    let mut index = [0_u8; 8];
    input.read_exact(&mut index)?;
    let index = Some(u64::from_le_bytes(index)).filter(|index| *index != u64::MAX);
    let mut kind = [0_u8; 1];
    input.read_exact(&mut kind)?;
    let mut line = [0_u8; 8];
    input.read_exact(&mut line)?;
    let line = u64::from_le_bytes(line);
    let path = PathBuf::from(String::from_utf8_lossy(&read_bytes(input)?).into_owned());
    let data = read_bytes(input)?;
    let item = match kind {
        [0] => Item::File(path),
        [1] => Item::Line { path: Arc::from(path.as_path()), line, bytes: data },
        _ => Item::Unusable {
            path,
            line: (line > 0).then_some(line),
            message: String::from_utf8_lossy(&data).into_owned(),
        },
    };
    Ok(Some(Numbered { index, item }))
}

/// One result, or `None` for an item the worker filtered out (an empty answer).
fn read_result(input: &mut impl Read) -> std::io::Result<Option<JobResult>> {
    let bytes = read_bytes(input).map_err(|error| {
        std::io::Error::new(error.kind(), format!("a worker process ended before answering: {error}"))
    })?;
    if bytes.is_empty() {
        return Ok(None);
    }
    harness::batch::read_json(&bytes).map(Some).map_err(std::io::Error::other)
}
