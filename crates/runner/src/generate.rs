//! Synthetic post-login events for load and regression runs: realistic in shape and size,
//! reproducible from a seed, with a fixed, documented mix.
//!
//! The mix (each event drawn independently):
//! - 40 % log in through one of 50 organizations; 80 % of those organizations hold a
//!   `subscription` in their metadata;
//! - 15 % are a first login (`stats.logins_count` 1), the rest 2 to 500;
//! - 80 % of users hold `app_metadata.subscription`: plans trial 40 %, personal 25 %,
//!   team 20 %, enterprise 15 %; status `active` 85 %, `activation` 15 %; the end date
//!   within 60 days either side of `now` (so about half have expired);
//! - 5 % are malformed, evenly among: a subscription that is not `plan;end_date;status`
//!   (`"garbage"`), one with a date JavaScript cannot read, one with parts missing
//!   (`"team;"`), `app_metadata` that is a string, `organization` that is a string,
//!   `logins_count` that is a string, and no `user` at all;
//! - every event carries the tenant's secrets (`ROLE_ID`, `domain`, `clientId`,
//!   `clientSecret`), as Auth0 adds them at run time, so that redaction is exercised.

use auth0_actions::Timestamp;
use serde_json::{Value, json};

/// SplitMix64: tiny, fast, and the same on every platform, so a seed names one file.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const PLANS: [(&str, u64); 4] = [("trial", 40), ("personal", 25), ("team", 20), ("enterprise", 15)];
const ORGANIZATIONS: u64 = 50;
const DAY_MS: i64 = 86_400_000;

/// The secret values every generated event carries.
pub const GENERATED_SECRETS: [(&str, &str); 4] = [
    ("ROLE_ID", "rol_GeneratedMember01"),
    ("domain", "example-tenant.eu.auth0.com"),
    ("clientId", "gen-m2m-client-id-0001"),
    ("clientSecret", "gen-m2m-client-secret-DO-NOT-PRINT"),
];

fn subscription(rng: &mut Rng, now: Timestamp) -> String {
    let mut pick = rng.below(100);
    let mut plan = "trial";
    for (name, weight) in PLANS {
        if pick < weight {
            plan = name;
            break;
        }
        pick -= weight;
    }
    let status = if rng.chance(85) { "active" } else { "activation" };
    let offset = i64::try_from(rng.below(120 * DAY_MS as u64)).unwrap_or(0) - 60 * DAY_MS;
    let end = Timestamp::from_millis(now.millis().saturating_add(offset)).unwrap_or(now);
    format!("{plan};{};{status}", end.to_iso_string())
}

/// The `index`-th event of a run (draws from `rng`).
pub fn event(rng: &mut Rng, index: u64, now: Timestamp) -> Value {
    let user_id = format!("auth0|{:024x}", u128::from(rng.next_u64()) * 7919 + u128::from(index));
    let in_organization = rng.chance(40);
    let first_login = rng.chance(15);
    let has_subscription = rng.chance(80);
    let malformed = if rng.chance(5) { Some(rng.below(7)) } else { None };
    let created = now.millis() - i64::try_from(rng.below(400 * DAY_MS as u64)).unwrap_or(0);
    let created = Timestamp::from_millis(created).unwrap_or(now).to_iso_string();

    let own = if has_subscription { Some(subscription(rng, now)) } else { None };
    let own = match malformed {
        Some(0) => Some("garbage".to_owned()),
        Some(1) => Some("team;not a date;active".to_owned()),
        Some(2) => Some("team;".to_owned()),
        _ => own,
    };
    let app_metadata = match (malformed, own) {
        (Some(3), _) => json!("subscription=team"),
        (_, Some(own)) => json!({ "subscription": own }),
        (_, None) => json!({}),
    };
    let org_number = rng.below(ORGANIZATIONS);
    let org_metadata = if org_number.is_multiple_of(5) {
        json!({})
    } else {
        json!({ "subscription": subscription(rng, now) })
    };
    let organization = match malformed {
        Some(4) => Some(json!("org_as_a_string")),
        _ if in_organization => Some(json!({
            "id": format!("org_{org_number:016}"),
            "name": format!("customer-{org_number}"),
            "display_name": format!("Customer {org_number}"),
            "metadata": org_metadata
        })),
        _ => None,
    };
    let logins = if first_login { json!(1) } else { json!(2 + rng.below(499)) };
    let logins = if malformed == Some(5) { json!("1") } else { logins };
    let number = index % 1_000_000;
    let user = json!({
        "user_id": user_id,
        "email": format!("user{number}@example.com"),
        "email_verified": rng.chance(90),
        "name": format!("User {number}"),
        "nickname": format!("user{number}"),
        "created_at": created,
        "updated_at": now.to_iso_string(),
        "app_metadata": app_metadata,
        "user_metadata": {"locale": "en"},
        "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "isSocial": false}]
    });
    let mut event = serde_json::Map::new();
    if malformed != Some(6) {
        event.insert("user".to_owned(), user);
    }
    event.insert("client".to_owned(), json!({"client_id": "gen-spa-client-0001", "name": "SaaS app", "metadata": {}}));
    event.insert(
        "connection".to_owned(),
        json!({"id": "con_0000000000000001", "name": "Username-Password-Authentication", "strategy": "auth0"}),
    );
    event.insert(
        "request".to_owned(),
        json!({
            "ip": format!("203.0.113.{}", rng.below(255)),
            "method": "GET",
            "hostname": "example-tenant.eu.auth0.com",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
            "language": "en-GB",
            "geoip": {"countryCode": "GB", "cityName": "London", "timeZone": "Europe/London"},
            "query": {}, "body": {}
        }),
    );
    event.insert("stats".to_owned(), json!({ "logins_count": logins }));
    event.insert("tenant".to_owned(), json!({"id": "example-tenant"}));
    event.insert(
        "transaction".to_owned(),
        json!({"metadata": {}, "protocol": "oidc-basic-profile", "requested_scopes": ["openid", "profile", "email"]}),
    );
    event.insert(
        "secrets".to_owned(),
        Value::Object(GENERATED_SECRETS.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect()),
    );
    if let Some(organization) = organization {
        event.insert("organization".to_owned(), organization);
    }
    Value::Object(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_names_one_sequence_with_the_documented_mix() {
        let now = Timestamp::parse_js("2024-09-16T00:00:00.000Z").unwrap();
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..2000).map(|i| event(&mut rng, i, now)).collect::<Vec<_>>()
        };
        let events = run(7);
        assert_eq!(events, run(7));
        let in_org = events.iter().filter(|e| e.get("organization").is_some()).count();
        assert!((700..=900).contains(&in_org), "{in_org}");
        let first = events.iter().filter(|e| e["stats"]["logins_count"] == 1).count();
        assert!((220..=380).contains(&first), "{first}");
    }
}
