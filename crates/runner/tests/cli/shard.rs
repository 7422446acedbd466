//! Replay across machines: `runner replay --shard I/N` and `runner merge`. Four shards of a
//! corpus with passing, failing and unreadable events (fixture files and JSON Lines), merged,
//! give the report one run writes, JSON Lines and JUnit alike, timings aside; and merge
//! refuses, with a sentence, what would not add up to one run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tests::{NOW, TempDir, dist, root};
use crate::runner_bin;

fn runner(args: &[&str]) -> Output {
    Command::new(runner_bin()).args(args).current_dir(root()).env("NO_COLOR", "1").output().expect("the runner starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A corpus with passing, failing and unreadable events: fixture files of both seed Actions,
/// a failing fixture, a file that is not JSON, and JSON Lines of generated bare events with a
/// failing fixture, a line that is not JSON and a line that is not an object among them.
fn corpus(dir: &Path) -> PathBuf {
    let corpus = dir.join("corpus");
    for folder in ["manage-subscription", "set-default-member-role"] {
        let from = root().join("test-events").join(folder);
        let to = corpus.join(folder);
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(&from).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
    let passing = root().join("test-events/manage-subscription/app-metadata-missing.json");
    let mut failing: Value = serde_json::from_str(&std::fs::read_to_string(&passing).unwrap()).unwrap();
    failing["description"] = "expects a two-day trial, gets a one-day one".into();
    failing["expect"][0]["args"][1] = "trial;2024-09-18T23:58:28.392Z;active".into();
    std::fs::write(corpus.join("manage-subscription/expects-the-wrong-trial.json"), failing.to_string()).unwrap();
    std::fs::write(corpus.join("set-default-member-role/not-json.json"), "{ \"action\": ").unwrap();

    let generated = runner(&["gen", "--count", "40", "--seed", "7", "--now", NOW]);
    assert_eq!(generated.status.code(), Some(0), "{}", text(&generated.stderr));
    let mut lines: Vec<String> = text(&generated.stdout).lines().map(str::to_owned).collect();
    lines.insert(5, "{\"user\": ".to_owned());
    lines.insert(11, "[1, 2, 3]".to_owned());
    lines.insert(17, String::new());
    failing["description"] = "a failing fixture among the lines".into();
    lines.insert(23, failing.to_string());
    std::fs::write(corpus.join("logins.jsonl"), lines.join("\n") + "\n").unwrap();
    corpus
}

/// `replay --json` over `paths` with `extra` flags, its report written to `out` and its
/// JUnit beside it; gives the exit code.
fn replay(paths: &[&Path], extra: &[&str], out: &Path) -> i32 {
    let junit = out.with_extension("xml");
    let mut args = vec!["replay", "--json"];
    if !extra.contains(&"--now") {
        args.extend(["--now", NOW]);
    }
    let dist = dist();
    args.extend(["--dist", dist.to_str().unwrap(), "--junit", junit.to_str().unwrap()]);
    args.extend(extra);
    args.extend(paths.iter().map(|path| path.to_str().unwrap()));
    let output = runner(&args);
    std::fs::write(out, &output.stdout).unwrap();
    output.status.code().expect("the runner exits")
}

/// The shards `1/n` to `n/n` of `corpus`, each with `extra` flags: their reports' paths.
fn shards(dir: &Path, corpus: &Path, n: u64, extra: &[&str]) -> Vec<PathBuf> {
    (1..=n)
        .map(|i| {
            let out = dir.join(format!("shard-{i}-of-{n}.jsonl"));
            let shard = format!("{i}/{n}");
            let mut flags = vec!["--shard", &shard];
            flags.extend(extra);
            let code = replay(&[corpus], &flags, &out);
            assert!(code == 0 || code == 1, "shard {shard} exits 0 or 1, found {code}: {}", std::fs::read_to_string(&out).unwrap());
            out
        })
        .collect()
}

fn merge(reports: &[&Path], out: &Path) -> Output {
    let junit = out.with_extension("xml");
    let mut args = vec!["merge", "--output", out.to_str().unwrap(), "--junit", junit.to_str().unwrap()];
    args.extend(reports.iter().map(|path| path.to_str().unwrap()));
    runner(&args)
}

/// A report with its timings taken out: each event's `usage.micros`, and the summary's
/// seconds, rate, time spread and peak memory.
fn without_timings(report: &str) -> Vec<Value> {
    report
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}"));
            if let Some(usage) = value.get_mut("usage").and_then(Value::as_object_mut) {
                usage.remove("micros");
            }
            if let Some(stats) = value.get_mut("stats").and_then(Value::as_object_mut) {
                for timing in ["seconds", "events_per_second", "micros", "peak_memory_bytes", "worker_peak_memory_bytes"] {
                    stats.remove(timing);
                }
            }
            value
        })
        .collect()
}

/// JUnit XML with its `time` attributes blanked.
fn junit_without_times(path: &Path) -> String {
    let xml = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    let mut rest = xml.as_str();
    while let Some(at) = rest.find("time=\"") {
        out.push_str(&rest[..at + 6]);
        rest = &rest[at + 6..];
        let end = rest.find('"').unwrap();
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn four_shards_merged_are_the_one_run_report() {
    let dir = TempDir::new("shards-merge");
    let corpus = corpus(dir.path());
    let whole = dir.path().join("whole.jsonl");
    assert_eq!(replay(&[&corpus], &[], &whole), 1, "the corpus has failures");

    // Shard 4/4 runs in worker processes: the split must not depend on --jobs.
    let reports: Vec<PathBuf> = (1..=4)
        .map(|i| {
            let out = dir.path().join(format!("shard-{i}.jsonl"));
            let shard = format!("{i}/4");
            let jobs = if i == 4 { "2" } else { "1" };
            assert!(matches!(replay(&[&corpus], &["--shard", &shard, "--jobs", jobs], &out), 0 | 1));
            out
        })
        .collect();

    let whole_text = std::fs::read_to_string(&whole).unwrap();
    let whole_report = without_timings(&whole_text);
    let summary = whole_report.last().unwrap();
    assert!(summary["summary"]["passed"].as_u64().unwrap() > 50, "{summary}");
    assert_eq!(summary["summary"]["failed"], 2, "{summary}");
    assert_eq!(summary["summary"]["errors"], 3, "{summary}");

    // Every event is in exactly one shard, balanced to one event.
    let numbered = summary["run"]["events_numbered"].as_u64().unwrap();
    let mut taken = 0;
    for report in &reports {
        let lines = without_timings(&std::fs::read_to_string(report).unwrap());
        let run = &lines.last().unwrap()["run"];
        assert_eq!(run["events_numbered"].as_u64(), Some(numbered));
        let share = run["events_in_shard"].as_u64().unwrap();
        assert!(share == numbered / 4 || share == numbered / 4 + 1, "{run}");
        taken += share;
    }
    assert_eq!(taken, numbered);

    // Given in any order.
    let merged = dir.path().join("merged.jsonl");
    let order: Vec<&Path> = [2, 0, 3, 1].iter().map(|&i| reports[i].as_path()).collect();
    let output = merge(&order, &merged);
    assert_eq!(output.status.code(), Some(1), "any failure exits 1: {}", text(&output.stderr));
    assert!(text(&output.stderr).contains(&format!("merged 4 shard(s) of {numbered} event(s)")), "{}", text(&output.stderr));
    let merged_text = std::fs::read_to_string(&merged).unwrap();
    assert_eq!(without_timings(&merged_text), whole_report);
    assert_eq!(merged_text.lines().count(), whole_text.lines().count());
    assert!(!merged_text.contains("\"index\""), "a merged report reads as one run's");
    assert_eq!(junit_without_times(&merged.with_extension("xml")), junit_without_times(&whole.with_extension("xml")));

    // Without failures, a merge exits 0; with --filter, shards pick among their own events.
    let filtered = dir.path().join("filtered-whole.jsonl");
    assert_eq!(replay(&[&corpus], &["--filter", "date-form"], &filtered), 0);
    let filtered_dir = dir.path().join("filtered");
    std::fs::create_dir_all(&filtered_dir).unwrap();
    let filtered_shards = shards(&filtered_dir, &corpus, 4, &["--filter", "date-form"]);
    let refs: Vec<&Path> = filtered_shards.iter().map(PathBuf::as_path).collect();
    let merged = filtered_dir.join("merged.jsonl");
    let output = merge(&refs, &merged);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(without_timings(&std::fs::read_to_string(&merged).unwrap()), without_timings(&std::fs::read_to_string(&filtered).unwrap()));
}

#[test]
fn a_wrong_shard_is_a_usage_error() {
    for wrong in ["0/4", "5/4", "1/0", "a/b", "2", "-1/4", "1/4/2", ""] {
        let output = runner(&["replay", &format!("--shard={wrong}"), "test-events"]);
        assert_eq!(output.status.code(), Some(2), "{wrong}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains("expected I/N with 1 <= I <= N (such as 2/4)"), "{wrong}: {stderr}");
    }
}

/// Asserts that merging `reports` exits 2 with `sentence` and writes no report.
fn refused(dir: &Path, reports: &[&Path], sentence: &str) {
    let out = dir.join("refused.jsonl");
    let output = merge(reports, &out);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(sentence), "expected {sentence:?} in: {stderr}");
    assert!(!out.exists() && !dir.join("refused.jsonl.part").exists(), "a refused merge writes nothing");
}

#[test]
fn merge_refuses_what_would_not_add_up_to_one_run() {
    let dir = TempDir::new("shards-refused");
    let corpus = root().join("test-events/set-default-member-role");
    let ok = shards(dir.path(), &corpus, 4, &[]);
    let [one, two, three, four] = [&ok[0], &ok[1], &ok[2], &ok[3]].map(PathBuf::as_path);
    let other = |name: &str, shard: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut flags = vec!["--shard", shard];
        flags.extend(extra);
        replay(&[&corpus], &flags, &out);
        out
    };

    refused(dir.path(), &[one, two, four], "expected all 4 shards, found shard(s) 3/4 missing (given: 1/4, 2/4, 4/4)");
    refused(dir.path(), &[one, two, three, three, four], "shard 3/4 is given twice");
    let of_three = other("of-three.jsonl", "2/3", &[]);
    refused(dir.path(), &[one, &of_three, three, four], "expected the shards of one --shard I/N split");

    let bundle = dist().join("Set_Default_Member_Role/code.js");
    let one_module = other("one-module.jsonl", "2/4", &["--bundle", bundle.to_str().unwrap()]);
    refused(dir.path(), &[one, &one_module, three, four], "ran different modules");
    let later = other("later.jsonl", "2/4", &["--now", "2030-01-01T00:00:00.000Z"]);
    refused(dir.path(), &[one, &later, three, four], "were run with different --now (2024-09-16T23:58:28.392Z against 2030-01-01T00:00:00.000Z)");
    let flow = other("flow.jsonl", "2/4", &["--flow", "Set_Default_Member_Role"]);
    refused(dir.path(), &[one, &flow, three, four], "were run with different --flow");
    let fuel = other("fuel.jsonl", "2/4", &["--fuel", "5000000"]);
    refused(dir.path(), &[one, &fuel, three, four], "were run with different --fuel (100000000 against 5000000)");
    let secret = other("secret.jsonl", "2/4", &["--secret", "API_KEY=do-not-show-me"]);
    refused(dir.path(), &[one, &secret, three, four], "were run with different --secret names (none against API_KEY)");
    assert!(!std::fs::read_to_string(&secret).unwrap().contains("do-not-show-me"), "a report names secrets, never their values");
    let fail_fast = other("fail-fast.jsonl", "2/4", &["--fail-fast"]);
    refused(dir.path(), &[one, &fail_fast, three, four], "was written with --fail-fast");

    let fewer = dir.path().join("fewer");
    std::fs::create_dir_all(&fewer).unwrap();
    std::fs::copy(corpus.join(std::fs::read_dir(&corpus).unwrap().next().unwrap().unwrap().file_name()), fewer.join("only.json")).unwrap();
    let out = dir.path().join("other-input.jsonl");
    replay(&[&fewer], &["--shard", "2/4"], &out);
    refused(dir.path(), &[one, &out, three, four], "read different inputs (");

    // A shard that crashed: its report stops before the summary, or in the middle of a line.
    let report = std::fs::read_to_string(two).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    refused(dir.path(), &[one, &cut, three, four], "is truncated: expected its last line to be the summary");
    std::fs::write(&cut, &report[..report.len() - 10]).unwrap();
    refused(dir.path(), &[one, &cut, three, four], "is truncated: its last line is cut short");
    let mut dropped: Vec<&str> = lines.clone();
    dropped.remove(0);
    std::fs::write(&cut, dropped.join("\n") + "\n").unwrap();
    refused(dir.path(), &[one, &cut, three, four], "is inconsistent: its summary counts");
    std::fs::write(&cut, "").unwrap();
    refused(dir.path(), &[one, &cut, three, four], "found an empty file");

    // Not a shard's report: a whole run's, or the text report.
    let whole = dir.path().join("whole.jsonl");
    replay(&[&corpus], &[], &whole);
    refused(dir.path(), &[one, &whole, three, four], "found a whole run's report (no --shard)");
    let text_report = runner(&["replay", "--shard", "2/4", "--now", NOW, "--dist", dist().to_str().unwrap(), corpus.to_str().unwrap()]);
    assert_eq!(text_report.status.code(), Some(0));
    assert!(text(&text_report.stdout).contains("shard 2/4: "), "{}", text(&text_report.stdout));
    let text_path = dir.path().join("text.jsonl");
    std::fs::write(&text_path, &text_report.stdout).unwrap();
    refused(dir.path(), &[one, &text_path, three, four], "found the text report that replay writes without --json");
    std::fs::write(&text_path, "{\"not\": \"a report\"}\n").unwrap();
    refused(dir.path(), &[one, &text_path, three, four], "found something other than a replay's summary");
    refused(dir.path(), &[one, &dir.path().join("absent.jsonl"), three, four], "cannot read the report");

    // The four real ones merge.
    let merged = dir.path().join("merged.jsonl");
    let output = merge(&[one, two, three, four], &merged);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}
