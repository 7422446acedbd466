//! Set_Default_Member_Role: on a member's first login in an organization, asks for the
//! configured role(s) to be added to their membership through the Management API.
//!
//! The machine-to-machine credentials are not part of this decision and never reach it: the
//! request is data, and the shim performs it with credentials only the shim reads.

use serde_json::{Map, Value};

use crate::event::{Field, PostLoginEvent};
use crate::log::line;
use crate::url::encode_segment;
use crate::time::Timestamp;
use crate::{Action, Declaration, Effect, HttpMethod, ManagementApiRequest, SecretSpec};

/// What Set_Default_Member_Role's decision reads (the table in `lib.rs` adds its identity).
pub(crate) const SPEC: Declaration = Declaration {
    name: "Set_Default_Member_Role",
    event_paths: &["organization.id", "stats.logins_count", "user.user_id"],
    decision_secrets: &[SecretSpec {
        name: "ROLE_ID",
        required: true,
        note: "role id given to a member on their first login in an organization; \
               several ids separated by commas",
    }],
    shim_secrets: &[
        SecretSpec {
            name: "domain",
            required: true,
            note: "the tenant's domain, e.g. example.eu.auth0.com (Management API host)",
        },
        SecretSpec {
            name: "clientId",
            required: true,
            note: "client id of a machine-to-machine application granted \
                   create:organization_member_roles",
        },
        SecretSpec {
            name: "clientSecret",
            required: true,
            note: "that application's client secret; used by the shim only, never \
                   passed to the module",
        },
    ],
};

const ACTION: Action = Action::SetDefaultMemberRole;
/// Auth0 refuses a secret value over 4096 characters, so a longer `ROLE_ID` was not set
/// through Auth0. Refusing it also bounds the work: every id costs about 10,000 instructions.
const MAX_SECRET_VALUE_BYTES: usize = 4096;

/// The decision reads no clock: `now` is part of every Action's signature.
pub(crate) fn decide(event: &PostLoginEvent, _now: Timestamp) -> Vec<Effect> {
    let organization = match &event.organization {
        Field::Present(organization) => organization,
        Field::Missing => return Vec::new(),
        Field::Unreadable { found } => {
            return vec![line(ACTION, &format!("event.organization: expected an object, found {found}; no role assigned"))];
        }
    };
    // As the seed's `event.stats.logins_count === 1`: a number, exactly one.
    let first_login = event.stats.as_ref().and_then(|stats| stats.logins_count) == Some(1.0);
    if !first_login {
        return Vec::new();
    }
    let roles = match role_ids(event.secrets.get("ROLE_ID")) {
        Ok(roles) => roles,
        Err(found) => {
            return vec![line(
                ACTION,
                &format!("configuration error: secret ROLE_ID: expected one role id or several separated by commas, found {found}; no role assigned"),
            )];
        }
    };
    let Some(organization_id) = organization.id.as_deref().filter(|id| !id.is_empty()) else {
        return vec![line(ACTION, "event.organization.id: expected a non-empty string; no role assigned")];
    };
    let user_id = event.user.as_ref().present().and_then(|user| user.user_id.as_deref());
    let Some(user_id) = user_id.filter(|id| !id.is_empty()) else {
        return vec![line(ACTION, "event.user.user_id: expected a non-empty string; no role assigned")];
    };
    vec![Effect::ManagementApi(ManagementApiRequest {
        method: HttpMethod::Post,
        path: format!(
            "/api/v2/organizations/{}/members/{}/roles",
            encode_segment(organization_id),
            encode_segment(user_id)
        ),
        body: Some(Value::Object({
            // One insert: `Map::from_iter` sorts its input first, 3 kB of sort code.
            let mut body = Map::new();
            body.insert("roles".to_owned(), Value::Array(roles.into_iter().map(Value::String).collect()));
            body
        })),
    })]
}

/// The ids in `ROLE_ID`: split on commas, trimmed, empty entries and repeats dropped, in
/// the order given. `Err` describes what was found without quoting the secret.
fn role_ids(secret: Option<&str>) -> Result<Vec<String>, &'static str> {
    let secret = secret.ok_or("no such secret")?;
    if secret.len() > MAX_SECRET_VALUE_BYTES {
        return Err("more than the 4096 characters Auth0 allows in a secret");
    }
    let ids: Vec<&str> = secret.split(',').map(str::trim).filter(|id| !id.is_empty()).collect();
    if ids.is_empty() {
        return Err(if secret.trim().is_empty() { "an empty value" } else { "only commas" });
    }
    // Repeats are found through a small hash table of indices into `unique`: a linear scan
    // per id would be quadratic, and a long secret would then run the module out of fuel;
    // a sort or a tree map cost the module 2 to 4 kB.
    let mut slots = vec![usize::MAX; (ids.len() * 2).next_power_of_two()];
    let mask = slots.len() - 1;
    let mut unique: Vec<String> = Vec::new();
    for id in ids {
        let mut slot = fnv1a(id) & mask;
        loop {
            match slots.get(slot).copied() {
                Some(usize::MAX) => {
                    if let Some(free) = slots.get_mut(slot) {
                        *free = unique.len();
                    }
                    unique.push(id.to_owned());
                    break;
                }
                Some(seen) if unique.get(seen).is_some_and(|other| other == id) => break,
                Some(_) => slot = (slot + 1) & mask,
                None => break,
            }
        }
    }
    Ok(unique)
}

fn fnv1a(text: &str) -> usize {
    let hash = text.bytes().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    hash as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(event: Value) -> Value {
        let bytes = event.to_string();
        serde_json::to_value(decide(&PostLoginEvent::read(bytes.as_bytes()).unwrap(), Timestamp::from_millis(0).unwrap())).unwrap()
    }

    fn first_login(role_id: &str) -> Value {
        json!({
            "user": {"user_id": "samlp|acme|jane@acme.com"},
            "organization": {"id": "org_abc", "name": "acme"},
            "stats": {"logins_count": 1},
            "secrets": {"ROLE_ID": role_id}
        })
    }

    #[test]
    fn first_login_in_an_organization_asks_for_the_roles() {
        assert_eq!(
            run(first_login(" rol_1 ,rol_2,,rol_1")),
            json!([{"management_api": {
                "method": "POST",
                "path": "/api/v2/organizations/org_abc/members/samlp%7Cacme%7Cjane%40acme.com/roles",
                "body": {"roles": ["rol_1", "rol_2"]}
            }}])
        );
    }

    #[test]
    fn later_logins_and_personal_logins_ask_for_nothing() {
        let mut event = first_login("rol_1");
        event["stats"]["logins_count"] = json!(2);
        assert_eq!(run(event.clone()), json!([]));
        event["stats"]["logins_count"] = json!("1");
        assert_eq!(run(event.clone()), json!([]));
        let mut event = first_login("rol_1");
        event.as_object_mut().unwrap().remove("organization");
        assert_eq!(run(event), json!([]));
    }

    #[test]
    fn a_missing_or_empty_role_id_is_a_logged_configuration_error() {
        for value in ["", " , ", "   "] {
            let log = run(first_login(value))[0]["log"].as_str().unwrap().to_owned();
            assert!(log.starts_with("Set_Default_Member_Role: configuration error: secret ROLE_ID"), "{log}");
        }
        let mut event = first_login("x");
        event["secrets"] = json!({});
        assert!(run(event.clone())[0]["log"].as_str().unwrap().contains("found no such secret"));
        event["secrets"] = json!({"ROLE_ID": "rol_1,".repeat(1000)});
        assert!(run(event)[0]["log"].as_str().unwrap().contains("more than the 4096 characters"));
    }

    #[test]
    fn credentials_are_not_part_of_the_decision() {
        let mut event = first_login("rol_1");
        event["secrets"]["clientSecret"] = json!("s3cr3t-value");
        assert!(!run(event).to_string().contains("s3cr3t"));
    }
}
