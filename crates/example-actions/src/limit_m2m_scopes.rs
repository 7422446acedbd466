//! Limit_M2M_Scopes (credentials-exchange): a machine-to-machine client gets only the
//! scopes its metadata allows (`client.metadata.allowed_scopes`, separated by spaces), and
//! its `tier` as a claim.
//!
//! The rules, in this order (the first that applies decides):
//! 1. `allowed_scopes` absent or not a string: no call, whatever was requested (`""` allows
//!    nothing).
//! 2. `transaction.requested_scopes` present but not an array of strings: fail closed,
//!    `api.access.deny("invalid_request", "requested scopes could not be read")`; absent, it
//!    is an empty list.
//! 3. The first requested scope not allowed:
//!    `api.access.deny("invalid_scope", "scope <scope> is not allowed for client <client_id>")`
//!    (`client_id` as a JavaScript template prints it: `undefined` when absent).
//! 4. Otherwise, a non-empty string `tier`:
//!    `api.accessToken.setCustomClaim("https://example.com/tier", tier)`.

use auth0_actions::credentials_exchange::{Api, DenyCode, Event};
use auth0_actions::{Any, CredentialsExchange, Decision, Field, Kind, Timestamp};

pub const ACTION: CredentialsExchange = CredentialsExchange {
    event_paths: &["client.client_id", "client.metadata.allowed_scopes", "client.metadata.tier", "transaction.requested_scopes[]"],
    secrets: &[],
    management_api: None,
    on_execute,
};

const TIER_CLAIM: &str = "https://example.com/tier";

fn on_execute(event: &Event<'_>, api: &mut Api<'_>, _now: Timestamp) -> Decision {
    let client = event.client().present();
    let metadata = client.and_then(|client| client.metadata().present());
    let Some(allowed) = metadata.and_then(|metadata| metadata.get_str("allowed_scopes").present()) else {
        return Ok(());
    };
    let allowed: Vec<&str> = allowed.split(' ').filter(|scope| !scope.is_empty()).collect();
    let requested = match event.transaction().and_then(|transaction| transaction.requested_scopes()) {
        Field::Missing => Vec::new(),
        Field::Present(list) => match list.all() {
            Ok(scopes) => scopes,
            Err(_) => return deny_unreadable(api),
        },
        Field::Unreadable { .. } => return deny_unreadable(api),
    };
    if let Some(scope) = requested.iter().find(|scope| !allowed.contains(scope)) {
        let client_id = client.map_or(Field::Missing, |client| client.get("client_id"));
        let reason = format!("scope {scope} is not allowed for client {}", template_text(client_id));
        api.access().deny(DenyCode::InvalidScope, &reason);
        return Ok(());
    }
    if let Some(tier) = metadata.and_then(|metadata| metadata.get_str("tier").present()).filter(|tier| !tier.is_empty()) {
        api.access_token().set_custom_claim(TIER_CLAIM, tier);
    }
    Ok(())
}

fn deny_unreadable(api: &mut Api<'_>) -> Decision {
    api.access().deny(DenyCode::InvalidRequest, "requested scopes could not be read");
    Ok(())
}

/// What a JavaScript template literal makes of a value (`${event.client.client_id}`), as
/// the Action sees it: a string as it is, a number as JavaScript prints it (the text the
/// host sends is `String(number)`, so no float formatting is linked), absent as
/// `undefined`, an object as `[object Object]`, an array of what crosses (none of its
/// elements, as the path declares none) as the empty string.
fn template_text(value: Field<Any<'_>>) -> String {
    match value {
        Field::Missing | Field::Unreadable { .. } => "undefined".to_owned(),
        Field::Present(any) => match any.kind() {
            Kind::String => any.as_str().unwrap_or_default().to_owned(),
            // As the host wrote it: JavaScript's `String(number)` (the shim's projection).
            Kind::Number => any.to_value().to_json(),
            Kind::Bool => any.as_bool().unwrap_or_default().to_string(),
            Kind::Object => "[object Object]".to_owned(),
            Kind::Array | Kind::Null => String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    fn run(allowed: Value, requested: Value) -> Value {
        let event = json!({
            "client": {"client_id": "cli_1", "metadata": {"allowed_scopes": allowed, "tier": "gold"}},
            "transaction": {"requested_scopes": requested}
        });
        crate::run("Limit_M2M_Scopes", 1, &event, "")["effects"].clone()
    }

    #[test]
    fn allowed_scopes_get_the_tier_claim() {
        assert_eq!(
            run(json!("read:a  write:b"), json!(["write:b", "read:a"])),
            json!([{"api": "accessToken.setCustomClaim", "args": ["https://example.com/tier", "gold"]}])
        );
        assert_eq!(run(json!(""), Value::Null)[0]["api"], "accessToken.setCustomClaim", "nothing requested, nothing refused");
    }

    #[test]
    fn the_first_scope_not_allowed_is_refused() {
        assert_eq!(
            run(json!("read:a"), json!(["read:a", "delete:x", "write:y"])),
            json!([{"api": "access.deny", "args": ["invalid_scope", "scope delete:x is not allowed for client cli_1"]}])
        );
        assert_eq!(run(json!(""), json!(["read:a"]))[0]["args"][0], "invalid_scope");
    }

    #[test]
    fn unreadable_requests_fail_closed_and_missing_allowances_let_all_through() {
        assert_eq!(
            run(json!("read:a"), json!(["read:a", 3])),
            json!([{"api": "access.deny", "args": ["invalid_request", "requested scopes could not be read"]}])
        );
        assert_eq!(run(json!("read:a"), json!("read:a"))[0]["args"][0], "invalid_request");
        assert_eq!(run(json!(["read:a"]), json!(["write:everything"])), json!([]));
        assert_eq!(run(Value::Null, json!(["write:everything"])), json!([]));
    }
}
