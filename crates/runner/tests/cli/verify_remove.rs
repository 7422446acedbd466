//! `runner deploy --verify`, `runner verify` and `runner remove` end to end: the real binary
//! against `mock-auth0` on 127.0.0.1, whose test endpoint runs the deployed `code.js` in a
//! real Node child process. The bundles are the real ones `cargo xtask build` wrote to
//! `dist/`. Every run asserts that no token, client secret or secret value appears in what it
//! printed or wrote.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;

use mock_auth0::{CLIENT_SECRET, Fault, FaultKind, MockAuth0, SeedAction, TestAnswer};
use tests::{TempDir, root};
use crate::runner_for_tenant;

const MS: &str = "Manage_Subscription";
const SDMR: &str = "Set_Default_Member_Role";

/// The tenant's secrets, as `deploy` takes them from the environment: (variable, secret,
/// value). ROLE_ID is a production value, never the fixtures' (a pipeline deploys its own);
/// none of them may ever be printed.
const SECRET_VALUES: [(&str, &str, &str); 4] = [
    ("AUTH0_SECRET_ROLE_ID", "ROLE_ID", "rol_PRODUCTION_Qm83Zt"),
    ("AUTH0_SECRET_Set_Default_Member_Role_domain", "domain", "tenant-secretvalue.eu.auth0.com"),
    ("AUTH0_SECRET_Set_Default_Member_Role_clientId", "clientId", "cid_SECRETVALUE_7f3a"),
    ("AUTH0_SECRET_Set_Default_Member_Role_clientSecret", "clientSecret", "csec_SECRETVALUE_9b2c_do_not_print"),
];

fn dist() -> PathBuf {
    root().join("dist")
}

fn code(name: &str) -> String {
    std::fs::read_to_string(dist().join(name).join("code.js")).expect("dist/: run `cargo xtask build` first")
}

/// A few fixtures of each kind, copied to a folder: agreeing ones, a trial whose end date comes
/// from the clock, one that sets a secret the tenant lacks, a first login (Management API).
fn some_events(dir: &TempDir) -> PathBuf {
    let events = dir.path().join("events");
    std::fs::create_dir_all(&events).unwrap();
    for file in [
        "manage-subscription/personal-team-plan-activation.json",
        "manage-subscription/new-user-one-day-trial.json",
        "manage-subscription/subscription-a-number.json",
        "manage-subscription/trial-days-14.json",
        "set-default-member-role/second-login.json",
        "set-default-member-role/first-login-in-organization.json",
    ] {
        let from = root().join("test-events").join(file);
        std::fs::copy(&from, events.join(from.file_name().unwrap())).unwrap();
    }
    events
}

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cli(mock: &MockAuth0, args: &[&str], extra: &[&Path]) -> Command {
    let mut command = runner_for_tenant(&mock.domain(), &mock.base_url(), mock_auth0::CLIENT_ID, CLIENT_SECRET);
    command
        .args(args)
        .args(extra)
        .arg("--dist")
        .arg(dist())
        .args(["--max-wait", "1", "--max-tries", "4"]);
    for (variable, _, value) in SECRET_VALUES {
        command.env(variable, value);
    }
    command
}

fn run(mock: &MockAuth0, args: &[&str], extra: &[&Path]) -> Run {
    let output = cli(mock, args, extra).output().expect("the runner starts");
    let run = Run {
        code: output.status.code().expect("the runner exits"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert_clean(&format!("{}\n{}", run.stdout, run.stderr), mock);
    run
}

/// No token, client secret or secret value in `text`.
fn assert_clean(text: &str, mock: &MockAuth0) {
    let mut forbidden: Vec<String> = mock.tokens();
    forbidden.push(CLIENT_SECRET.to_owned());
    forbidden.extend(SECRET_VALUES.iter().map(|(_, _, value)| (*value).to_owned()));
    for value in forbidden {
        assert!(!text.contains(&value), "a secret or token was printed:\n{text}");
    }
}

/// A tenant that has both bundles, deployed, with their secrets, bound in post-login.
fn deployed() -> MockAuth0 {
    let mock = MockAuth0::start();
    mock.add_action(SeedAction::new(MS, &code(MS)));
    let mut sdmr = SeedAction::new(SDMR, &code(SDMR));
    for (_, name, value) in SECRET_VALUES {
        sdmr = sdmr.secret(name, value);
    }
    mock.add_action(sdmr);
    mock.bind(MS);
    mock.bind(SDMR);
    mock
}

fn tests_sent(mock: &MockAuth0) -> usize {
    mock.requests().iter().filter(|r| r.method == "POST" && r.path.ends_with("/test")).count()
}

#[test]
fn a_deploy_then_verify_agrees_on_every_fixture_that_fits() {
    let mock = MockAuth0::start();
    let dir = TempDir::new("verify-agree");
    let junit = dir.path().join("verify.xml");
    let answers = dir.path().join("answers");
    let result = run(
        &mock,
        &["deploy", "--verify", "--poll-interval", "1", "--verify-junit"],
        &[&junit, Path::new("--save-answers"), &answers],
    );
    assert_eq!(result.code, 0, "stdout:\n{}\nstderr:\n{}", result.stdout, result.stderr);
    let summary = result.stdout.lines().last().unwrap_or_default();
    assert!(summary.starts_with("verify: ") && summary.contains(" 0 differ, 0 failed, 0 ran") && summary.contains(" 0 skipped"), "{summary}");
    // Both Actions tested with the production ROLE_ID: the events that make no write are sent.
    let sdmr = result.stdout.lines().find(|l| l.starts_with("verify: Set_Default_Member_Role: ")).unwrap_or_default();
    let tested: usize = sdmr.split_whitespace().nth(2).and_then(|n| n.parse().ok()).unwrap_or_default();
    assert!(tested >= 5 && sdmr.contains(&format!("{tested} tested, {tested} passed")), "{}", result.stdout);
    assert!(sdmr.contains("not sent (a Management API write)"), "{sdmr}");
    assert!(result.stdout.contains("AGREE   Manage_Subscription  test-events/manage-subscription/new-user-one-day-trial.json"), "{}", result.stdout);
    assert!(result.stdout.contains("AGREE   Manage_Subscription  test-events/manage-subscription/unrelated-app-metadata-1mb-beside-subscription.json"));
    assert!(result.stdout.contains("AGREE   Set_Default_Member_Role  test-events/set-default-member-role/second-login.json"));
    // Management API events are never sent: a test run on a tenant is real.
    let skip = result.stdout.lines().skip_while(|l| !l.contains("first-login-in-organization.json")).nth(1).unwrap_or_default();
    assert!(skip.contains("its local replay makes a Management API write (POST /api/v2/organizations/"), "{}", result.stdout);
    assert!(result.stdout.contains("UNSENT  Set_Default_Member_Role  test-events/set-default-member-role/first-login-in-organization.json"));
    let agreed = result.stdout.lines().filter(|l| l.starts_with("AGREE")).count();
    assert_eq!(tests_sent(&mock), agreed, "one test run per agreeing event, none for skipped ones");
    // The raw answers of one event per Action, and a JUnit report.
    for action in [MS, SDMR] {
        let saved = std::fs::read_to_string(answers.join(format!("{action}.json"))).unwrap();
        assert!(saved.contains("\"payload\""), "{saved}");
        assert_clean(&saved, &mock);
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"0\"") && xml.contains("<skipped message="), "{xml}");
    assert_clean(&xml, &mock);
}

#[test]
fn a_bundle_edited_after_replay_is_caught() {
    let mock = deployed();
    let edited = code(MS).replace(
        "callApi(api, effect.api, effect.args)",
        "callApi(api, effect.api, effect.args.map((a) => (typeof a === 'string' ? a.replace('team', 'enterprise') : a)))",
    );
    assert_ne!(edited, code(MS), "the shim's call site moved: update this test");
    mock.edit_code(MS, &edited);
    let dir = TempDir::new("verify-differ");
    let result = run(&mock, &["verify", "--events"], &[&some_events(&dir)]);
    assert_eq!(result.code, 1, "{}", result.stdout);
    assert!(result.stdout.contains("note: Manage_Subscription's code on the tenant (sha256 "), "{}", result.stdout);
    assert!(result.stdout.contains("DIFFER  Manage_Subscription"), "{}", result.stdout);
    assert!(result.stdout.contains("+ idToken.setCustomClaim [\"subscription\",\"enterprise;2025-01-31T00:00:00.000Z;activation\"]"), "{}", result.stdout);
    assert!(result.stdout.contains("AGREE   Set_Default_Member_Role"), "{}", result.stdout);
}

#[test]
fn a_tenant_answering_with_the_error_shape_fails_the_verify_in_one_sentence() {
    let mock = deployed();
    mock.set_test_answer(TestAnswer::Error);
    let dir = TempDir::new("verify-error");
    let result = run(&mock, &["verify", "--json", "--events"], &[&some_events(&dir)]);
    assert_eq!(result.code, 1, "{}", result.stdout);
    let failed: Vec<serde_json::Value> = result
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["event"]["verdict"] == "failed")
        .collect();
    assert!(!failed.is_empty(), "{}", result.stdout);
    assert_eq!(failed[0]["event"]["sentence"], "Manage_Subscription threw on the tenant's node22: Error: Cannot find module 'auth0'");
}

#[test]
fn an_answer_without_calls_compares_the_log_lines_and_says_so() {
    let mock = deployed();
    mock.set_test_answer(TestAnswer::WithoutCalls);
    let dir = TempDir::new("verify-no-calls");
    let result = run(&mock, &["verify", "--events"], &[&some_events(&dir)]);
    assert_eq!(result.code, 0, "{}", result.stdout);
    assert!(result.stdout.contains("RAN     Manage_Subscription"), "{}", result.stdout);
    assert!(result.stdout.contains("the tenant's answer did not show the api calls; their log lines were compared"), "{}", result.stdout);
    // The number fixture logs a line: the lines are compared, and a changed line differs.
    let edited = code(MS).replace("typeof effect.log === 'string') {\n    log(effect.log, event);", "typeof effect.log === 'string') {\n    log(`${effect.log}!`, event);");
    assert_ne!(edited, code(MS), "the shim's log site moved: update this test");
    mock.edit_code(MS, &edited);
    let result = run(&mock, &["verify", "--events"], &[&some_events(&dir)]);
    assert_eq!(result.code, 1, "{}", result.stdout);
    assert!(result.stdout.contains("DIFFER  Manage_Subscription  ") && result.stdout.contains("subscription-a-number.json"), "{}", result.stdout);
}

#[test]
fn a_management_api_write_is_never_sent_and_the_fixtures_own_secrets_give_way_to_the_tenants() {
    let mock = deployed();
    let dir = TempDir::new("verify-unsent");
    let result = run(&mock, &["verify", "--events"], &[&some_events(&dir)]);
    assert_eq!(result.code, 0, "{}", result.stdout);
    let after = |file: &str| result.stdout.lines().skip_while(|l| !l.ends_with(file)).nth(1).unwrap_or_default().to_owned();
    assert!(result.stdout.contains("UNSENT  Set_Default_Member_Role"), "{}", result.stdout);
    assert!(after("first-login-in-organization.json").contains("a test run on the tenant is real"), "{}", result.stdout);
    // The fixture sets TRIAL_DAYS 14; the tenant's Action has no TRIAL_DAYS, so the local
    // replay runs without it too, and agrees with the tenant.
    assert!(result.stdout.contains("AGREE   Manage_Subscription  ") && result.stdout.contains("trial-days-14.json"), "{}", result.stdout);
    assert!(result.stdout.contains("verify: Manage_Subscription: 4 tested, 4 passed\n"), "{}", result.stdout);
    assert!(result.stdout.contains("verify: Set_Default_Member_Role: 1 tested, 1 passed; 1 not sent (a Management API write)\n"), "{}", result.stdout);
    assert!(result.stdout.ends_with("verify: 5 agree, 0 differ, 0 failed, 0 ran (calls not exposed), 0 skipped, 1 not sent\n"), "{}", result.stdout);
    assert_eq!(tests_sent(&mock), 5, "{}", result.stdout);
    let bodies: Vec<String> = mock.requests().into_iter().filter(|r| r.path.ends_with("/test")).map(|r| r.body).collect();
    assert!(bodies.iter().all(|b| !b.contains("\"secrets\"")), "the tenant adds its own secrets: none are sent");
}

#[test]
fn a_secret_whose_value_is_unknown_skips_by_name_and_an_untested_action_fails_the_verify() {
    // The tenant's Manage_Subscription has a TRIAL_DAYS whose value this run was not given.
    let mock = MockAuth0::start();
    mock.add_action(SeedAction::new(MS, &code(MS)).secret("TRIAL_DAYS", "30"));
    mock.add_action(SeedAction::new(SDMR, &code(SDMR)));
    mock.bind(MS);
    mock.bind(SDMR);
    let dir = TempDir::new("verify-unknown");
    let events = some_events(&dir);
    let allow = ["--allow-untested", SDMR];
    let result = run(&mock, &["verify", allow[0], allow[1], "--events"], &[&events]);
    assert_eq!(result.code, 1, "{}", result.stdout);
    let skip = result.stdout.lines().skip_while(|l| !l.starts_with("SKIP    Manage_Subscription")).nth(1).unwrap_or_default();
    assert!(skip.contains("its decision reads the secret TRIAL_DAYS, whose value on the tenant is not known to this run"), "{}", result.stdout);
    assert!(result.stdout.contains("verify: Manage_Subscription: 0 tested, 0 passed; 4 skipped (its decision reads the secret TRIAL_DAYS"), "{}", result.stdout);
    assert!(
        result.stdout.contains("error: Manage_Subscription was deployed and no event of it was tested on the tenant (4 skipped, 0 not sent)"),
        "{}",
        result.stdout
    );
    assert_eq!(tests_sent(&mock), 2, "Set_Default_Member_Role's two, none of Manage_Subscription's");
    // Allowed: the same verify passes, and says what it did not test.
    let result = run(&mock, &["verify", allow[0], allow[1], "--allow-untested", MS, "--events"], &[&events]);
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    // Given the value, as deploy would be: every event of it is tested, with that value.
    let mut command = cli(&mock, &["verify", allow[0], allow[1], "--events"], &[&events]);
    command.env("AUTH0_SECRET_TRIAL_DAYS", "30");
    let output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("verify: Manage_Subscription: 4 tested, 4 passed\n"), "{stdout}");
    assert_eq!(tests_sent(&mock), 2 + 2 + 6);
}

#[test]
fn removal_keeps_every_foreign_binding_in_order_through_a_429() {
    let mock = MockAuth0::start();
    for name in ["Before", MS, "Between", SDMR, "After"] {
        mock.add_action(SeedAction::new(name, "exports.onExecutePostLogin = async () => {};"));
        mock.bind(name);
    }
    mock.add_action(SeedAction::new("Unbound_Other", "exports.onExecutePostLogin = async () => {};"));

    let dry = run(&mock, &["remove", "--dry-run"], &[]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(dry.stdout.contains("    before: Before, Manage_Subscription, Between, Set_Default_Member_Role, After"), "{}", dry.stdout);
    assert!(dry.stdout.contains("    after:  Before, Between, After"), "{}", dry.stdout);
    assert!(mock.writes().is_empty(), "a dry run writes nothing");

    mock.push_fault(Fault::new(Some("DELETE"), "/api/v2/actions/actions/", 1, FaultKind::RateLimit { retry_after: Some(0), reset: None }));
    let removed = run(&mock, &["remove"], &[]);
    assert_eq!(removed.code, 0, "stdout:\n{}\nstderr:\n{}", removed.stdout, removed.stderr);
    assert!(removed.stdout.contains("done: 2 unbound, 2 deleted"), "{}", removed.stdout);
    assert_eq!(mock.bound_names(), ["Before", "Between", "After"]);
    assert_eq!(mock.action_names(), ["Before", "Between", "After", "Unbound_Other"]);

    mock.clear_requests();
    let again = run(&mock, &["remove"], &[]);
    assert_eq!(again.code, 0);
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
    assert!(mock.writes().is_empty(), "a second removal writes nothing");
}

#[test]
fn an_action_bound_to_another_trigger_is_reported_and_left_alone() {
    let mock = MockAuth0::start();
    mock.add_action(SeedAction::new(MS, "exports.onExecutePostLogin = async () => {};").trigger("credentials-exchange"));
    mock.add_action(SeedAction::new(SDMR, "exports.onExecutePostLogin = async () => {};"));
    mock.bind(MS);
    mock.bind(SDMR);
    mock.bind_to("credentials-exchange", MS);
    let result = run(&mock, &["remove"], &[]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(result.stdout.contains("Manage_Subscription: left alone, also bound to credentials-exchange"), "{}", result.stdout);
    assert_eq!(mock.bound_names(), [MS]);
    assert_eq!(mock.bound_names_of("credentials-exchange"), [MS]);
    assert_eq!(mock.action_names(), [MS]);
}

#[test]
fn deleting_a_bound_action_is_refused_by_the_mock_as_by_auth0() {
    let mock = MockAuth0::start();
    let id = mock.add_action(SeedAction::new(MS, "exports.onExecutePostLogin = async () => {};"));
    mock.bind(MS);
    let mut client = auth0_mgmt::Client::new({
        let mut config = auth0_mgmt::ClientConfig::for_domain(&mock.domain()).unwrap();
        config.base_url = mock.base_url();
        config
    })
    .unwrap();
    client
        .authenticate(&auth0_mgmt::Credentials {
            domain: mock.domain(),
            client_id: mock_auth0::CLIENT_ID.to_owned(),
            client_secret: auth0_mgmt::Secret::new(CLIENT_SECRET),
        })
        .unwrap();
    let error = client.delete_action(&id).unwrap_err();
    assert_eq!(error.status(), Some(409), "{error}");
}

/// The examples' values, as a pipeline gives them to deploy: the fixtures' own.
const EXAMPLE_SECRETS: [(&str, &str); 4] = [
    ("AUTH0_SECRET_MFA_ROLES", "admin, billing-admin"),
    ("AUTH0_SECRET_PROFILE_URL", "https://profile.saas-demo.com/company"),
    ("AUTH0_SECRET_PROFILE_SECRET", "pp-signing-key-7Hq2"),
    ("AUTH0_SECRET_BLOCKED_DOMAINS", "mailinator.com, temp-mail.org ,guerrillamail.com"),
];

/// Every trigger end to end: the examples (post-login, a redirect, credentials-exchange,
/// pre-user-registration) deployed each to its own flow and verified on the tenant's test
/// endpoint, which runs each with its trigger's handler.
#[test]
fn the_examples_deploy_to_their_triggers_and_verify() {
    let mock = MockAuth0::start();
    let mut command = runner_for_tenant(&mock.domain(), &mock.base_url(), mock_auth0::CLIENT_ID, CLIENT_SECRET);
    command
        .args(["deploy", "--verify", "--poll-interval", "1", "--max-wait", "1", "--max-tries", "4", "--dist"])
        .arg(dist().join("examples"))
        .arg("--events")
        .arg(root().join("test-events/examples"));
    for (variable, value) in EXAMPLE_SECRETS {
        command.env(variable, value);
    }
    let output = command.output().expect("the runner starts");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(mock.bound_names_of("post-login"), ["Progressive_Profile", "Require_MFA_For_Roles"]);
    assert_eq!(mock.bound_names_of("credentials-exchange"), ["Limit_M2M_Scopes"]);
    assert_eq!(mock.bound_names_of("pre-user-registration"), ["Block_Disposable_Signup"]);
    for action in ["Block_Disposable_Signup", "Limit_M2M_Scopes", "Progressive_Profile", "Require_MFA_For_Roles"] {
        let tally = stdout.lines().find(|l| l.starts_with(&format!("verify: {action}: "))).unwrap_or_default();
        let tested: usize = tally.split_whitespace().nth(2).and_then(|n| n.parse().ok()).unwrap_or_default();
        assert!(tested > 0 && tally.contains(&format!("{tested} tested, {tested} passed")), "{action}: {stdout}");
    }
    // The redirect's fixtures read answers only the tenant has: skipped, and said why.
    assert!(stdout.contains("its decision reads the answer of api.redirect.encodeToken, which only the tenant knows"), "{stdout}");
    for (_, value) in EXAMPLE_SECRETS.iter().skip(1) {
        assert!(!stdout.contains(value), "a secret's value was printed:\n{stdout}");
    }
}
