//! The client against the local mock Management API (127.0.0.1 only, no timing: waits are
//! capped at 1 ms).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Duration;

use auth0_mgmt::actions::{ActionWrite, SecretWrite, TriggerRef};
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
