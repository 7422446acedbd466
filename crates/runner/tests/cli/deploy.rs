//! `runner deploy` and `runner export` end to end: the real binary (`CARGO_BIN_EXE_runner`,
//! which Cargo builds for this test binary) against the local Management API of
//! `mock-auth0` on 127.0.0.1. Nothing here touches the internet or depends on timing: builds
//! advance one step per GET, and retry waits are capped at 1 ms with `--max-wait 1`.
//!
//! Every run goes through `deploy()`, which asserts that no token the mock issued, no client
//! secret and no secret value appears in its stdout or stderr.

// Helpers outside `#[test]` functions fail a test the way a test does: by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::process::Command;

use mock_auth0::{CLIENT_SECRET, Fault, FaultKind, MockAuth0, SeedAction};
use serde_json::Value;
use crate::runner_bin;

const MS: &str = "Manage_Subscription";
const SDMR: &str = "Set_Default_Member_Role";

/// Values distinctive enough to search for in the output.
const SECRET_VALUES: [(&str, &str); 5] = [
    ("AUTH0_SECRET_TRIAL_DAYS", "14"),
    ("AUTH0_SECRET_ROLE_ID", "rol_SECRETVALUE_role_4711"),
    ("AUTH0_SECRET_Set_Default_Member_Role_domain", "tenant-secretvalue.eu.auth0.com"),
    ("AUTH0_SECRET_Set_Default_Member_Role_clientId", "cid_SECRETVALUE_7f3a"),
    ("AUTH0_SECRET_Set_Default_Member_Role_clientSecret", "csec_SECRETVALUE_9b2c_do_not_print"),
];

fn binary() -> PathBuf {
    runner_bin()
}

/// A temporary dist/ with tiny bundles of both Actions.
struct Dist(PathBuf);

impl Dist {
    fn new(test: &str) -> Dist {
        let dir = std::env::temp_dir().join(format!("deploy-e2e-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let dist = Dist(dir);
        for name in [MS, SDMR] {
            dist.write(name, &format!("exports.onExecutePostLogin = async (event, api) => {{ /* {name} v1 */ }};"));
        }
        dist
    }

    /// A bundle with the Action's own secrets (as its declaration lists them), around `code`.
    fn write(&self, name: &str, code: &str) {
        let action = tests::native().action(name).expect("an Action of the seed crate");
        let secrets = action.manifest_secrets();
        let secrets: Vec<(&str, bool)> = secrets.iter().map(|secret| (secret.name.as_str(), secret.required)).collect();
        deploy::bundle::write_bundle(&self.0, name, code, &secrets).unwrap();
    }
}

impl Drop for Dist {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The binary with a clean environment pointing at the mock: credentials and secret values
/// in environment variables, short waits.
fn cli(mock: &MockAuth0, dist: &Dist) -> Command {
    let mut command = tenant_command(mock, "deploy", dist);
    command.args(["--poll-interval", "1", "--max-wait", "1", "--max-tries", "4", "--build-timeout", "60"]);
    command
}

/// `runner <subcommand> --dist <dist>` against the mock.
fn tenant_command(mock: &MockAuth0, subcommand: &str, dist: &Dist) -> Command {
    let mut command = Command::new(binary());
    command
        .env_clear()
        .env("NO_COLOR", "1")
        .env("AUTH0_DOMAIN", mock.domain())
        .env("AUTH0_CLIENT_ID", mock_auth0::CLIENT_ID)
        .env("AUTH0_CLIENT_SECRET", CLIENT_SECRET)
        .env("AUTH0_MANAGEMENT_URL", mock.base_url())
        .args([subcommand, "--dist"])
        .arg(&dist.0);
    for (key, value) in SECRET_VALUES {
        command.env(key, value);
    }
    command
}

fn run_cli(mut command: Command, mock: &MockAuth0) -> Run {
    let output = command.output().expect("the runner starts");
    let run = Run {
        code: output.status.code().expect("the runner exits"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert_clean(&run, mock);
    run
}

fn deploy(mock: &MockAuth0, dist: &Dist, args: &[&str]) -> Run {
    let mut command = cli(mock, dist);
    command.args(args);
    run_cli(command, mock)
}

/// No token, client secret or secret value in anything printed.
fn assert_clean(run: &Run, mock: &MockAuth0) {
    let output = format!("{}\n{}", run.stdout, run.stderr);
    let mut forbidden: Vec<String> = mock.tokens();
    forbidden.push(CLIENT_SECRET.to_owned());
    forbidden.extend(SECRET_VALUES.iter().filter(|(_, v)| v.len() > 2).map(|(_, v)| (*v).to_owned()));
    forbidden.push("SECRETVALUE".to_owned());
    forbidden.push("mock-token".to_owned());
    for value in forbidden {
        assert!(!output.contains(&value), "the output shows {value:?}:\n{output}");
    }
}

fn writes(mock: &MockAuth0) -> Vec<String> {
    mock.writes().iter().map(|r| format!("{} {}", r.method, r.path)).collect()
}

fn id_of(mock: &MockAuth0, name: &str) -> String {
    mock.action(name).unwrap()["id"].as_str().unwrap().to_owned()
}

#[test]
fn first_deploy_on_an_empty_tenant_creates_deploys_and_binds() {
    let mock = MockAuth0::start();
    let dist = Dist::new("first");
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mock.bound_names(), [MS, SDMR]);
    assert_eq!((mock.versions(MS), mock.versions(SDMR)), (1, 1));
    let action = mock.action(SDMR).unwrap();
    assert_eq!(action["runtime"], "node22");
    assert_eq!(action["supported_triggers"], serde_json::json!([{"id": "post-login", "version": "v3"}]));
    assert_eq!(mock.secret_value(SDMR, "ROLE_ID").unwrap(), "rol_SECRETVALUE_role_4711");
    assert_eq!(mock.secret_value(SDMR, "clientSecret").unwrap(), "csec_SECRETVALUE_9b2c_do_not_print");
    assert_eq!(mock.secret_value(MS, "TRIAL_DAYS").unwrap(), "14");
    assert_eq!(mock.secret_value(MS, "CLAIM_NAME"), None, "an optional secret without a value is not set");
    let ms = id_of(&mock, MS);
    let sdmr = id_of(&mock, SDMR);
    assert_eq!(
        writes(&mock),
        [
            "POST /api/v2/actions/actions".to_owned(),
            "POST /api/v2/actions/actions".to_owned(),
            format!("POST /api/v2/actions/actions/{ms}/deploy"),
            format!("POST /api/v2/actions/actions/{sdmr}/deploy"),
            "PATCH /api/v2/actions/triggers/post-login/bindings".to_owned(),
        ]
    );
    assert!(run.stdout.contains("Manage_Subscription: create, code sha256"), "{}", run.stdout);
    assert!(run.stdout.contains("done: 2 created, 0 updated, 2 deployed, 2 bound"), "{}", run.stdout);
}

#[test]
fn a_second_deploy_with_unchanged_code_writes_nothing() {
    let mock = MockAuth0::start();
    let dist = Dist::new("again");
    assert_eq!(deploy(&mock, &dist, &[]).code, 0);
    mock.clear_requests();
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(writes(&mock), Vec::<String>::new());
    assert_eq!((mock.versions(MS), mock.versions(SDMR)), (1, 1));
    assert_eq!(mock.bound_names(), [MS, SDMR]);
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    assert!(run.stdout.contains("Manage_Subscription: unchanged"), "{}", run.stdout);
}

#[test]
fn a_code_change_is_one_update_and_one_deploy() {
    let mock = MockAuth0::start();
    let dist = Dist::new("change");
    assert_eq!(deploy(&mock, &dist, &[]).code, 0);
    let old = auth0_actions::sha256_hex(mock.action(MS).unwrap()["code"].as_str().unwrap().as_bytes());
    dist.write(MS, "exports.onExecutePostLogin = async (event, api) => { /* ms v2 */ };");
    let new = deploy::bundle::Bundle::load(&dist.0, MS).unwrap().code_sha256().to_owned();
    mock.clear_requests();
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let ms = id_of(&mock, MS);
    assert_eq!(
        writes(&mock),
        [format!("PATCH /api/v2/actions/actions/{ms}"), format!("POST /api/v2/actions/actions/{ms}/deploy")]
    );
    assert_eq!((mock.versions(MS), mock.versions(SDMR)), (2, 1));
    assert!(mock.action(MS).unwrap()["code"].as_str().unwrap().contains("ms v2"));
    let line = format!("Manage_Subscription: update (code), code sha256 {} → {}", &old[..12], &new[..12]);
    assert!(run.stdout.contains(&line), "expected {line:?} in\n{}", run.stdout);
    // The PATCH carries no `secrets`: nothing to set, so the tenant's secrets are untouched.
    let patch = mock.requests().into_iter().find(|r| r.method == "PATCH").unwrap();
    assert!(!patch.body.contains("\"secrets\""), "{}", patch.body);
}

#[test]
fn bindings_of_other_actions_stay_in_their_order() {
    let mock = MockAuth0::start();
    mock.add_action(SeedAction::new("Someone_Elses_First", "exports.a = 1;"));
    mock.add_action(SeedAction::new("Someone_Elses_Second", "exports.b = 1;"));
    mock.bind("Someone_Elses_First");
    mock.bind("Someone_Elses_Second");
    let dist = Dist::new("foreign");
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mock.bound_names(), ["Someone_Elses_First", "Someone_Elses_Second", MS, SDMR]);
    assert!(run.stdout.contains("before: Someone_Elses_First, Someone_Elses_Second"), "{}", run.stdout);
    // Rerun: nothing moves.
    mock.clear_requests();
    assert_eq!(deploy(&mock, &dist, &[]).code, 0);
    assert_eq!(writes(&mock), Vec::<String>::new());
    assert_eq!(mock.bound_names(), ["Someone_Elses_First", "Someone_Elses_Second", MS, SDMR]);
}

#[test]
fn bind_after_a_named_action() {
    let mock = MockAuth0::start();
    mock.add_action(SeedAction::new("First", "exports.a = 1;"));
    mock.add_action(SeedAction::new("Last", "exports.b = 1;"));
    mock.bind("First");
    mock.bind("Last");
    let dist = Dist::new("after");
    let run = deploy(&mock, &dist, &["--bind-after", "Nowhere"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("expected the Action \"Nowhere\" in the post-login flow to place Manage_Subscription next to it, found [First, Last]"), "{}", run.stderr);
    assert_eq!(writes(&mock), Vec::<String>::new());
    let run = deploy(&mock, &dist, &["--bind-after", "First"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mock.bound_names(), ["First", MS, SDMR, "Last"]);
}

#[test]
fn secrets_the_tool_does_not_manage_are_kept() {
    let mock = MockAuth0::start();
    // SDMR exists with old code, one of our secrets and one that is not ours.
    mock.add_action(
        SeedAction::new(SDMR, "exports.old = 1;").secret("ROLE_ID", "rol_old_value").secret("LEGACY_KEY", "legacy-value"),
    );
    let dist = Dist::new("unmanaged");
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    // Ours are set (domain, clientId, clientSecret were missing), the existing ROLE_ID is kept
    // (no --update-secrets), and LEGACY_KEY keeps its value.
    assert_eq!(mock.secret_value(SDMR, "LEGACY_KEY").unwrap(), "legacy-value");
    assert_eq!(mock.secret_value(SDMR, "ROLE_ID").unwrap(), "rol_old_value");
    assert_eq!(mock.secret_value(SDMR, "clientId").unwrap(), "cid_SECRETVALUE_7f3a");
    assert!(run.stdout.contains("keep unmanaged LEGACY_KEY"), "{}", run.stdout);
    assert!(run.stdout.contains("set domain, clientId, clientSecret"), "{}", run.stdout);
    let patch = mock.requests().into_iter().find(|r| r.method == "PATCH" && r.path.contains("/actions/actions/")).unwrap();
    let body: Value = serde_json::from_str(&patch.body).unwrap();
    let names: Vec<&str> = body["secrets"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ROLE_ID", "LEGACY_KEY", "domain", "clientId", "clientSecret"]);
    assert!(body["secrets"][1].get("value").is_none(), "an unmanaged secret is sent by name alone");

    // Rotation: --update-secrets rewrites ours, still keeping LEGACY_KEY.
    let run = deploy(&mock, &dist, &["--update-secrets"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mock.secret_value(SDMR, "ROLE_ID").unwrap(), "rol_SECRETVALUE_role_4711");
    assert_eq!(mock.secret_value(SDMR, "LEGACY_KEY").unwrap(), "legacy-value");
}

#[test]
fn a_failed_build_prints_the_errors_exits_1_and_binds_nothing() {
    let mock = MockAuth0::start();
    mock.fail_builds_of(SDMR);
    let dist = Dist::new("failed");
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("the build of Set_Default_Member_Role failed: Cannot find module"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was deployed or bound"), "{}", run.stderr);
    assert!(mock.bound_names().is_empty());
    assert!(!writes(&mock).iter().any(|w| w.ends_with("/deploy") || w.contains("bindings")), "{:?}", writes(&mock));
    // Fixed: the rerun completes.
    mock.fix_builds();
    dist.write(SDMR, "exports.onExecutePostLogin = async () => { /* fixed */ };");
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mock.bound_names(), [MS, SDMR]);
}

fn requests_of_a_clean_first_deploy() -> usize {
    let mock = MockAuth0::start();
    let dist = Dist::new("baseline");
    assert_eq!(deploy(&mock, &dist, &[]).code, 0);
    mock.requests().len()
}

#[test]
fn rate_limit_bursts_are_retried_and_bounded() {
    let baseline = requests_of_a_clean_first_deploy();
    let mock = MockAuth0::start();
    let in_an_hour = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 3600;
    // Three 429s on reads (Retry-After of an hour, capped by --max-wait), two on the create
    // (x-ratelimit-reset only), one on the bindings write (no header: backoff).
    mock.push_fault(Fault::new(Some("GET"), "/api/v2/", 3, FaultKind::RateLimit { retry_after: Some(3600), reset: None }));
    mock.push_fault(Fault::new(Some("POST"), "/api/v2/actions/actions", 2, FaultKind::RateLimit { retry_after: None, reset: Some(in_an_hour) }));
    mock.push_fault(Fault::new(Some("PATCH"), "bindings", 1, FaultKind::RateLimit { retry_after: None, reset: None }));
    let dist = Dist::new("burst");
    let started = std::time::Instant::now();
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mock.bound_names(), [MS, SDMR]);
    assert_eq!(mock.requests().len(), baseline + 6, "each 429 costs exactly one more request");
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "waits are capped by --max-wait");

    // A limit that never clears: each call stops after --max-tries, exit 2.
    let mock = MockAuth0::start();
    mock.push_fault(Fault::new(None, "/api/v2/", u32::MAX, FaultKind::RateLimit { retry_after: Some(1), reset: None }));
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("found 429 Too Many Requests after 4 tries"), "{}", run.stderr);
    assert_eq!(mock.requests().len(), 1 + 4, "the token, then four tries of the first call");
}

#[test]
fn wrong_credentials_and_missing_scopes_are_named() {
    let mock = MockAuth0::start();
    let dist = Dist::new("auth");
    let mut command = cli(&mock, &dist);
    command.env("AUTH0_CLIENT_SECRET", "not-the-secret");
    let run = run_cli(command, &mock);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("POST /oauth/token: Auth0 answered 401 (access_denied): Unauthorized; check the client id and secret"), "{}", run.stderr);
    assert!(!run.stderr.contains("not-the-secret"));

    // The token lists its scopes: a deploy that would need more stops before any write.
    mock.set_scopes(&["read:actions", "create:actions"]);
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("found update:actions missing; the client needs update:actions"), "{}", run.stderr);
    assert_eq!(writes(&mock), Vec::<String>::new());

    // A token response that does not list its scopes: Auth0's 403 is named just as clearly.
    mock.set_scopes(&["read:actions"]);
    mock.omit_scope_in_token_response();
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("POST /api/v2/actions/actions: Auth0 answered 403 (Forbidden): Insufficient scope, expected any of: create:actions; the client needs the scope create:actions"),
        "{}",
        run.stderr
    );
    assert!(mock.action(MS).is_none());
    // Reading is enough for a dry run.
    let run = deploy(&mock, &dist, &["--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");

    mock.set_scopes(&[]);
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("the client needs the scope read:actions"), "{}", run.stderr);
}

#[test]
fn a_dropped_connection_exits_2_and_a_rerun_completes() {
    let mock = MockAuth0::start();
    let dist = Dist::new("drop");
    // The first deploy is applied by the server, then the connection drops before the answer.
    mock.push_fault(Fault::new(Some("POST"), "/deploy", 1, FaultKind::Drop { after_processing: true }));
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("/deploy: expected an answer from the Management API, found a transport error"), "{}", run.stderr);
    assert!(mock.bound_names().is_empty());
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mock.bound_names(), [MS, SDMR]);
    assert_eq!((mock.versions(MS), mock.versions(SDMR)), (1, 1), "no version twice");

    // Dropped before the server saw the create: the rerun creates it.
    let mock = MockAuth0::start();
    mock.push_fault(Fault::new(Some("POST"), "/api/v2/actions/actions", 1, FaultKind::Drop { after_processing: false }));
    assert_eq!(deploy(&mock, &dist, &[]).code, 2);
    assert!(mock.action(MS).is_none());
    assert_eq!(deploy(&mock, &dist, &[]).code, 0);
    assert_eq!(mock.bound_names(), [MS, SDMR]);
}

#[test]
fn a_server_that_is_gone_exits_2() {
    let dist = Dist::new("gone");
    let gone = MockAuth0::start();
    let command = cli(&gone, &dist);
    drop(gone);
    let run = run_cli(command, &MockAuth0::start());
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("POST /oauth/token: expected an answer from the Management API"), "{}", run.stderr);
}

#[test]
fn dry_run_prints_the_plan_and_sends_no_write() {
    let mock = MockAuth0::start();
    mock.add_action(SeedAction::new("Someone_Elses", "exports.a = 1;").secret("X", "x"));
    mock.bind("Someone_Elses");
    mock.add_action(SeedAction::new(MS, "exports.old = 1;").secret("OTHER", "o"));
    let dist = Dist::new("dry");
    let run = deploy(&mock, &dist, &["--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(writes(&mock), Vec::<String>::new());
    let out = &run.stdout;
    for expected in [
        "plan (dry run: nothing is changed)",
        "Manage_Subscription: update (code, secrets TRIAL_DAYS), code sha256",
        "secrets: set TRIAL_DAYS; keep unmanaged OTHER; leave unset (optional, no value) CLAIM_NAME",
        "Set_Default_Member_Role: create, code sha256",
        "secrets: set ROLE_ID, domain, clientId, clientSecret",
        "    deploy",
        "post-login flow: bind Manage_Subscription, bind Set_Default_Member_Role",
        "before: Someone_Elses",
        "after:  Someone_Elses, Manage_Subscription, Set_Default_Member_Role",
        "dry run: nothing was changed",
    ] {
        assert!(out.contains(expected), "expected {expected:?} in\n{out}");
    }
    assert_eq!(mock.action(MS).unwrap()["code"], "exports.old = 1;");
}

#[test]
fn json_gives_the_plan_then_the_result() {
    let mock = MockAuth0::start();
    let dist = Dist::new("json");
    let run = deploy(&mock, &dist, &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(lines[0]["plan"]["actions"][0]["change"]["kind"], "create");
    assert_eq!(lines[0]["plan"]["flows"][0]["bind"], serde_json::json!([MS, SDMR]));
    assert_eq!(lines[1]["result"]["changed"], true);
    assert_eq!(lines[1]["result"]["outcome"]["flows"], serde_json::json!([{"trigger": "post-login", "actions": [MS, SDMR]}]));

    mock.fail_builds_of(MS);
    dist.write(MS, "exports.x = 2;");
    let run = deploy(&mock, &dist, &["--json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let last: Value = serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["error"]["exit_code"], 1);
    assert_eq!(last["error"]["build_failures"][0]["action"], MS);
}

#[test]
fn missing_inputs_exit_2_before_any_request() {
    let mock = MockAuth0::start();
    let dist = Dist::new("inputs");
    let mut command = cli(&mock, &dist);
    command.env_remove("AUTH0_CLIENT_SECRET");
    let run = run_cli(command, &mock);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("expected the client secret in AUTH0_CLIENT_SECRET or --client-secret-file"), "{}", run.stderr);

    let mut command = cli(&mock, &dist);
    command.env_remove("AUTH0_SECRET_ROLE_ID");
    let run = run_cli(command, &mock);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("expected a value for the required secret ROLE_ID of Set_Default_Member_Role"), "{}", run.stderr);
    assert_eq!(writes(&mock), Vec::<String>::new());

    // A manifest edited by hand: its secrets no longer those the module's description lists.
    let manifest_path = dist.0.join(MS).join("manifest.json");
    let mut manifest: Value = serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["secrets"].as_array_mut().unwrap().retain(|secret| secret["name"] == "TRIAL_DAYS");
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    let run = deploy(&mock, &dist, &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("expected the name and the secrets [CLAIM_NAME, TRIAL_DAYS] of the module's description, found [TRIAL_DAYS]"),
        "{}",
        run.stderr
    );
    assert_eq!(writes(&mock), Vec::<String>::new());

    let run = deploy(&mock, &Dist(dist.0.join("nowhere")), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cargo xtask build"), "{}", run.stderr);
}

#[test]
fn secrets_from_a_file() {
    let mock = MockAuth0::start();
    let dist = Dist::new("file");
    let file = dist.0.join("secrets.env");
    std::fs::write(&file, "# test\nSet_Default_Member_Role.ROLE_ID=rol_SECRETVALUE_from_file\nCLAIM_NAME=https://example.com/sub\n").unwrap();
    let mut command = cli(&mock, &dist);
    command.env_remove("AUTH0_SECRET_ROLE_ID").arg("--secrets-file").arg(&file);
    let run = run_cli(command, &mock);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mock.secret_value(SDMR, "ROLE_ID").unwrap(), "rol_SECRETVALUE_from_file");
    assert_eq!(mock.secret_value(MS, "CLAIM_NAME").unwrap(), "https://example.com/sub");
}

#[test]
fn export_writes_a0deploy_and_terraform() {
    let dist = Dist::new("export");
    let out = dist.0.join("a0");
    let status = Command::new(binary())
        .args(["export", "--format", "a0deploy", "--dist"])
        .arg(&dist.0)
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let action: Value = serde_json::from_str(&std::fs::read_to_string(out.join("actions/Set_Default_Member_Role.json")).unwrap()).unwrap();
    assert_eq!(action["code"], "./actions/Set_Default_Member_Role/code.js");
    assert_eq!(action["secrets"][0], serde_json::json!({"name": "ROLE_ID", "value": "##Set_Default_Member_Role_ROLE_ID##"}));
    assert!(out.join("actions/Set_Default_Member_Role/code.js").exists());
    let triggers: Value = serde_json::from_str(&std::fs::read_to_string(out.join("triggers/triggers.json")).unwrap()).unwrap();
    assert_eq!(triggers["post-login"][0], serde_json::json!({"action_name": MS, "display_name": MS}));

    let file = dist.0.join("actions.tf.json");
    let status = Command::new(binary())
        .args(["export", "--format", "terraform", "--runtime", "node18", "--dist"])
        .arg(&dist.0)
        .arg(&file)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let tf: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let sdmr = &tf["resource"]["auth0_action"]["set_default_member_role"];
    assert_eq!(sdmr["runtime"], "node18-actions");
    assert_eq!(sdmr["secrets"][3], serde_json::json!({"name": "clientSecret", "value": "${var.set_default_member_role_clientsecret}"}));
    assert_eq!(tf["variable"]["set_default_member_role_clientsecret"]["sensitive"], true);
    assert_eq!(tf["resource"]["auth0_trigger_actions"]["post_login"]["actions"][1]["id"], "${auth0_action.set_default_member_role.id}");
}

/// Each Action is bound in its own trigger's flow, where `--place` puts it, beside the
/// tenant's own bindings of every trigger, which stay in their order; a rerun writes
/// nothing, a dry run writes nothing, and `remove` takes ours out of every flow.
#[test]
fn every_trigger_gets_its_own_flow_and_each_action_its_place() {
    let mock = MockAuth0::start();
    mock.add_action(SeedAction::new("Tenant_Login", "exports.onExecutePostLogin = async () => {};"));
    mock.bind("Tenant_Login");
    for name in ["Tenant_M2M_A", "Tenant_M2M_B"] {
        mock.add_action(SeedAction::new(name, "exports.onExecuteCredentialsExchange = async () => {};").trigger("credentials-exchange"));
        mock.bind_to("credentials-exchange", name);
    }
    let dir = std::env::temp_dir().join(format!("deploy-e2e-triggers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dist = Dist(dir);
    let bundles = [
        ("Gate", "post-login", "exports.onExecutePostLogin = async () => {};"),
        ("Later", "post-login", "exports.onExecutePostLogin = async () => {};"),
        ("Scopes", "credentials-exchange", "exports.onExecuteCredentialsExchange = async () => {};"),
        ("Signup", "pre-user-registration", "exports.onExecutePreUserRegistration = async () => {};"),
    ];
    for (name, trigger, code) in bundles {
        deploy::bundle::write_bundle_for(&dist.0, name, trigger, code, &[]).unwrap();
    }
    let places = ["--place", "Gate=first", "--place", "Scopes=after:Tenant_M2M_A"];
    let run = deploy(&mock, &dist, &places);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mock.bound_names_of("post-login"), ["Gate", "Tenant_Login", "Later"]);
    assert_eq!(mock.bound_names_of("credentials-exchange"), ["Tenant_M2M_A", "Scopes", "Tenant_M2M_B"]);
    assert_eq!(mock.bound_names_of("pre-user-registration"), ["Signup"]);
    for line in ["post-login flow: bind Gate, bind Later", "credentials-exchange flow: bind Scopes", "pre-user-registration flow: bind Signup"] {
        assert!(run.stdout.contains(line), "expected {line:?} in\n{}", run.stdout);
    }
    assert_eq!(mock.action("Signup").unwrap()["supported_triggers"][0]["id"], "pre-user-registration");

    mock.clear_requests();
    assert_eq!(deploy(&mock, &dist, &places).code, 0);
    assert_eq!(writes(&mock), Vec::<String>::new(), "a rerun with the same places writes nothing");

    let run = deploy(&mock, &dist, &["--dry-run", "--place", "Gate=last"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("after:  Tenant_Login, Later, Gate"), "{}", run.stdout);
    assert_eq!(writes(&mock), Vec::<String>::new(), "a dry run writes nothing");
    let run = deploy(&mock, &dist, &["--place", "Nowhere=first"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("expected --place to name one of the Actions deployed"), "{}", run.stderr);

    let run = run_cli(tenant_command(&mock, "remove", &dist), &mock);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mock.bound_names_of("post-login"), ["Tenant_Login"]);
    assert_eq!(mock.bound_names_of("credentials-exchange"), ["Tenant_M2M_A", "Tenant_M2M_B"]);
    assert_eq!(mock.bound_names_of("pre-user-registration"), Vec::<String>::new());
    assert_eq!(mock.action_names(), ["Tenant_Login", "Tenant_M2M_A", "Tenant_M2M_B"]);
}
