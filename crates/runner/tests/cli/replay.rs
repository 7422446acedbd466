//! The real `runner` binary (`CARGO_BIN_EXE_runner`, which Cargo builds for this test binary):
//! its exit codes, its output on stdout and stderr, and `--json`.

// Helpers outside `#[test]` functions fail a test the way a test does: by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output};

use serde_json::{Value, json};
use tests::{NOW, TempDir, dist, root};
use crate::runner_bin;


/// The binary, run from the workspace root, without colour.
fn runner() -> Command {
    let binary = runner_bin();
    assert!(ms_bundle().exists(), "expected the bundle {}: build it first with `cargo xtask build`", ms_bundle().display());
    let mut command = Command::new(binary);
    command.current_dir(root()).env("NO_COLOR", "1");
    command
}

/// Manage_Subscription's bundle in the build.
fn ms_bundle() -> std::path::PathBuf {
    dist().join("Manage_Subscription/code.js")
}

fn run(command: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("the runner starts");
    let code = status
        .code()
        .expect("the runner exits rather than being killed");
    (
        code,
        String::from_utf8(stdout).expect("stdout is UTF-8"),
        String::from_utf8(stderr).expect("stderr is UTF-8"),
    )
}

fn fixture_count() -> usize {
    harness::discover(&[root().join("test-events")])
        .expect("test-events/ can be listed")
        .len()
}

#[test]
fn replaying_test_events_passes_every_fixture() {
    let (code, stdout, stderr) = run(runner().args(["replay", "test-events"]));

    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let last = stdout.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("{} passed, 0 failed", fixture_count()),
        "stdout:\n{stdout}"
    );
    assert!(
        !stdout.contains("FAIL") && !stdout.contains("ERROR"),
        "{stdout}"
    );
}

#[test]
fn a_failing_fixture_exits_1_with_a_diff() {
    let dir = TempDir::new("failing");
    std::fs::write(
        dir.path().join("wrong-trial-length.json"),
        json!({
            "description": "expects a two-day trial where the Action gives one day",
            "action": "Manage_Subscription",
            "now": NOW,
            "event": {"user": {"user_id": "auth0|1", "app_metadata": {}}},
            "expect": [
                {"api": "user.setAppMetadata", "args": ["subscription", "trial;2024-09-18T23:58:28.392Z;active"]},
                {"api": "idToken.setCustomClaim", "args": ["subscription", "trial;2024-09-18T23:58:28.392Z;active"]}
            ]
        })
        .to_string(),
    )
    .unwrap();

    let (code, stdout, _) = run(runner()
        .arg("replay")
        .arg(dir.path())
        .arg("--bundle")
        .arg(ms_bundle()));

    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("FAIL"), "{stdout}");
    let lines: Vec<&str> = stdout.lines().map(str::trim_start).collect();
    assert!(
        lines.contains(&r#"- {"api":"user.setAppMetadata","args":["subscription","trial;2024-09-18T23:58:28.392Z;active"]}"#),
        "{stdout}"
    );
    assert!(
        lines.contains(&r#"+ {"api":"user.setAppMetadata","args":["subscription","trial;2024-09-17T23:58:28.392Z;active"]}"#),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().last(),
        Some("0 passed, 1 failed"),
        "{stdout}"
    );
}

#[test]
fn a_missing_module_exits_2_with_a_clear_error() {
    let missing = root().join("target/no-such-dir/actions.wasm");
    let (code, stdout, stderr) = run(runner()
        .args(["replay", "test-events", "--module"])
        .arg(&missing));

    assert_eq!(code, 2, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.is_empty(),
        "nothing on stdout when the tool cannot work: {stdout}"
    );
    assert!(
        stderr.starts_with("error: cannot read the module"),
        "{stderr}"
    );
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
}

#[test]
fn the_default_build_when_absent_says_how_to_build_it() {
    let dir = TempDir::new("no-dist");
    let (code, _, stderr) = run(runner()
        .current_dir(dir.path())
        .arg("replay")
        .arg(root().join("test-events")));

    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot read the build dist") && stderr.contains("runner build") && stderr.contains("cargo xtask build"),
        "{stderr}"
    );
}

#[test]
fn json_output_is_one_json_line_per_fixture_then_a_summary() {
    let (code, stdout, stderr) = run(runner().args(["replay", "test-events", "--json"]));

    assert_eq!(code, 0, "stderr:\n{stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"))
        })
        .collect();
    let count = fixture_count();
    assert_eq!(lines.len(), count + 1, "{stdout}");
    let (summary, results) = lines.split_last().unwrap();
    for result in results {
        assert_eq!(result["status"], "pass", "{result}");
        assert!(
            result["path"]
                .as_str()
                .is_some_and(|path| path.ends_with(".json")),
            "{result}"
        );
        // One Action's fixture has effects; a flow's has steps and a final state.
        let (expected, actual) = if result.get("expected").is_some() {
            (&result["expected"], &result["actual"])
        } else {
            (&result["expected_flow"], &result["actual_flow"])
        };
        assert!(!expected.is_null() && actual == expected, "{result}");
        assert!(result["usage"]["instructions"].is_u64(), "{result}");
    }
    assert_eq!(
        summary["summary"],
        json!({"passed": count, "failed": 0, "errors": 0}),
        "{summary}"
    );
}

#[test]
fn run_prints_the_effects_of_one_event() {
    let dir = TempDir::new("run");
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        json!({"user": {"user_id": "samlp|acme|jane@acme.com", "app_metadata": {}},
               "organization": {"id": "org_abc", "name": "acme", "metadata": {}},
               "stats": {"logins_count": 1}})
        .to_string(),
    )
    .unwrap();

    let (code, stdout, stderr) = run(runner()
        .args(["run", "--action", "Set_Default_Member_Role", "--now", NOW])
        .arg(&event)
        .args([
            "--secret",
            "ROLE_ID=rol_1",
            "--secret",
            "clientSecret=never-printed-42",
        ]));
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("run prints JSON");
    assert_eq!(
        report["effects"],
        json!([{"management_api": {
            "method": "POST",
            "path": "/api/v2/organizations/org_abc/members/samlp%7Cacme%7Cjane%40acme.com/roles",
            "body": {"roles": ["[redacted]"]}
        }}]),
        "every secret's value is redacted where it is printed, the role's id too"
    );
    for value in ["rol_1", "never-printed-42"] {
        assert!(!stdout.contains(value) && !stderr.contains(value), "{value}: {stdout}{stderr}");
    }

    let (code, stdout, stderr) = run(runner()
        .args(["run", "--action", "Manage_Subscription", "--now", NOW])
        .arg(&event));
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("run prints JSON");
    let trial = "trial;2024-09-17T23:58:28.392Z;active";
    assert_eq!(
        report["effects"],
        json!([
            {"api": "user.setAppMetadata", "args": ["subscription", trial]},
            {"api": "idToken.setCustomClaim", "args": ["subscription", trial]}
        ])
    );
    assert_eq!(report["now"], NOW);
}

#[test]
fn an_unreadable_fixture_is_reported_with_its_file_name() {
    let dir = TempDir::new("broken");
    let broken = dir.path().join("broken-json.json");
    std::fs::write(
        &broken,
        r#"{"action": "Manage_Subscription", "event": {"user": "#,
    )
    .unwrap();

    let (code, stdout, _) = run(runner()
        .arg("replay")
        .arg(dir.path())
        .arg("--bundle")
        .arg(ms_bundle()));

    assert_eq!(code, 1, "{stdout}");
    let error_line = stdout
        .lines()
        .find(|line| line.starts_with("ERROR"))
        .unwrap_or_default();
    assert!(error_line.contains("broken-json.json"), "{stdout}");
    assert!(
        stdout.contains(&format!("{}: EOF while parsing", broken.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 fixture(s) could not be read"),
        "{stdout}"
    );
}


/// An event whose `user_metadata` is `levels` objects deep.
fn deep_event(levels: usize) -> String {
    let mut metadata = String::from("\"dark\"");
    for _ in 0..levels {
        metadata = format!("{{\"a\":{metadata}}}");
    }
    format!(r#"{{"user": {{"user_id": "auth0|1", "user_metadata": {metadata}, "app_metadata": {{"subscription": "team;2025-01-31;active"}}}}}}"#)
}

/// That event as one fixture, with what Manage_Subscription must ask for.
fn deep_fixture(levels: usize) -> String {
    format!(
        r#"{{"action": "Manage_Subscription", "now": "{NOW}", "event": {}, "expect": [{{"api": "idToken.setCustomClaim", "args": ["subscription", "team;2025-01-31T00:00:00.000Z;active"]}}]}}"#,
        deep_event(levels)
    )
}

#[test]
fn events_nested_thousands_deep_are_read_from_files_and_json_lines() {
    let dir = TempDir::new("deep");
    std::fs::write(dir.path().join("deep.json"), deep_fixture(5_000)).unwrap();
    let lines = format!("{}\n{}\n", deep_fixture(200), deep_fixture(9_000));
    std::fs::write(dir.path().join("deep.jsonl"), lines).unwrap();

    let (code, stdout, stderr) = run(runner().arg("replay").arg(dir.path().join("deep.json")).arg(dir.path().join("deep.jsonl")));
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(stdout.lines().last().unwrap_or_default(), "3 passed, 0 failed", "{stdout}");
    // Through worker processes too, whose results cross a pipe as JSON, and into a recording.
    let record = dir.path().join("recorded");
    let (code, stdout, stderr) = run(runner()
        .args(["replay", "--jobs", "2", "--json", "--record"])
        .arg(&record)
        .arg(dir.path().join("deep.json"))
        .arg(dir.path().join("deep.jsonl")));
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(stdout.lines().filter(|line| line.contains(r#""status":"pass""#)).count(), 3, "{stdout}");

    let event = dir.path().join("event.json");
    std::fs::write(&event, deep_event(3_000)).unwrap();
    let (code, stdout, stderr) = run(runner().args(["run", "--action", "Manage_Subscription", "--now", NOW]).arg(&event));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("team;2025-01-31T00:00:00.000Z;active"), "{stdout}");
}

#[test]
fn an_event_past_the_nesting_ceiling_is_refused_with_a_sentence() {
    let dir = TempDir::new("too-deep");
    std::fs::write(dir.path().join("too-deep.jsonl"), format!("{}\n", deep_fixture(20_000))).unwrap();
    let (code, stdout, stderr) = run(runner().arg("replay").arg(dir.path().join("too-deep.jsonl")));
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("expected JSON nested at most 10000 levels deep, found 20003 levels"), "{stdout}");
}
