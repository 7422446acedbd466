//! The native loop's binary end to end: a QA stream of generated events through
//! `replay --native --jobs 2` (worker processes of this binary), its memory read from the
//! runner's own summary. Lives here because only this binary has Actions compiled in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tests::{NOW, TempDir, root};

fn run(bin: &Path, args: &[&str]) -> Output {
    Command::new(bin).args(args).current_dir(root()).env("NO_COLOR", "1").output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn generate(bin: &Path, count: u64, seed: u64, out: &Path) {
    let output = run(bin, &["gen", "--count", &count.to_string(), "--seed", &seed.to_string(), "--now", NOW, "-o", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// The runner's own peak resident memory, from its summary (VmHWM of /proc/self/status).
fn peak_kib(text: &str) -> u64 {
    let line = text.lines().find(|l| l.starts_with("peak memory")).unwrap_or_else(|| panic!("no peak memory line in {text}"));
    line.split_whitespace().find_map(|w| w.parse().ok()).unwrap()
}

/// Streaming bound: a replay of 200,000 events on two worker processes peaks under 100 MB in
/// all (the runner and its workers, VmHWM summed), and within 16 MiB of a replay of 20,000:
/// memory does not grow with the input. The stream is what is measured, so it runs the
/// Actions natively (the debug runner replays about 7,000 events/s so, 2,000 through the
/// module); a wasm call's memory is a fresh instance's, bounded by --memory, and the
/// module's own 1,000,000-event figure is a benchmark (BENCHMARKS.md).
const PEAK_BOUND_KIB: u64 = 100 * 1000 * 1000 / 1024;
const GROWTH_BOUND_KIB: u64 = 16 * 1024;

#[test]
fn two_hundred_thousand_events_stream_in_flat_memory() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_native-runner"));
    let dir = TempDir::new("stream");
    let (small, large) = (dir.path().join("20k.jsonl"), dir.path().join("200k.jsonl"));
    generate(&bin, 20_000, 5, &small);
    generate(&bin, 200_000, 5, &large);
    let output = run(&bin, &["replay", small.to_str().unwrap(), "--now", NOW, "--jobs", "2", "--native"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let small_peak = peak_kib(&stdout(&output));
    let output = run(&bin, &["replay", large.to_str().unwrap(), "--now", NOW, "--jobs", "2", "--native"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("200000 event(s) in"), "{text}");
    assert!(text.trim_end().ends_with("200000 passed, 0 failed"), "{text}");
    let large_peak = peak_kib(&text);
    assert!(large_peak < PEAK_BOUND_KIB, "peak {large_peak} KiB, bound {PEAK_BOUND_KIB} KiB");
    assert!(
        large_peak < small_peak + GROWTH_BOUND_KIB,
        "peak grew from {small_peak} KiB (20,000 events) to {large_peak} KiB (200,000)"
    );
}

