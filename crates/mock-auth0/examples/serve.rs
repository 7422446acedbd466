//! Serves the mock Management API for a while, for trying `runner deploy` by hand:
//! `cargo run -p mock-auth0 --example serve -- [SECONDS]` (default 300). It seeds a tenant
//! whose post-login flow already binds two Actions of someone else (and its
//! credentials-exchange flow one), one self-service
//! profile, and two SAML connections (one made earlier by a self-service ticket) enabled for
//! the login application `cli_LoginApp`, and prints the environment to use.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use base64::Engine as _;
use mock_auth0::{MockAuth0, SeedAction};
use serde_json::json;

fn main() {
    let seconds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(300).min(3600);
    let mock = MockAuth0::start();
    mock.add_action(SeedAction::new("Partner_Audit_Log", "exports.onExecutePostLogin = async () => {};"));
    mock.add_action(SeedAction::new("Legacy_Geo_Block", "exports.onExecutePostLogin = async () => {};").secret("COUNTRIES", "x"));
    mock.bind("Partner_Audit_Log");
    mock.bind("Legacy_Geo_Block");
    mock.add_action(SeedAction::new("Partner_M2M_Quota", "exports.onExecuteCredentialsExchange = async () => {};").trigger("credentials-exchange"));
    mock.bind_to("credentials-exchange", "Partner_M2M_Quota");
    mock.add_profile("Customer SSO");
    let pem = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/saml/idp-current.pem")).unwrap();
    let signing_cert = base64::engine::general_purpose::STANDARD.encode(pem);
    for name in ["acme-saml", "self-service-sso-1726617508392"] {
        let id = mock.add_connection(
            name,
            "samlp",
            json!({
                "signInEndpoint": "https://idp.acme.test/saml/sso",
                "signingCert": signing_cert,
                "signSAMLRequest": true,
                "signatureAlgorithm": "rsa-sha256",
                "digestAlgorithm": "sha256",
                "signing_key": {"cert": "-----BEGIN CERTIFICATE-----\nMIIDmock\n-----END CERTIFICATE-----\n", "key": "-----BEGIN PRIVATE KEY-----\nMIIEmock\n-----END PRIVATE KEY-----\n"},
                "debug": false
            }),
        );
        mock.enable_connection_for("cli_LoginApp", &id);
    }
    println!("export AUTH0_DOMAIN={}", mock.domain());
    println!("export AUTH0_MANAGEMENT_URL={}", mock.base_url());
    println!("export AUTH0_CLIENT_ID={}", mock_auth0::CLIENT_ID);
    println!("export AUTH0_CLIENT_SECRET={}", mock_auth0::CLIENT_SECRET);
    println!("# serving for {seconds} s");
    std::thread::sleep(std::time::Duration::from_secs(seconds));
}
