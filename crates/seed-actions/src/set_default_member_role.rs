//! Set_Default_Member_Role: on a member's first login in an organization, asks for the
//! configured role(s) to be added to their membership through the Management API.
//!
//! The machine-to-machine credentials are not part of this decision and never reach it: the
//! request is data, and the shim performs it with credentials only the shim reads.

use auth0_actions::post_login::{Api, Event};
use auth0_actions::url::encode_segment;
use auth0_actions::{Decision, Field, ManagementApi, PostLogin, Secret, Timestamp, Value};

/// Set_Default_Member_Role: what its decision reads, and its handler. The Management API's
/// credentials (`domain`, `clientId`, `clientSecret`) are the shim's: declaring
/// [`ManagementApi`] adds them to the manifest, and the module never sees them.
pub const ACTION: PostLogin = PostLogin {
    event_paths: &["organization.id", "stats.logins_count", "user.user_id"],
    secrets: &[Secret::required(
        "ROLE_ID",
        "role id given to a member on their first login in an organization; several ids separated by commas",
    )],
    management_api: Some(ManagementApi { scopes: &["create:organization_member_roles"] }),
    on_execute: decide,
    on_continue: None,
};

/// Auth0 refuses a secret value over 4096 characters, so a longer `ROLE_ID` was not set
/// through Auth0. Refusing it also bounds the work: every id costs about 10,000 instructions.
const MAX_SECRET_VALUE_BYTES: usize = 4096;

/// The decision reads no clock: `now` is part of every handler's signature.
fn decide(event: &Event<'_>, api: &mut Api<'_>, _now: Timestamp) -> Decision {
    let organization = match event.organization() {
        Field::Present(organization) => organization,
        Field::Missing => return Ok(()),
        Field::Unreadable { found } => {
            api.log(&format!("event.organization: expected an object, found {found}; no role assigned"));
            return Ok(());
        }
    };
    // As the seed's `event.stats.logins_count === 1`: a number, exactly one.
    let first_login = event.stats().and_then(|stats| stats.logins_count()).present() == Some(1.0);
    if !first_login {
        return Ok(());
    }
    let roles = match role_ids(event.secrets().get("ROLE_ID")) {
        Ok(roles) => roles,
        Err(found) => {
            api.log(&format!(
                "configuration error: secret ROLE_ID: expected one role id or several separated by commas, found {found}; no role assigned"
            ));
            return Ok(());
        }
    };
    let Some(organization_id) = organization.id().present().filter(|id| !id.is_empty()) else {
        api.log("event.organization.id: expected a non-empty string; no role assigned");
        return Ok(());
    };
    let user_id = event.user().and_then(|user| user.user_id()).present();
    let Some(user_id) = user_id.filter(|id| !id.is_empty()) else {
        api.log("event.user.user_id: expected a non-empty string; no role assigned");
        return Ok(());
    };
    let path = ["/api/v2/organizations/", &encode_segment(organization_id), "/members/", &encode_segment(user_id), "/roles"].concat();
    let roles = Value::Array(roles.into_iter().map(Value::String).collect());
    api.management_api().post(&path, Value::Object(vec![("roles".to_owned(), roles)]));
    Ok(())
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
    use serde_json::{Value, json};

    fn run(event: Value) -> Value {
        let action = crate::ACTIONS.iter().find(|a| a.name == "Set_Default_Member_Role").unwrap();
        let answer: Value = serde_json::from_slice(&auth0_actions::run(action, 1, event.to_string().as_bytes(), b"", 0.0)).unwrap();
        answer["effects"].clone()
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
