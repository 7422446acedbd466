//! Serves the mock Management API for a while, for trying `runner deploy` by hand:
//! `cargo run -p mock-auth0 --example serve -- [SECONDS]` (default 300). It seeds a tenant
//! whose post-login flow already binds two Actions of someone else, and prints the
//! environment to use.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use mock_auth0::{MockAuth0, SeedAction};

fn main() {
    let seconds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(300).min(3600);
    let mock = MockAuth0::start();
    mock.add_action(SeedAction::new("Block_Disposable_Email", "exports.onExecutePostLogin = async () => {};"));
    mock.add_action(SeedAction::new("Add_Roles_Claim", "exports.onExecutePostLogin = async () => {};").secret("NAMESPACE", "x"));
    mock.bind("Block_Disposable_Email");
    mock.bind("Add_Roles_Claim");
    println!("export AUTH0_DOMAIN={}", mock.domain());
    println!("export AUTH0_MANAGEMENT_URL={}", mock.base_url());
    println!("export AUTH0_CLIENT_ID={}", mock_auth0::CLIENT_ID);
    println!("export AUTH0_CLIENT_SECRET={}", mock_auth0::CLIENT_SECRET);
    println!("# serving for {seconds} s");
    std::thread::sleep(std::time::Duration::from_secs(seconds));
}
