//! QA replay end to end: flows, JSON Lines at scale, record then compare, JUnit, redaction,
//! malformed lines, limits. The fixtures of flows live in `test-events/flows/`.

// Helpers outside #[test] functions may fail loudly too: this is a test crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use harness::{Case, ReplayOptions, Status, Timestamp, discover, replay_one};
use serde_json::{Value, json};
use tests::{NOW, deployed, root};
use crate::runner_bin;


fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("qa-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(bin: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn now() -> Timestamp {
    Timestamp::parse_js(NOW).unwrap()
}

// ---------------------------------------------------------------------------------------
// Flows

fn flow_case(name: &str) -> (Case, harness::FixtureResult) {
    let path = root().join("test-events/flows").join(format!("{name}.json"));
    let case = Case::load(&path).unwrap();
    let result = replay_one(deployed(), Ok(case.clone()), path, ReplayOptions { now: now() });
    (case, result)
}

#[test]
fn every_flow_fixture_passes() {
    let runner = deployed();
    let paths = discover(&[root().join("test-events/flows")]).unwrap();
    assert!(paths.len() >= 7, "{paths:?}");
    for path in paths {
        let result = replay_one(runner, Case::load(&path), path.clone(), ReplayOptions { now: now() });
        assert_eq!(result.status, Status::Pass, "{}: {:?}", path.display(), result.message);
    }
}

#[test]
fn metadata_set_upstream_is_visible_downstream() {
    let (_, result) = flow_case("metadata-visible-downstream");
    let flow = result.actual_flow.unwrap();
    let paths = |step: usize| -> Vec<String> {
        let effects = serde_json::to_value(&flow.steps[step].effects).unwrap();
        effects.as_array().unwrap().iter().filter_map(|e| e["api"].as_str().map(str::to_owned)).collect()
    };
    // The first Manage_Subscription starts a trial; the second sees it and does not.
    assert_eq!(paths(0), ["user.setAppMetadata", "idToken.setCustomClaim"]);
    assert_eq!(paths(1), ["idToken.setCustomClaim"]);
    assert_eq!(flow.final_state.app_metadata["subscription"], "trial;2024-09-17T23:58:28.392Z;active");
}

#[test]
fn deny_stops_the_flow() {
    let (case, result) = flow_case("deny-between-stops-the-rest");
    assert_eq!(case.flow.unwrap().actions.len(), 3);
    let flow = result.actual_flow.unwrap();
    let ran: Vec<&str> = flow.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(ran, ["Manage_Subscription", "Block_Suspended"]);
    assert_eq!(flow.final_state.denied.as_deref(), Some("account suspended"));
    let (_, first) = flow_case("deny-first-stops-the-flow");
    assert_eq!(first.actual_flow.unwrap().steps.len(), 1);
    assert_eq!(first.usage.unwrap().instructions, 0, "no module Action ran");
}

#[test]
fn order_matters() {
    let (_, before) = flow_case("stub-before-reads-its-metadata");
    let (_, after) = flow_case("order-matters-stub-after");
    let (before, after) = (before.actual_flow.unwrap().final_state, after.actual_flow.unwrap().final_state);
    assert_eq!(before.app_metadata, after.app_metadata, "the import writes last or is read: enterprise either way");
    assert_eq!(before.id_token_claims["subscription"], "enterprise;2025-06-30T00:00:00.000Z;active");
    assert_eq!(after.id_token_claims["subscription"], "trial;2024-09-17T23:58:28.392Z;active");
}

#[test]
fn a_wrong_flow_expectation_fails_and_names_what_differs() {
    let path = root().join("test-events/flows/default-flow-first-login-in-organization.json");
    let mut fixture: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    fixture["expect_final"]["id_token_claims"]["subscription"] = json!("team;2030-01-01T00:00:00.000Z;active");
    let dir = tmp("wrong-flow");
    let wrong = dir.join("wrong.json");
    std::fs::write(&wrong, fixture.to_string()).unwrap();
    let result = replay_one(deployed(), Case::load(&wrong), wrong.clone(), ReplayOptions { now: now() });
    assert_eq!(result.status, Status::Fail);
    assert_eq!(result.message.as_deref(), Some("the final id_token_claims differs from the expected one"));
    let output = run(&runner_bin(), &["replay", wrong.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("-   id_token_claims: {\"subscription\":\"team;2030-01-01"), "{text}");
    assert!(text.trim_end().ends_with("0 passed, 1 failed"), "{text}");
}

#[test]
fn a_flow_fixture_is_decoded_strictly() {
    let dir = tmp("strict");
    let base = json!({"flow": ["Manage_Subscription"], "event": {}, "expect": [], "expect_final": {
        "app_metadata": {}, "user_metadata": {}, "id_token_claims": {}, "access_token_claims": {}}});
    let cases = [
        (json!({"expect_finale": {}}), "unknown field `expect_finale`"),
        (json!({"action": "Manage_Subscription"}), "exactly one of \"action\""),
        (json!({"flow": [{"name": "X", "effects": [], "extra": 1}]}), "\"flow\" entry 1"),
        (json!({"flow": [{"name": "X", "effects": []}]}), "expected \"flow\" to list at least one Action by name, found only stubs"),
        (json!({"expect_final": null}), "expected \"expect_final\" with \"flow\", found none"),
    ];
    for (index, (change, message)) in cases.into_iter().enumerate() {
        let mut fixture = base.clone();
        for (key, value) in change.as_object().unwrap() {
            fixture[key] = value.clone();
        }
        if fixture["expect_final"].is_null() {
            fixture.as_object_mut().unwrap().remove("expect_final");
        }
        let path = dir.join(format!("{index}.json"));
        std::fs::write(&path, fixture.to_string()).unwrap();
        let error = Case::load(&path).unwrap_err().to_string();
        assert!(error.contains(message), "{index}: {error}");
    }
    // The names are the build's, known when it replays: a misspelt one is an error there.
    let mut misspelt = base.clone();
    misspelt["flow"] = json!(["Manage_Subscriptions"]);
    let path = dir.join("misspelt.json");
    std::fs::write(&path, misspelt.to_string()).unwrap();
    let result = replay_one(deployed(), Case::load(&path), path.clone(), ReplayOptions { now: now() });
    assert_eq!(result.status, Status::Error, "{result:?}");
    let message = result.message.unwrap_or_default();
    assert!(message.contains("to name an Action among") && message.contains("found \"Manage_Subscriptions\""), "{message}");
}

// ---------------------------------------------------------------------------------------
// JSON Lines, streaming, record and compare

fn generate(bin: &Path, count: u64, seed: u64, out: &Path) {
    let output = run(bin, &["gen", "--count", &count.to_string(), "--seed", &seed.to_string(), "--now", NOW, "-o", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn record_then_against_shows_only_what_changed() {
    let bin = runner_bin();
    let dir = tmp("record");
    let (events, recording) = (dir.join("events.jsonl"), dir.join("before.jsonl"));
    generate(&bin, 300, 11, &events);
    let output = run(&bin, &["replay", events.to_str().unwrap(), "--now", NOW, "--record", recording.to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("recorded 300 event(s)"), "{text}");

    // Unchanged: everything passes and nothing is listed.
    let output = run(&bin, &["replay", "--against", recording.to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("300 unchanged, 0 changed"), "{text}");
    assert!(!text.contains("FAIL"), "{text}");

    // One change: event 7 now holds another stored plan (as if the Action had changed).
    let lines: Vec<String> = std::fs::read_to_string(&recording).unwrap().lines().map(str::to_owned).collect();
    let mut changed: Vec<String> = Vec::new();
    let mut target = None;
    for (index, line) in lines.iter().enumerate() {
        let mut fixture: Value = serde_json::from_str(line).unwrap();
        let in_org = fixture["event"].get("organization").is_some_and(Value::is_object);
        if target.is_none() && !in_org && fixture["event"]["user"]["app_metadata"]["subscription"].is_string() && index >= 6 {
            fixture["event"]["user"]["app_metadata"]["subscription"] = json!("enterprise;2031-01-01T00:00:00.000Z;active");
            target = Some(index + 1);
        }
        changed.push(fixture.to_string());
    }
    let target = target.unwrap();
    std::fs::write(&recording, changed.join("\n") + "\n").unwrap();
    let output = run(&bin, &["replay", "--against", recording.to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("299 unchanged, 1 changed"), "{text}");
    let fails: Vec<&str> = text.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(fails.len(), 1, "{text}");
    assert!(fails[0].contains(&format!("before.jsonl:{target} ")), "{text}");
    assert!(text.contains("the effects of Manage_Subscription differ"), "{text}");
    assert!(text.contains("enterprise;2031-01-01T00:00:00.000Z;active"), "{text}");
}

#[test]
fn a_malformed_line_is_reported_by_number_and_the_rest_replayed() {
    let bin = runner_bin();
    let dir = tmp("malformed");
    let events = dir.join("events.jsonl");
    generate(&bin, 6, 3, &events);
    let mut lines: Vec<String> = std::fs::read_to_string(&events).unwrap().lines().map(str::to_owned).collect();
    lines.insert(2, "{\"user\": {\"user_id\": \"auth0|x\"".to_owned());
    lines.insert(5, "[1, 2]".to_owned());
    std::fs::write(&events, lines.join("\n")).unwrap();
    let output = run(&bin, &["replay", events.to_str().unwrap(), "--now", NOW, "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let results: Vec<Value> = stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(results.len(), 9, "8 lines then the summary");
    let errors: Vec<&Value> = results.iter().filter(|r| r["status"] == "error").collect();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["line"], 3);
    assert!(errors[0]["message"].as_str().unwrap().contains("events.jsonl:3: expected a fixture or an event as one line of JSON, found invalid JSON"), "{}", errors[0]);
    assert_eq!(errors[1]["line"], 6);
    assert!(errors[1]["message"].as_str().unwrap().ends_with("found an array"), "{}", errors[1]);
    let lines_seen: Vec<u64> = results.iter().filter_map(|r| r["line"].as_u64()).collect();
    assert_eq!(lines_seen, [1, 2, 3, 4, 5, 6, 7, 8], "input order kept");
    assert_eq!(results[8]["summary"], json!({"passed": 6, "failed": 0, "errors": 2}));
}

#[test]
fn standard_input_fail_fast_and_filter() {
    let bin = runner_bin();
    let dir = tmp("stdin");
    let events = dir.join("events.jsonl");
    generate(&bin, 40, 9, &events);
    let mut text = std::fs::read_to_string(&events).unwrap();
    text = text.replacen('\n', "\nnot json\n", 1).replacen("\n{", "\nnot json either\n{", 3);
    let mut child = Command::new(&bin)
        .current_dir(root())
        .args(["replay", "-", "--now", NOW, "--json", "--fail-fast", "--jobs", "2"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let results: Vec<Value> = stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(results.len(), 3, "line 1, then the first failure (line 2), then the summary");
    assert_eq!(results[1]["line"], 2);

    let output = run(&bin, &["replay", "test-events", "--now", NOW, "--filter", "flows/deny"]);
    let text = stdout(&output);
    assert!(text.trim_end().ends_with("2 passed, 0 failed"), "{text}");
}

// ---------------------------------------------------------------------------------------
// Reports

#[test]
fn junit_output_has_the_shape_ci_systems_read() {
    use quick_xml::events::Event;
    let bin = runner_bin();
    let dir = tmp("junit");
    let path = root().join("test-events/flows/default-flow-first-login-in-organization.json");
    let mut fixture: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    fixture["expect"][1]["effects"] = json!([]);
    fixture["description"] = json!("a <broken> & \"quoted\" expectation");
    std::fs::write(dir.join("broken.json"), fixture.to_string()).unwrap();
    std::fs::write(dir.join("unreadable.json"), "{").unwrap();
    let junit = dir.join("report.xml");
    let output = run(&bin, &["replay", "test-events/flows", dir.to_str().unwrap(), "--now", NOW, "--junit", junit.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(!dir.join("report.xml.part").exists());

    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut stack: Vec<String> = Vec::new();
    let (mut cases, mut failures, mut errors) = (0, 0, 0);
    let mut suite_attrs = std::collections::HashMap::new();
    let mut names = Vec::new();
    loop {
        let event = reader.read_event().unwrap();
        let (element, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let element = element.unwrap();
        let name = AsRef::<str>::as_ref(&element.name()).to_owned();
        let attrs: std::collections::HashMap<String, String> = element
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (AsRef::<str>::as_ref(&a.key).to_owned(), a.normalized_value(quick_xml::XmlVersion::Explicit1_0).unwrap().into_owned())
            })
            .collect();
        let parent = stack.last().cloned().unwrap_or_default();
        match name.as_str() {
            "testsuites" => assert_eq!(parent, ""),
            "testsuite" => {
                assert_eq!(parent, "testsuites");
                suite_attrs = attrs.clone();
            }
            "testcase" => {
                assert_eq!(parent, "testsuite");
                assert!(attrs.contains_key("classname") && attrs.contains_key("time"), "{attrs:?}");
                attrs["time"].parse::<f64>().unwrap();
                names.push(attrs["name"].clone());
                cases += 1;
            }
            "failure" => {
                assert_eq!(parent, "testcase");
                assert!(!attrs["message"].is_empty());
                failures += 1;
            }
            "error" => {
                assert_eq!(parent, "testcase");
                errors += 1;
            }
            "system-out" => assert_eq!(parent, "testcase"),
            other => panic!("unexpected element {other}"),
        }
        if !empty {
            stack.push(name);
        }
    }
    assert_eq!((failures, errors), (1, 1));
    assert_eq!(suite_attrs["tests"], cases.to_string());
    assert_eq!(suite_attrs["failures"], "1");
    assert_eq!(suite_attrs["errors"], "1");
    assert!(names.contains(&"a <broken> & \"quoted\" expectation".to_owned()), "{names:?}");
}

#[test]
fn limits_fail_with_a_sentence_and_warnings_name_what_auth0_would_change() {
    let bin = runner_bin();
    let flow = "test-events/flows/default-flow-first-login-in-organization.json";
    let output = run(&bin, &["replay", flow, "--now", NOW, "--fuel", "5000", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let first: Value = serde_json::from_str(stdout(&output).lines().next().unwrap()).unwrap();
    assert_eq!(first["message"], "Manage_Subscription: the module ran out of fuel: used all 5000 instructions allowed per call (--fuel)");
    let output = run(&bin, &["replay", flow, "--now", NOW, "--memory", "0", "--json"]);
    let first: Value = serde_json::from_str(stdout(&output).lines().next().unwrap()).unwrap();
    assert_eq!(first["message"], "Manage_Subscription: the module ran out of memory: needed more than the 0 bytes allowed per call (--memory)");
    // A budget of nothing is spent before the first Action: no timing involved.
    let output = run(&bin, &["replay", flow, "--now", NOW, "--timeout", "0", "--json"]);
    let first: Value = serde_json::from_str(stdout(&output).lines().next().unwrap()).unwrap();
    assert_eq!(
        first["message"],
        "Manage_Subscription: ran out of time: the flow took longer than the 0 ms allowed per flow (--timeout; Auth0 allows 20000)"
    );

    let dir = tmp("warnings");
    let long = "x".repeat(300);
    let fixture = json!({
        "flow": [{"name": "Legacy_Claims", "effects": [
            {"api": "idToken.setCustomClaim", "args": ["roles", ["admin"]]},
            {"api": "accessToken.setCustomClaim", "args": ["https://example.auth0.com/plan", "x"]},
            {"api": "user.setAppMetadata", "args": ["blob", "y".repeat(33 * 1024)]},
            {"log": long}
        ]}, "Manage_Subscription"],
        "now": NOW,
        "event": {"user": {"user_id": "auth0|1", "app_metadata": {"subscription": "team;2025-01-01T00:00:00.000Z;active"}}},
        "expect": [
            {"action": "Legacy_Claims", "effects": [
                {"api": "idToken.setCustomClaim", "args": ["roles", ["admin"]]},
                {"api": "accessToken.setCustomClaim", "args": ["https://example.auth0.com/plan", "x"]},
                {"api": "user.setAppMetadata", "args": ["blob", "y".repeat(33 * 1024)]},
                {"log": long}
            ]},
            {"action": "Manage_Subscription", "effects": [{"api": "idToken.setCustomClaim", "args": ["subscription", "team;2025-01-01T00:00:00.000Z;active"]}]}
        ],
        "expect_final": {
            "app_metadata": {"subscription": "team;2025-01-01T00:00:00.000Z;active", "blob": "y".repeat(33 * 1024)},
            "user_metadata": {},
            "id_token_claims": {"roles": ["admin"], "subscription": "team;2025-01-01T00:00:00.000Z;active"},
            "access_token_claims": {"https://example.auth0.com/plan": "x"}
        }
    });
    let path = dir.join("warnings.json");
    std::fs::write(&path, fixture.to_string()).unwrap();
    let output = run(&bin, &["replay", path.to_str().unwrap(), "--json"]);
    let first: Value = serde_json::from_str(stdout(&output).lines().next().unwrap()).unwrap();
    assert_eq!(first["status"], "pass", "warnings do not fail: {first}");
    let warnings: Vec<&str> = first["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    assert!(warnings[0].contains("\"roles\" is a restricted claim name"), "{warnings:?}");
    assert!(warnings[1].contains("must not use auth0.com"), "{warnings:?}");
    assert!(warnings[2].contains("a log line of 300 characters would be cut to the 256"), "{warnings:?}");
    assert!(warnings[3].starts_with("app_metadata would be 338"), "{warnings:?}");
}

// ---------------------------------------------------------------------------------------
// Redaction

#[test]
fn secrets_never_appear_in_any_output() {
    let bin = runner_bin();
    let dir = tmp("redaction");
    let role = "rol_TopSecretRole42";
    let client_secret = "cs_never-print-me-0123456789";
    // A failing single-Action fixture (so expected and actual are both echoed), a flow
    // fixture, and a bare event whose secret appears inside a stored value too.
    let single = json!({
        "action": "Set_Default_Member_Role", "now": NOW,
        "secrets": {"ROLE_ID": role, "clientSecret": client_secret, "domain": "d.example.com", "clientId": "cid_1234"},
        "event": {"user": {"user_id": "auth0|1"}, "organization": {"id": "org_1"}, "stats": {"logins_count": 1}},
        "expect": [{"management_api": {"method": "POST", "path": "/api/v2/organizations/org_1/members/auth0%7C1/roles", "body": {"roles": ["rol_other"]}}}]
    });
    std::fs::write(dir.join("single.json"), single.to_string()).unwrap();
    let bare = json!({
        "user": {"user_id": "auth0|2", "app_metadata": {"subscription": format!("team;{client_secret};active")}},
        "organization": {"id": "org_2", "metadata": {}}, "stats": {"logins_count": 1},
        "secrets": {"ROLE_ID": role, "clientSecret": client_secret}
    });
    std::fs::write(dir.join("events.jsonl"), format!("{bare}\n")).unwrap();
    let (junit, record) = (dir.join("report.xml"), dir.join("recorded.jsonl"));
    let d = dir.to_str().unwrap();
    let outputs = [
        stdout(&run(&bin, &["replay", d, "--now", NOW])),
        stdout(&run(&bin, &["replay", d, "--now", NOW, "--json"])),
        {
            run(&bin, &["replay", d, "--now", NOW, "--junit", junit.to_str().unwrap(), "--record", record.to_str().unwrap()]);
            std::fs::read_to_string(&junit).unwrap() + &std::fs::read_to_string(&record).unwrap()
        },
    ];
    for (index, output) in outputs.iter().enumerate() {
        assert!(output.contains("[redacted]"), "{index}: {output}");
        for secret in [role, client_secret, "cid_1234"] {
            assert!(!output.contains(secret), "output {index} shows {secret}: {output}");
        }
    }
    // What was recorded replays against itself, secrets and all.
    let output = run(&bin, &["replay", "--against", record.to_str().unwrap(), "--secret", &format!("ROLE_ID={role}")]);
    let text = stdout(&output);
    assert!(text.contains("2 unchanged, 0 changed"), "{text}");
    assert!(!text.contains(role), "{text}");
}

#[test]
fn one_job_and_several_workers_give_the_same_results_in_the_same_order() {
    let bin = runner_bin();
    let dir = tmp("order");
    let events = dir.join("events.jsonl");
    generate(&bin, 700, 21, &events);
    let results = |jobs: &str| -> Vec<Value> {
        let output = run(&bin, &["replay", "test-events/flows", events.to_str().unwrap(), "--now", NOW, "--json", "--jobs", jobs]);
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        stdout(&output)
            .lines()
            .map(|line| {
                let mut value: Value = serde_json::from_str(line).unwrap();
                let object = value.as_object_mut().unwrap();
                object.remove("usage");
                object.remove("stats");
                value
            })
            .collect()
    };
    let (one, three) = (results("1"), results("3"));
    let flows = discover(&[root().join("test-events/flows")]).unwrap().len();
    assert_eq!(one.len(), flows + 700 + 1, "each flow fixture, each event, the summary");
    assert_eq!(one, three);
}

/// The library's own threads (`StreamSettings::jobs`, what the CLI's worker processes stand
/// in for) give the results of one thread, in input order.
#[test]
fn threads_in_one_process_give_the_results_of_one_thread_in_order() {
    use harness::batch::{JobResult, RunSettings};
    use runner::stream::{Progress, StreamSettings, inputs, replay_stream};
    let dir = tmp("threads");
    let events = dir.join("events.jsonl");
    generate(&runner_bin(), 300, 33, &events);
    let found = inputs(&[root().join("test-events/flows"), events]).unwrap();
    let runner = deployed();
    let results = |jobs: usize| -> Vec<Value> {
        let run = RunSettings {
            now: now(),
            budget: std::time::Duration::from_secs(20),
            flow: runner.default_flow(),
            secrets: Vec::new(),
            record: false,
            filter: None,
        };
        let mut all = Vec::new();
        replay_stream(runner, &found, &StreamSettings { jobs, run, shard: None }, &Progress::default(), |job: JobResult| {
            let mut value = serde_json::to_value(&job.result).unwrap();
            value.as_object_mut().unwrap().remove("usage");
            all.push(value);
            std::ops::ControlFlow::Continue(())
        });
        all
    };
    let (one, three) = (results(1), results(3));
    let flows = discover(&[root().join("test-events/flows")]).unwrap().len();
    assert_eq!(one.len(), flows + 300, "{flows} flow fixtures and 300 events");
    assert_eq!(one, three);
}
