//! The examples under `deploy/ci/` run what they say: each is parsed as YAML, the runner's
//! command lines are taken out of its shell steps (with the values the engine gives each shard
//! substituted), every one must parse as the runner's own command line, the shards must be
//! `1/N` to `N/N` of the matrix or Job, and the merge must read exactly the reports the shards
//! wrote. Then the extracted commands run for real, against this workspace's `dist/` and
//! fixtures instead of a day of recordings, and their merge must be one run's report.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use tests::{TempDir, dist, root};
use yaml_rust2::{Yaml, YamlLoader};

use crate::runner_bin;

/// One call of the runner in a shell step: its words after `runner`, and the file its
/// standard output goes to, if redirected.
#[derive(Debug)]
struct RunnerCall {
    args: Vec<String>,
    stdout: Option<String>,
}

/// The runner's calls in `script`: each line whose first word is a path to `runner`, split as
/// a POSIX shell splits it and cut at the first operator (`>`, `|`, `||`, `&&`, `;`).
fn runner_calls(script: &str) -> Vec<RunnerCall> {
    let mut calls = Vec::new();
    for line in script.lines() {
        let words = shell_words::split(line).unwrap_or_else(|error| panic!("cannot split {line:?} as a shell would: {error}"));
        let Some((first, rest)) = words.split_first() else { continue };
        if Path::new(first).file_name().is_none_or(|name| name != "runner") {
            continue;
        }
        let end = rest.iter().position(|word| [">", "|", "||", "&&", ";"].contains(&word.as_str())).unwrap_or(rest.len());
        let stdout = (rest.get(end).map(String::as_str) == Some(">")).then(|| rest[end + 1].clone());
        calls.push(RunnerCall { args: rest[..end].to_vec(), stdout });
    }
    calls
}

/// `args` parse as the runner's command line, and name `command`.
fn assert_real_flags(args: &[String], command: &str) {
    assert_eq!(args.first().map(String::as_str), Some(command), "expected a `runner {command}`, found {args:?}");
    if let Err(error) = runner::cli::check_command_line(args) {
        panic!("`runner {}` is not the runner's command line:\n{error}", args.join(" "));
    }
}

/// The value after `flag` in `args`.
fn flag<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter().position(|word| word == flag).and_then(|at| args.get(at + 1)).map(String::as_str)
}

/// The merge's report files: its words before the first flag.
fn merged_reports(args: &[String]) -> BTreeSet<String> {
    args.iter().skip(1).take_while(|word| !word.starts_with('-')).cloned().collect()
}

fn load(file: &str) -> Vec<Yaml> {
    let path = root().join("deploy/ci").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    YamlLoader::load_from_str(&text).unwrap_or_else(|error| panic!("{} is not YAML: {error}", path.display()))
}

fn text<'a>(yaml: &'a Yaml, what: &str) -> &'a str {
    yaml.as_str().unwrap_or_else(|| panic!("expected {what} to be a string, found {yaml:?}"))
}

/// One Action's fixtures stand in for a day of recordings: each shard loads only the modules
/// its events run, and a debug build compiles each module it loads.
fn recordings() -> std::path::PathBuf {
    root().join("test-events/set-default-member-role")
}

/// The examples' stand-ins on this machine: this workspace's build, [`recordings`], and a
/// folder of `out` for the reports.
fn localized(args: &[String], out: &Path) -> Vec<String> {
    let fixtures = recordings();
    args.iter()
        .map(|word| match word.as_str() {
            "dist" | "/build/dist" => dist().display().to_string(),
            "qa/recordings" | "/recordings" => fixtures.display().to_string(),
            report if report.ends_with(".jsonl") || report.ends_with(".xml") => {
                out.join(Path::new(report).file_name().unwrap()).display().to_string()
            }
            other => other.to_owned(),
        })
        .collect()
}

/// Runs the shards' calls, then the merge, as the example would, on this machine; the merge
/// must find every event once and exit as one run over the fixtures exits.
fn run_for_real(label: &str, now: &str, shards: &[RunnerCall], merge: &[String]) {
    let out = TempDir::new(label);
    for shard in shards {
        let args = localized(&shard.args, out.path());
        let output = Command::new(runner_bin()).args(&args).env("NO_COLOR", "1").output().expect("the runner starts");
        let code = output.status.code();
        assert!(matches!(code, Some(0 | 1)), "`runner {}` exits 0 or 1, found {code:?}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr));
        let report = shard.stdout.as_deref().expect("a shard's report is its standard output");
        std::fs::write(out.path().join(Path::new(report).file_name().unwrap()), &output.stdout).unwrap();
    }
    let args = localized(merge, out.path());
    let merged = Command::new(runner_bin()).args(&args).env("NO_COLOR", "1").output().expect("the runner starts");
    let whole = Command::new(runner_bin())
        .args(["replay", "--json", "--now", now, "--dist"])
        .arg(dist())
        .arg(recordings())
        .output()
        .expect("the runner starts");
    assert_eq!(merged.status.code(), whole.status.code(), "the merge exits as one run: {}", String::from_utf8_lossy(&merged.stderr));
    let output = flag(&args, "--output").expect("the merge writes --output");
    let lines = std::fs::read_to_string(output).unwrap().lines().count();
    assert_eq!(lines, String::from_utf8_lossy(&whole.stdout).lines().count(), "the merged report has one run's lines");
    let junit = flag(&args, "--junit").expect("the merge writes --junit");
    assert!(std::fs::read_to_string(junit).unwrap().contains("<testsuites"), "the merge writes JUnit");
}

#[test]
fn the_github_actions_workflow_runs_the_runners_real_commands() {
    let docs = load("github-actions.yml");
    let workflow = &docs[0];
    let now = text(&workflow["env"]["REPLAY_NOW"], "env.REPLAY_NOW");
    let jobs = &workflow["jobs"];

    let matrix: Vec<i64> = jobs["replay"]["strategy"]["matrix"]["shard"]
        .as_vec()
        .expect("jobs.replay.strategy.matrix.shard is a list")
        .iter()
        .map(|value| value.as_i64().expect("each shard is a number"))
        .collect();
    let count = i64::try_from(matrix.len()).unwrap();
    assert!(count > 1, "a matrix of more than one shard");
    assert_eq!(matrix, (1..=count).collect::<Vec<_>>(), "the matrix lists the shards 1 to N, each once");
    assert_eq!(jobs["replay"]["needs"].as_str(), Some("build"), "the shards run what the build job built");
    assert_eq!(jobs["merge"]["needs"].as_str(), Some("replay"), "the merge waits for every shard");

    let steps = |job: &str| jobs[job]["steps"].as_vec().unwrap_or_else(|| panic!("jobs.{job}.steps is a list")).clone();
    let download_pattern = steps("merge")
        .iter()
        .find_map(|step| step["with"]["pattern"].as_str().map(str::to_owned))
        .expect("the merge job downloads the shards' artifacts by a pattern");
    let mut shards = Vec::new();
    for shard in &matrix {
        let mut calls = Vec::new();
        let mut uploads = Vec::new();
        for step in steps("replay") {
            let with_shard = |value: &str| value.replace("${{ matrix.shard }}", &shard.to_string()).replace("$REPLAY_NOW", now);
            if let Some(script) = step["run"].as_str() {
                calls.extend(runner_calls(&with_shard(script)));
            }
            if step["uses"].as_str().is_some_and(|uses| uses.starts_with("actions/upload-artifact")) {
                uploads.push((with_shard(text(&step["with"]["name"], "the artifact's name")), with_shard(text(&step["with"]["path"], "the artifact's path"))));
            }
        }
        let [call] = <[RunnerCall; 1]>::try_from(calls).unwrap_or_else(|calls| panic!("expected one runner call in shard {shard}'s steps, found {calls:?}"));
        assert_real_flags(&call.args, "replay");
        assert_eq!(flag(&call.args, "--shard"), Some(format!("{shard}/{count}").as_str()), "shard {shard} of {count}");
        assert!(call.args.iter().any(|word| word == "--json"), "a shard writes the JSON Lines report that merge reads");
        assert_eq!(flag(&call.args, "--now"), Some(now), "every shard runs at one instant");
        let report = call.stdout.clone().expect("the shard's report goes to a file");
        let prefix = download_pattern.strip_suffix('*').expect("the merge downloads every shard's artifact by a pattern");
        assert!(uploads.iter().any(|(name, path)| name.starts_with(prefix) && *path == report), "shard {shard} uploads {report} as an artifact the merge downloads, found {uploads:?}");
        shards.push(call);
    }

    let calls: Vec<RunnerCall> = steps("merge").iter().filter_map(|step| step["run"].as_str()).flat_map(runner_calls).collect();
    let [merge] = <[RunnerCall; 1]>::try_from(calls).unwrap_or_else(|calls| panic!("expected one runner call in the merge job, found {calls:?}"));
    assert_real_flags(&merge.args, "merge");
    let written: BTreeSet<String> = shards.iter().filter_map(|call| call.stdout.clone()).collect();
    assert_eq!(merged_reports(&merge.args), written, "the merge reads exactly the shards' reports");

    run_for_real("ci-github", now, &shards, &merge.args);
}

#[test]
fn the_kubernetes_indexed_job_runs_the_runners_real_commands() {
    let docs = load("k8s-indexed-job.yaml");
    let step = |name: &str| {
        docs.iter().find(|doc| doc["metadata"]["labels"]["step"].as_str() == Some(name)).unwrap_or_else(|| panic!("expected a Job labelled step={name}"))
    };
    let replay = step("replay");
    assert_eq!(replay["kind"].as_str(), Some("Job"));
    let spec = &replay["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"), "an Indexed Job gives each pod its JOB_COMPLETION_INDEX");
    let count = spec["completions"].as_i64().expect("spec.completions is a number");
    assert!(count > 1, "more than one shard");
    assert_eq!(spec["parallelism"].as_i64(), Some(count), "every shard runs at once");

    let container = &spec["template"]["spec"]["containers"][0];
    let command: Vec<&str> = container["command"].as_vec().expect("the container's command is a list").iter().map(|word| text(word, "a word of the command")).collect();
    assert_eq!(command, ["/bin/sh", "-c"], "the shard's script runs in a shell, which does the arithmetic on the index");
    let script = text(&container["args"][0], "the container's script");
    let now = container["env"]
        .as_vec()
        .expect("the container's env is a list")
        .iter()
        .find(|variable| variable["name"].as_str() == Some("REPLAY_NOW"))
        .map(|variable| text(&variable["value"], "REPLAY_NOW's value"))
        .expect("REPLAY_NOW is set");

    let mut shards = Vec::new();
    for index in 0..count {
        let script = script.replace("$((JOB_COMPLETION_INDEX+1))", &(index + 1).to_string()).replace("$REPLAY_NOW", now);
        assert!(!script.contains("JOB_COMPLETION_INDEX"), "the index is used only as $((JOB_COMPLETION_INDEX+1)): {script}");
        let [call] = <[RunnerCall; 1]>::try_from(runner_calls(&script)).unwrap_or_else(|calls| panic!("expected one runner call in the script, found {calls:?}"));
        assert_real_flags(&call.args, "replay");
        assert_eq!(flag(&call.args, "--shard"), Some(format!("{}/{count}", index + 1).as_str()), "pod {index} runs shard {} of {count}", index + 1);
        assert!(call.args.iter().any(|word| word == "--json"), "a shard writes the JSON Lines report that merge reads");
        assert_eq!(flag(&call.args, "--now"), Some(now), "every shard runs at one instant");
        shards.push(call);
    }

    let merge = step("merge");
    let words: Vec<String> = merge["spec"]["template"]["spec"]["containers"][0]["command"]
        .as_vec()
        .expect("the merge's command is a list")
        .iter()
        .map(|word| text(word, "a word of the command").to_owned())
        .collect();
    assert_eq!(words.first().map(String::as_str), Some("runner"));
    let args = words[1..].to_vec();
    assert_real_flags(&args, "merge");
    let written: BTreeSet<String> = shards.iter().filter_map(|call| call.stdout.clone()).collect();
    assert_eq!(written.len(), usize::try_from(count).unwrap(), "each pod writes its own report");
    assert_eq!(merged_reports(&args), written, "the merge reads exactly the shards' reports");

    run_for_real("ci-k8s", now, &shards, &args);
}
