//! `runner sso-ticket` and `runner saml-cert` end to end against the mock tenant: every case
//! of the chores, faults included, and no secret, token, ticket or private key in any output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use mock_auth0::{CLIENT_SECRET, Fault, FaultKind, MockAuth0};
use serde_json::{Value, json};
use tests::{TempDir, root};
use crate::runner_for_tenant;

/// Auth0's own SAML signing key as the mock's connections hold it: must never be printed.
const SIGNING_KEY_LINE: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDmockSigningKey";

fn cert_path(name: &str) -> PathBuf {
    root().join("tests/data/saml").join(name)
}

fn signing_cert(name: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(cert_path(name)).unwrap())
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(mock: &MockAuth0, dir: &Path, args: &[&str]) -> Run {
    let output = runner_for_tenant(&mock.domain(), &mock.base_url(), mock_auth0::CLIENT_ID, CLIENT_SECRET)
        .current_dir(dir)
        .args(args)
        .args(["--max-wait", "1", "--max-tries", "4"])
        .output()
        .expect("the runner starts");
    let run = Run {
        code: output.status.code().expect("the runner exits"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    let all = format!("{}\n{}", run.stdout, run.stderr);
    let mut forbidden = mock.tokens();
    forbidden.extend([CLIENT_SECRET.to_owned(), SIGNING_KEY_LINE.to_owned()]);
    for value in forbidden {
        assert!(!all.contains(&value), "a secret, token or key was printed:\n{all}");
    }
    // A ticket URL is printed on standard output only.
    for (id, ..) in mock.tickets() {
        assert!(!run.stderr.contains(&id), "a ticket id reached standard error:\n{}", run.stderr);
    }
    run
}

fn run(mock: &MockAuth0, args: &[&str]) -> Run {
    run_in(mock, &root(), args)
}

fn writes(mock: &MockAuth0) -> Vec<mock_auth0::Recorded> {
    mock.writes()
}

// ---------------------------------------------------------------------------------------
// SSO tickets

#[test]
fn a_create_ticket_with_the_seeds_defaults_prints_the_url_on_stdout_only() {
    let mock = MockAuth0::start();
    let profile = mock.add_profile("Default");
    let out = run(&mock, &["sso-ticket", "create", "--enable-client", "cli_LoginApp"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let tickets = mock.tickets();
    assert_eq!(tickets.len(), 1);
    let (id, on_profile, body, _) = &tickets[0];
    assert_eq!(on_profile, &profile);
    assert_eq!(out.stdout.trim(), format!("https://{}/self-service/connections-flow?ticket={id}", mock.domain()));
    let name = body["connection_config"]["name"].as_str().unwrap();
    let millis = name.strip_prefix("self-service-sso-").unwrap();
    assert!(millis.len() >= 13 && millis.bytes().all(|b| b.is_ascii_digit()), "{name}");
    assert_eq!(body, &json!({"connection_config": {"name": name}, "enabled_clients": ["cli_LoginApp"]}));
    assert!(out.stderr.contains("create ticket for connection self-service-sso-"), "{}", out.stderr);
    assert!(out.stderr.contains("valid until about "), "{}", out.stderr);
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
}

#[test]
fn a_create_ticket_carries_every_option_and_warns_when_no_client_is_enabled() {
    let mock = MockAuth0::start();
    mock.add_profile("Partners");
    let profile = mock.add_profile("Employees");
    let out = run(
        &mock,
        &[
            "sso-ticket", "create", "--profile", "Employees", "--json",
            "--connection-name", "acme-corp", "--display-name", "Acme Corp",
            "--enable-organization", "org_Acme:assign-membership", "--enable-organization", "org_Beta:assign-membership,no-button",
            "--ttl", "3600", "--domain-verification", "required", "--domain-alias", "acme.com", "--domain-alias", "acme.fr",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("warning: no --enable-client"), "{}", out.stderr);
    let (id, on_profile, body, _) = mock.tickets().remove(0);
    assert_eq!(on_profile, profile);
    assert_eq!(
        body,
        json!({
            "connection_config": {"name": "acme-corp", "display_name": "Acme Corp", "options": {"domain_aliases": ["acme.com", "acme.fr"]}},
            "enabled_organizations": [
                {"organization_id": "org_Acme", "assign_membership_on_login": true, "show_as_button": true},
                {"organization_id": "org_Beta", "assign_membership_on_login": true, "show_as_button": false}
            ],
            "ttl_sec": 3600,
            "domain_aliases_config": {"domain_verification": "required"}
        })
    );
    let line: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert!(line["ticket"]["url"].as_str().unwrap().ends_with(&format!("ticket={id}")));
    assert_eq!(line["ticket"]["connection"], "acme-corp");
    assert_eq!(line["ticket"]["kind"], "create");
    assert!(line["ticket"]["expires_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn a_create_ticket_is_checked_before_any_request() {
    let mock = MockAuth0::start();
    mock.add_profile("Default");
    for (flags, expected) in [
        (vec!["--connection-name", "acme--corp"], "expected a connection name of 1 to 128 letters and digits"),
        (vec!["--connection-name", "acme_corp"], "found \"acme_corp\""),
        (vec!["--ttl", "432001"], "expected a ticket lifetime of at most 432000 seconds (5 days), found 432001"),
        (vec!["--enable-organization", "org_1:hidden"], "among assign-membership and no-button, found \"hidden\""),
    ] {
        let out = run(&mock, &[&["sso-ticket", "create"][..], &flags].concat());
        assert_eq!(out.code, 2, "{flags:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{flags:?}: {}", out.stderr);
    }
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
}

#[test]
fn profiles_are_found_by_name_or_id_and_several_without_a_choice_are_listed() {
    let mock = MockAuth0::start();
    let out = run(&mock, &["sso-ticket", "create", "--enable-client", "c"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("expected a self-service profile on the tenant, found none"), "{}", out.stderr);
    let first = mock.add_profile("Partners");
    let second = mock.add_profile("Employees");
    let out = run(&mock, &["sso-ticket", "create", "--enable-client", "c"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(&format!("found 2: {first} (Partners), {second} (Employees)")),
        "{}",
        out.stderr
    );
    let out = run(&mock, &["sso-ticket", "create", "--enable-client", "c", "--profile", "Nobody"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("expected a self-service profile named \"Nobody\""), "{}", out.stderr);
    let out = run(&mock, &["sso-ticket", "create", "--enable-client", "c", "--profile", &second]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(mock.tickets()[0].1, second);
    assert!(writes(&mock).iter().all(|w| w.path.contains(&second)));
}

#[test]
fn a_dry_run_prints_the_request_and_issues_nothing() {
    let mock = MockAuth0::start();
    mock.add_profile("Default");
    let out = run(&mock, &["sso-ticket", "create", "--connection-name", "acme", "--enable-client", "cli_1", "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(r#"{"connection_config":{"name":"acme"},"enabled_clients":["cli_1"]}"#), "{}", out.stdout);
    assert!(out.stdout.contains("dry run: no ticket was issued"), "{}", out.stdout);
    assert!(writes(&mock).is_empty());
    assert!(mock.tickets().is_empty());
}

/// Five connections enabled for the login app, two pages of two: the match is on the last.
fn tenant_with_client_connections() -> (MockAuth0, String) {
    let mock = MockAuth0::start();
    mock.add_profile("Default");
    mock.set_page_size(2);
    let mut wanted = String::new();
    for name in ["Username-Password-Authentication", "google-oauth2", "acme-saml", "github", "self-service-sso-1726617508392"] {
        let id = mock.add_connection(name, "samlp", json!({"signInEndpoint": "https://idp.example/sso"}));
        mock.enable_connection_for("cli_LoginApp", &id);
        if name.starts_with("self-service-sso-") {
            wanted = id;
        }
    }
    (mock, wanted)
}

#[test]
fn an_edit_ticket_follows_the_seeds_lookup_across_pages() {
    let (mock, wanted) = tenant_with_client_connections();
    let out = run(&mock, &["sso-ticket", "edit", "--for-client", "cli_LoginApp", "--ttl", "600"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(mock.tickets()[0].2, json!({"connection_id": wanted, "ttl_sec": 600}));
    let pages = mock.requests().iter().filter(|r| r.path.starts_with("/api/v2/clients/cli_LoginApp/connections")).count();
    assert_eq!(pages, 3, "{:?}", mock.requests());
    assert!(out.stderr.contains(&format!("edit ticket for connection self-service-sso-1726617508392 ({wanted})")), "{}", out.stderr);
    // By name and by id.
    let out = run(&mock, &["sso-ticket", "edit", "--connection", "acme-saml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(&mock, &["sso-ticket", "edit", "--connection", &wanted]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(mock.tickets()[2].2, json!({"connection_id": wanted}));
}

#[test]
fn an_edit_lookup_that_finds_nothing_or_several_says_so() {
    let (mock, _) = tenant_with_client_connections();
    let out = run(&mock, &["sso-ticket", "edit", "--for-client", "cli_LoginApp", "--prefix", "okta-"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("whose name starts with \"okta-\", found none among its 5 connection(s): Username-Password-Authentication, google-oauth2, acme-saml, github, self-service-sso-1726617508392"), "{}", out.stderr);
    let out = run(&mock, &["sso-ticket", "edit", "--for-client", "cli_LoginApp", "--prefix", "g"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("found 2: con_"), "{}", out.stderr);
    assert!(out.stderr.contains("(google-oauth2)") && out.stderr.contains("(github)"), "{}", out.stderr);
    let out = run(&mock, &["sso-ticket", "edit", "--connection", "nobody"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("expected a connection named \"nobody\" on the tenant, found none"), "{}", out.stderr);
    let out = run(&mock, &["sso-ticket", "edit", "--connection", "con_9999", "--json"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains(r#""exit_code":1"#) && out.stdout.contains("404"), "{}", out.stdout);
    assert!(mock.tickets().is_empty());
}

#[test]
fn a_ticket_is_revoked_by_its_url_without_printing_it_and_429s_are_waited_out() {
    let mock = MockAuth0::start();
    let profile = mock.add_profile("Default");
    mock.push_fault(Fault::new(Some("POST"), "/sso-ticket", 1, FaultKind::RateLimit { retry_after: Some(0), reset: None }));
    let out = run(&mock, &["sso-ticket", "create", "--enable-client", "cli_1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let url = out.stdout.trim().to_owned();
    assert_eq!(mock.tickets().len(), 1, "the 429 was retried once, and one ticket issued");
    let out = run(&mock, &["sso-ticket", "revoke", &url]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains(&url) && !out.stdout.contains(&mock.tickets()[0].0), "{}", out.stdout);
    assert!(out.stdout.contains(&format!("revoked: Auth0 accepted the revocation on profile {profile}")), "{}", out.stdout);
    assert!(mock.tickets()[0].3, "revoked");
    // Without the scope, the 403 names it.
    mock.set_scopes(&["read:self_service_profiles", "create:sso_access_tickets"]);
    let out = run(&mock, &["sso-ticket", "revoke", &url]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("the client needs the scope delete:sso_access_tickets"), "{}", out.stderr);
    assert!(out.stderr.contains("sso-ticket/[ticket]/revoke"), "{}", out.stderr);
}

/// A command's scopes as the README's table lists them: groups, any one scope of each.
fn readme_scopes(command: &str) -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let prefix = format!("| `sso-ticket {command}` | ");
    let line = readme.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no README row for sso-ticket {command}"));
    let cell = line.strip_prefix(&prefix).unwrap().trim_end_matches(" |");
    cell.split(", ").map(|group| group.split(" or ").map(|s| s.trim_matches('`').to_owned()).collect()).collect()
}

/// One scope of each group: the `pick`th of a group, or its last; `skip` leaves a group out.
fn grant(groups: &[Vec<String>], pick: usize, skip: Option<usize>) -> Vec<String> {
    let chosen = groups.iter().enumerate().filter(|(i, _)| Some(*i) != skip);
    chosen.map(|(_, group)| group.get(pick).or(group.last()).unwrap().clone()).collect()
}

/// What a 403's hint says the client needs (after Auth0's own message), from standard error.
fn needs(stderr: &str) -> &str {
    let (_, hint) = stderr.split_once("; the client needs ").unwrap_or_else(|| panic!("no hint in: {stderr}"));
    hint.split_once(" (Applications > APIs").unwrap_or_else(|| panic!("no hint end in: {stderr}")).0
}

#[test]
fn each_ticket_command_runs_with_exactly_the_readmes_scopes_and_a_403_names_only_the_one_left_out() {
    let (mock, wanted) = tenant_with_client_connections();
    let commands: [(&str, Vec<&str>); 5] = [
        ("create", vec!["sso-ticket", "create", "--enable-client", "cli_LoginApp"]),
        ("edit --connection", vec!["sso-ticket", "edit", "--connection", "acme-saml"]),
        ("edit --connection", vec!["sso-ticket", "edit", "--connection", &wanted]),
        ("edit --for-client", vec!["sso-ticket", "edit", "--for-client", "cli_LoginApp"]),
        ("revoke", vec!["sso-ticket", "revoke", "tkt0000unknown"]),
    ];
    for (command, args) in &commands {
        let groups = readme_scopes(command);
        // Each alternative of an any-of group on its own is enough.
        for pick in 0..2 {
            let scopes = grant(&groups, pick, None);
            mock.set_scopes(&scopes.iter().map(String::as_str).collect::<Vec<_>>());
            let out = run(&mock, args);
            assert_eq!(out.code, 0, "{args:?} with {scopes:?}: {}", out.stderr);
        }
        for (left_out, group) in groups.iter().enumerate() {
            let scopes = grant(&groups, 0, Some(left_out));
            mock.set_scopes(&scopes.iter().map(String::as_str).collect::<Vec<_>>());
            let out = run(&mock, args);
            assert_eq!(out.code, 1, "{args:?} without {group:?}: {}", out.stderr);
            let expected = match group.as_slice() {
                [one] => format!("the scope {one}"),
                several => format!("one of the scopes {}", several.join(" or ")),
            };
            assert_eq!(needs(&out.stderr), expected, "{args:?}: {}", out.stderr);
        }
    }
}

#[test]
fn an_edit_for_client_without_read_clients_names_read_clients_or_read_client_summary_and_not_read_connections() {
    let (mock, _) = tenant_with_client_connections();
    mock.set_scopes(&["read:self_service_profiles", "read:connections", "create:sso_access_tickets"]);
    let out = run(&mock, &["sso-ticket", "edit", "--for-client", "cli_LoginApp"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("Auth0 answered 403 (Forbidden): Insufficient scope; expected: read:connections and any of: read:clients or read:client_summary."), "{}", out.stderr);
    assert_eq!(needs(&out.stderr), "one of the scopes read:clients or read:client_summary", "{}", out.stderr);
    assert!(!needs(&out.stderr).contains("read:connections"), "{}", out.stderr);
    assert!(mock.tickets().is_empty());
}

// ---------------------------------------------------------------------------------------
// SAML certificates

/// The options of a SAML connection as the Dashboard leaves them: the IdP's certificate and
/// everything else a rotation must keep, Auth0's own signing key included.
fn saml_options(cert: &str) -> Value {
    json!({
        "signInEndpoint": "https://idp.acme.test/saml/sso",
        "signOutEndpoint": "https://idp.acme.test/saml/slo",
        "signingCert": signing_cert(cert),
        "signSAMLRequest": true,
        "signatureAlgorithm": "rsa-sha256",
        "digestAlgorithm": "sha256",
        "fieldsMap": {"email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"},
        "signing_key": {"cert": "-----BEGIN CERTIFICATE-----\nMIIDmockSPcert\n-----END CERTIFICATE-----\n", "key": format!("-----BEGIN PRIVATE KEY-----\n{SIGNING_KEY_LINE}\n-----END PRIVATE KEY-----\n")},
        "idpinitiated": {"enabled": false},
        "domain_aliases": ["acme.test"],
        "debug": false
    })
}

fn saml_tenant() -> (MockAuth0, String) {
    let mock = MockAuth0::start();
    let id = mock.add_connection("acme-saml", "samlp", saml_options("idp-current.pem"));
    mock.add_connection("google-oauth2", "google-oauth2", json!({"scope": ["email"]}));
    (mock, id)
}

const CURRENT_SHA1: &str = "cd6b6c176d9398c1b0a5ca4b29ef65c14e2739a0";
const NEXT_SHA1: &str = "a2ca4f04dabc60e475ab01d93056da75eebf895e";
const NOW: &str = "2026-12-01T00:00:00.000Z";

#[test]
fn certificates_are_shown_and_their_expiry_watched() {
    let (mock, id) = saml_tenant();
    mock.add_connection("beta-saml", "samlp", saml_options("idp-next.pem"));
    let out = run(&mock, &["saml-cert", "show", "--now", NOW]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert!(lines[0].starts_with("CONNECTION"), "{}", out.stdout);
    assert!(lines[1].starts_with("acme-saml") && lines[1].contains(&id), "{}", out.stdout);
    assert!(lines[1].contains("2027-01-15T12:00:00.000Z") && lines[1].contains(CURRENT_SHA1), "{}", out.stdout);
    assert!(lines[1].contains("CN=idp.acme.test 2024,O=Acme Test IdP,C=FR"), "{}", out.stdout);
    assert!(lines[1].contains("     45  "), "45 days left: {}", out.stdout);
    assert!(lines[2].starts_with("beta-saml") && lines[2].contains(NEXT_SHA1), "{}", out.stdout);
    assert!(!out.stdout.contains("google-oauth2"));
    // A scheduled job: 60 days flags acme-saml, 30 does not.
    let out = run(&mock, &["saml-cert", "show", "--now", NOW, "--warn-days", "60"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("warning: acme-saml: expires in 45 day(s), within 60"), "{}", out.stderr);
    let out = run(&mock, &["saml-cert", "show", "--now", NOW, "--warn-days", "30"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(&mock, &["saml-cert", "show", "--now", "2027-02-01T00:00:00.000Z", "--connection", "acme-saml", "--json"]);
    assert_eq!(out.code, 0, "without --warn-days an expired certificate is shown, not failed");
    let first: Value = serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["certificate"]["sha1"], CURRENT_SHA1);
    assert_eq!(first["certificate"]["days_left"], -17);
    assert_eq!(first["certificate"]["problem"], "expired 17 day(s) ago");
    assert!(writes(&mock).is_empty());
}

#[test]
fn a_rotation_dry_run_checks_everything_and_writes_nothing() {
    let (mock, id) = saml_tenant();
    let dir = TempDir::new("saml-dry");
    let cert = cert_path("idp-next.pem");
    let out = run_in(&mock, dir.path(), &["saml-cert", "rotate", "--connection", "acme-saml", "--cert", cert.to_str().unwrap(), "--now", NOW, "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with(&format!("rotation plan (dry run: nothing is changed) for acme-saml ({id}), strategy samlp\n")), "{}", out.stdout);
    assert!(out.stdout.contains(&format!("current: CN=idp.acme.test 2024,O=Acme Test IdP,C=FR, not after 2027-01-15T12:00:00.000Z, sha1 {CURRENT_SHA1}")), "{}", out.stdout);
    assert!(out.stdout.contains(&format!("new:     CN=idp.acme.test 2026,O=Acme Test IdP,C=FR, not after 2036-06-01T00:00:00.000Z, sha1 {NEXT_SHA1}")), "{}", out.stdout);
    assert!(out.stdout.contains("options: 10 sent back as they are; dropped for Auth0 to recompute: cert, expires, subject, thumbprints; set: signingCert; display_name kept (acme-saml)"), "{}", out.stdout);
    assert!(out.stdout.ends_with("dry run: nothing was changed; run without --dry-run to apply\n"), "{}", out.stdout);
    assert!(writes(&mock).is_empty());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no backup in a dry run");
}

#[test]
fn a_rotation_sends_the_whole_options_back_checks_the_thumbprint_and_keeps_a_private_backup() {
    let (mock, id) = saml_tenant();
    let before = mock.connection(&id).unwrap();
    let dir = TempDir::new("saml-rotate");
    let backup = dir.path().join("backup.json");
    let cert = cert_path("idp-next-crlf.pem");
    mock.push_fault(Fault::new(Some("PATCH"), "/api/v2/connections/", 1, FaultKind::RateLimit { retry_after: None, reset: Some(0) }));
    let out = run_in(&mock, dir.path(), &["saml-cert", "rotate", "--connection", &id, "--cert", cert.to_str().unwrap(), "--now", NOW, "--backup", backup.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.ends_with(&format!("rotated: Auth0 lists the new thumbprint {NEXT_SHA1}\n")), "{}", out.stdout);
    // The PATCH (after one 429): display_name, and every option but the derived ones.
    let patches: Vec<_> = mock.writes().into_iter().filter(|w| w.method == "PATCH").collect();
    assert_eq!(patches.len(), 2, "{patches:?}");
    let sent: Value = serde_json::from_str(&patches[1].body).unwrap();
    assert_eq!(sent.as_object().unwrap().keys().collect::<Vec<_>>(), ["display_name", "options"]);
    assert_eq!(sent["display_name"], "acme-saml");
    let mut expected = before["options"].as_object().unwrap().clone();
    for key in ["cert", "expires", "subject", "thumbprints"] {
        expected.shift_remove(key);
    }
    let next_pem = std::fs::read_to_string(cert_path("idp-next.pem")).unwrap();
    use base64::Engine as _;
    expected["signingCert"] = json!(base64::engine::general_purpose::STANDARD.encode(next_pem.as_bytes()));
    assert_eq!(sent["options"], Value::Object(expected));
    // The check reads the connection back with a GET after the PATCH, not from its answer.
    let calls: Vec<(String, String)> = mock.requests().into_iter().map(|r| (r.method, r.path)).collect();
    let patched = calls.iter().rposition(|(method, _)| method == "PATCH").unwrap();
    assert_eq!(calls.get(patched + 1), Some(&("GET".to_owned(), format!("/api/v2/connections/{id}"))), "{calls:?}");
    let after = mock.connection(&id).unwrap();
    assert_eq!(after["options"]["thumbprints"], json!([NEXT_SHA1]));
    assert_eq!(after["options"]["signing_key"], before["options"]["signing_key"]);
    assert_eq!(after["display_name"], "acme-saml");
    // The backup: the connection as it was, readable by its owner only.
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&backup).unwrap()).unwrap();
    assert_eq!(saved["options"], before["options"]);
    assert_eq!(saved["connection_id"], id);
    // The same certificate again: nothing to do, no write.
    mock.clear_requests();
    let out = run_in(&mock, dir.path(), &["saml-cert", "rotate", "--connection", "acme-saml", "--cert", cert.to_str().unwrap(), "--now", NOW]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.ends_with("nothing to do: the connection already has this certificate\n"), "{}", out.stdout);
    assert!(mock.writes().is_empty());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no second backup");
}

#[test]
fn a_missing_thumbprint_after_the_write_restores_the_options_byte_for_byte() {
    let (mock, id) = saml_tenant();
    let before = mock.connection_options_bytes(&id).unwrap();
    let dir = TempDir::new("saml-rollback");
    mock.corrupt_thumbprints(1);
    let cert = cert_path("idp-next.pem");
    let out = run_in(&mock, dir.path(), &["saml-cert", "rotate", "--connection", "acme-saml", "--cert", cert.to_str().unwrap(), "--now", NOW, "--json"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stderr.contains(&format!("acme-saml: expected Auth0 to list the new thumbprint {NEXT_SHA1} after the write, found 0000000000000000000000000000000000000000; the previous options were restored")),
        "{}",
        out.stderr
    );
    assert_eq!(mock.connection_options_bytes(&id).unwrap(), before);
    let error: Value = serde_json::from_str(out.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(error["error"]["exit_code"], 1);
    // The default backup name is kept for a person to inspect.
    let names: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 1);
    assert!(names[0].starts_with(&format!("saml-options-{id}-")) && names[0].ends_with(".json"), "{names:?}");
}

#[test]
fn certificate_files_are_refused_locally_before_any_request() {
    let (mock, _) = saml_tenant();
    for (file, expected) in [
        ("certificate-with-private-key.pem", "expected only a certificate, found a private key (PRIVATE KEY)"),
        ("two-certificates.pem", "expected exactly one certificate, found 2"),
        ("not-a-certificate.pem", "expected an X.509 certificate inside the CERTIFICATE block"),
        ("expired.pem", "found one that has expired (not before 2010-01-01T00:00:00.000Z, not after 2011-01-01T00:00:00.000Z)"),
        ("not-yet-valid.pem", "found one not valid yet"),
    ] {
        let out = run(&mock, &["saml-cert", "rotate", "--connection", "acme-saml", "--cert", cert_path(file).to_str().unwrap(), "--now", NOW]);
        assert_eq!(out.code, 1, "{file}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{file}: {}", out.stderr);
        assert!(!out.stderr.contains("BEGIN"), "{file}: the file's text is not quoted: {}", out.stderr);
    }
    assert!(mock.requests().is_empty());
    // Allowed explicitly, an expired certificate is rotated to.
    let dir = TempDir::new("saml-expired");
    let out = run_in(&mock, dir.path(), &["saml-cert", "rotate", "--connection", "acme-saml", "--cert", cert_path("expired.pem").to_str().unwrap(), "--now", NOW, "--allow-invalid-dates"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn connections_that_cannot_be_rotated_are_left_untouched_with_the_reason() {
    let (mock, _) = saml_tenant();
    let mut metadata = saml_options("idp-current.pem");
    metadata["metadataUrl"] = json!("https://idp.acme.test/metadata.xml");
    mock.add_connection("meta-saml", "samlp", metadata);
    let cert = cert_path("idp-next.pem");
    let rotate = |connection: &str| run(&mock, &["saml-cert", "rotate", "--connection", connection, "--cert", cert.to_str().unwrap(), "--now", NOW]);
    let out = rotate("google-oauth2");
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("google-oauth2: expected a SAML connection (strategy samlp), found strategy google-oauth2"), "{}", out.stderr);
    let out = rotate("meta-saml");
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("configured from its identity provider's metadata (metadataUrl)"), "{}", out.stderr);
    // A token that cannot read options must not write them.
    mock.set_scopes(&["read:connections", "update:connections", "update:connections_options"]);
    let out = rotate("acme-saml");
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("Auth0 showed no options for the connection (does the client lack read:connections_options?)"), "{}", out.stderr);
    assert!(mock.writes().is_empty());
}
