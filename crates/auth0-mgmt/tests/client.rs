//! The client against the local mock Management API (127.0.0.1 only, no timing: waits are
//! capped at 1 ms).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Duration;

use auth0_mgmt::actions::{ActionWrite, SecretWrite, TriggerRef};
use auth0_mgmt::certificate::{Certificate, listed_thumbprints, rotated_options};
use auth0_mgmt::connections::{ConnectionFilter, OptionsWrite};
use auth0_mgmt::scope::Scopes;
use auth0_mgmt::sso::TicketRequest;
use auth0_mgmt::{ApiError, Client, ClientConfig, Credentials, Method, RetryPolicy, Secret};
use mock_auth0::{Fault, FaultKind, MockAuth0};

fn client(mock: &MockAuth0, max_tries: u32) -> Client {
    Client::new(ClientConfig {
        base_url: mock.base_url(),
        retry: RetryPolicy { max_tries, base_delay: Duration::from_millis(1), max_wait: Duration::from_millis(1) },
        timeout: Duration::from_secs(30),
    })
    .unwrap()
}

fn credentials(mock: &MockAuth0) -> Credentials {
    Credentials {
        domain: mock.domain(),
        client_id: mock_auth0::CLIENT_ID.to_owned(),
        client_secret: Secret::new(mock_auth0::CLIENT_SECRET),
    }
}

#[test]
fn token_then_typed_and_generic_calls() {
    let mock = MockAuth0::start();
    let mut client = client(&mock, 3);
    let error = client.request(Method::Get, "/api/v2/actions/actions", None).unwrap_err();
    assert!(matches!(error, ApiError::NotAuthenticated { .. }));
    let info = client.authenticate(&credentials(&mock)).unwrap();
    assert_eq!(info.scope, Some(mock_auth0::ALL_SCOPES.join(" ")));
    assert!(client.find_action("A").unwrap().is_none());
    let created = client
        .create_action(&ActionWrite {
            name: Some("A".into()),
            supported_triggers: Some(vec![TriggerRef { id: "post-login".into(), version: "v3".into() }]),
            code: Some("exports.x = 1;".into()),
            runtime: Some("node22".into()),
            dependencies: Some(vec![]),
            secrets: Some(vec![SecretWrite { name: "S".into(), value: Some(Secret::new("v")) }]),
        })
        .unwrap();
    assert_eq!(created.status.as_deref(), Some("pending"));
    assert_eq!(client.get_action(&created.id).unwrap().status.as_deref(), Some("building"));
    assert_eq!(client.get_action(&created.id).unwrap().status.as_deref(), Some("built"));
    let found = client.find_action("A").unwrap().unwrap();
    assert_eq!(found.secrets[0].name, "S");
    let version = client.deploy_action(&created.id).unwrap();
    assert_eq!(version.number, Some(1));
    let generic = client.request(Method::Get, "/api/v2/actions/triggers/post-login/bindings", None).unwrap();
    assert_eq!(generic.status, 200);
    assert_eq!(generic.body["bindings"], serde_json::json!([]));
    assert_eq!(client.requests_sent(), mock.requests().len() as u64, "the call without a token never left");
    // Debug shows no token.
    let token = mock.tokens()[0].clone();
    assert!(!format!("{client:?}").contains(&token));
}

#[test]
fn rate_limits_are_retried_a_bounded_number_of_times() {
    let mock = MockAuth0::start();
    mock.push_fault(Fault::new(Some("GET"), "actionName", 2, FaultKind::RateLimit { retry_after: Some(30), reset: None }));
    let mut client = client(&mock, 3);
    client.authenticate(&credentials(&mock)).unwrap();
    assert!(client.find_action("A").unwrap().is_none());
    assert_eq!(mock.requests().len(), 1 + 3);

    mock.push_fault(Fault::new(None, "actionName", 100, FaultKind::RateLimit { retry_after: None, reset: None }));
    let error = client.find_action("A").unwrap_err();
    assert_eq!(error, ApiError::RateLimited { call: "GET /api/v2/actions/actions?actionName=A".into(), tries: 3 });
    assert_eq!(mock.requests().len(), 1 + 3 + 3);
}

#[test]
fn refusals_name_the_call_status_message_and_scope() {
    let mock = MockAuth0::start();
    mock.set_scopes(&["read:actions"]);
    let mut client = client(&mock, 3);
    client.authenticate(&credentials(&mock)).unwrap();
    let error = client.deploy_action("act_x").unwrap_err();
    assert!(error.is_refusal());
    assert_eq!(
        error.to_string(),
        "POST /api/v2/actions/actions/act_x/deploy: Auth0 answered 403 (Forbidden): Insufficient scope, expected any of: \
         create:actions; the client needs the scope create:actions (Applications > APIs > Auth0 Management API > Permissions)"
    );
    let error = client.get_action("missing").unwrap_err();
    assert_eq!(error.status(), Some(404));
}

#[test]
fn a_dropped_connection_is_a_transport_error_and_not_retried() {
    let mock = MockAuth0::start();
    mock.push_fault(Fault::new(Some("POST"), "/oauth/token", 1, FaultKind::Drop { after_processing: false }));
    let mut client = client(&mock, 5);
    let error = client.authenticate(&credentials(&mock)).unwrap_err();
    assert!(matches!(error, ApiError::Transport { .. }), "{error:?}");
    assert!(!error.is_refusal());
    assert!(!error.to_string().contains(mock_auth0::CLIENT_SECRET));
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn plain_http_only_to_loopback() {
    let config = ClientConfig { base_url: "http://example.com".into(), ..ClientConfig::for_domain("example.com").unwrap() };
    assert!(matches!(Client::new(config), Err(ApiError::Config(_))));
    assert_eq!(ClientConfig::for_domain("example.eu.auth0.com").unwrap().base_url, "https://example.eu.auth0.com");
}

/// Every scope the mock knows but `without`.
fn all_scopes_but(without: &[&str]) -> Vec<&'static str> {
    mock_auth0::ALL_SCOPES.into_iter().filter(|scope| !without.contains(scope)).collect()
}

/// The part of an error that says what the client needs (after Auth0's own message).
fn hint(error: &ApiError) -> String {
    let text = error.to_string();
    text.split_once("; the client needs ").map(|(_, hint)| hint.to_owned()).unwrap_or_default()
}

fn pem(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../../tests/data/saml/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn a_clients_connections_need_read_connections_and_read_clients_or_read_client_summary() {
    let mock = MockAuth0::start();
    let id = mock.add_connection("acme", "samlp", serde_json::json!({}));
    mock.enable_connection_for("cli_1", &id);
    let mut client = client(&mock, 1);
    for grant in [
        &["read:connections", "read:clients"][..],
        &["read:connections", "read:client_summary"],
    ] {
        mock.set_scopes(grant);
        client.authenticate(&credentials(&mock)).unwrap();
        assert_eq!(client.client_connections("cli_1").unwrap().len(), 1, "{grant:?}");
    }
    mock.set_scopes(&["read:connections", "create:sso_access_tickets"]);
    client.authenticate(&credentials(&mock)).unwrap();
    let error = client.client_connections("cli_1").unwrap_err();
    assert_eq!(error.status(), Some(403));
    assert_eq!(
        error.to_string(),
        "GET /api/v2/clients/cli_1/connections?take=50: Auth0 answered 403 (Forbidden): Insufficient scope; expected: \
         read:connections and any of: read:clients or read:client_summary.; the client needs one of the scopes \
         read:clients or read:client_summary (Applications > APIs > Auth0 Management API > Permissions)"
    );
    assert!(!hint(&error).contains("read:connections"), "{error}");
    let missing = error.missing_scopes().unwrap();
    let groups: Vec<&[String]> = missing.groups().collect();
    assert_eq!(groups, [["read:clients".to_owned(), "read:client_summary".to_owned()]]);
    // A token answer without `scope`: everything Auth0 names.
    mock.omit_scope_in_token_response();
    client.authenticate(&credentials(&mock)).unwrap();
    let error = client.client_connections("cli_1").unwrap_err();
    assert_eq!(hint(&error), "the scopes read:connections and one of read:clients or read:client_summary (Applications > APIs > Auth0 Management API > Permissions)");
}

#[test]
fn a_403_on_any_call_names_only_the_scopes_the_token_lacks() {
    // Each call, run to its error.
    type Call = fn(&mut Client, &str) -> ApiError;
    let options_write: Call = |client, id| {
        let options = serde_json::Map::new();
        client.update_connection_options(id, &OptionsWrite { display_name: "acme", options: &options }).unwrap_err()
    };
    let cases: [(&[&str], Call, &str); 9] = [
        (&["read:self_service_profiles"], |c, _| c.self_service_profiles().unwrap_err(), "the scope read:self_service_profiles"),
        (&["create:sso_access_tickets"], |c, _| c.create_sso_ticket("ssp_1", &TicketRequest::default()).unwrap_err(), "the scope create:sso_access_tickets"),
        (&["delete:sso_access_tickets"], |c, _| c.revoke_sso_ticket("ssp_1", &Secret::new("tkt_1")).unwrap_err(), "the scope delete:sso_access_tickets"),
        (&["read:connections"], |c, id| c.get_connection(id).unwrap_err(), "the scope read:connections"),
        (&["read:connections"], |c, _| c.list_connections(&ConnectionFilter { name: Some("acme"), strategy: None }).unwrap_err(), "the scope read:connections"),
        (&["read:connections"], |c, _| c.client_connections("cli_1").unwrap_err(), "the scope read:connections"),
        (&["update:connections"], options_write, "the scope update:connections"),
        (&["update:connections_options"], options_write, "the scope update:connections_options"),
        (&["create:actions"], |c, _| c.deploy_action("act_1").unwrap_err(), "the scope create:actions"),
    ];
    let mock = MockAuth0::start();
    let id = mock.add_connection("acme", "samlp", serde_json::json!({}));
    let mut client = client(&mock, 1);
    for (lacking, call, expected) in cases {
        let granted = all_scopes_but(lacking);
        mock.set_scopes(&granted);
        client.authenticate(&credentials(&mock)).unwrap();
        let error = call(&mut client, &id);
        assert_eq!(error.status(), Some(403), "{lacking:?}: {error}");
        let hint = hint(&error);
        assert!(hint.starts_with(&format!("{expected} (Applications")), "{lacking:?}: {error}");
        for scope in granted {
            assert!(!hint.split([' ', ',']).any(|word| word == scope), "{lacking:?}: the hint names {scope}, which the token has: {error}");
        }
        assert_eq!(error.missing_scopes().map(|m| m.to_string()), Some(expected.to_owned()));
    }
}

#[test]
fn a_patch_answer_holds_options_only_for_a_token_that_may_read_them() {
    let mock = MockAuth0::start();
    let current = Certificate::from_pem(&pem("idp-current.pem")).unwrap();
    let next = Certificate::from_pem(&pem("idp-next.pem")).unwrap();
    let seeded = serde_json::json!({"signInEndpoint": "https://idp.example/sso", "signingCert": current.signing_cert()});
    let id = mock.add_connection("acme", "samlp", seeded);
    let mut client = client(&mock, 1);
    client.authenticate(&credentials(&mock)).unwrap();
    let before = client.get_connection(&id).unwrap();
    let write = |options| OptionsWrite { display_name: "acme", options };

    let rotated = rotated_options(&before.options, &next);
    let answer = client.update_connection_options(&id, &write(&rotated)).unwrap();
    assert_eq!(listed_thumbprints(&answer.options), std::slice::from_ref(&next.sha1));

    mock.set_scopes(&all_scopes_but(&["read:connections_options"]));
    client.authenticate(&credentials(&mock)).unwrap();
    let back = rotated_options(&before.options, &current);
    let answer = client.update_connection_options(&id, &write(&back)).unwrap();
    assert!(answer.options.is_empty(), "{:?}", answer.options.keys().collect::<Vec<_>>());
    assert_eq!(answer.id, id);
    assert!(client.get_connection(&id).unwrap().options.is_empty(), "a GET shows none either");
    // The write took: the tenant lists the certificate sent.
    let stored = mock.connection(&id).unwrap();
    assert_eq!(stored["options"]["thumbprints"], serde_json::json!([current.sha1]));
}

#[test]
fn scopes_parsed_from_auth0s_answers_through_the_client() {
    // A status fault answers with a message of Auth0's comma form, naming two scopes the token lacks.
    let mock = MockAuth0::start();
    mock.push_fault(Fault::new(
        Some("GET"),
        "/api/v2/connections",
        1,
        FaultKind::Status { status: 403, message: "Insufficient scope, expected any of: read:users,read:current_user".into() },
    ));
    let mut client = client(&mock, 1);
    client.authenticate(&credentials(&mock)).unwrap();
    let error = client.get_connection("con_1").unwrap_err();
    assert_eq!(error.missing_scopes(), Some(&Scopes::from_message("expected any of: read:users, read:current_user")));
    assert!(hint(&error).starts_with("one of the scopes read:users or read:current_user (Applications"), "{error}");
}
