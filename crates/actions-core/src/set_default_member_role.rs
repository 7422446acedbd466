//! Set_Default_Member_Role: on a member's first login in an organization, asks for the
//! configured role(s) to be added to their membership through the Management API.
//!
//! The machine-to-machine credentials are not part of this decision and never reach it: the
//! request is data, and the shim performs it with credentials only the shim reads.

use serde_json::json;

use crate::event::{Field, PostLoginEvent};
use crate::log::line;
use crate::url::encode_segment;
use crate::{Action, Effect, HttpMethod, ManagementApiRequest};

const ACTION: Action = Action::SetDefaultMemberRole;

pub(crate) fn decide(event: &PostLoginEvent) -> Vec<Effect> {
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
        body: Some(json!({ "roles": roles })),
    })]
}

/// The ids in `ROLE_ID`: split on commas, trimmed, empty entries and repeats dropped, in
/// the order given. `Err` describes what was found without quoting the secret.
fn role_ids(secret: Option<&str>) -> Result<Vec<String>, &'static str> {
    let secret = secret.ok_or("no such secret")?;
    let ids: Vec<&str> = secret.split(',').map(str::trim).filter(|id| !id.is_empty()).collect();
    if ids.is_empty() {
        return Err(if secret.trim().is_empty() { "an empty value" } else { "only commas" });
    }
    // Repeats are found by sorting (id, position): linear scans would be quadratic, and a
    // long secret would then run the module out of fuel.
    let mut by_id: Vec<(&str, usize)> = ids.iter().copied().zip(0..).collect();
    by_id.sort_unstable();
    let mut first = vec![false; ids.len()];
    let mut previous = None;
    for (id, position) in by_id {
        if previous != Some(id) {
            if let Some(slot) = first.get_mut(position) {
                *slot = true;
            }
        }
        previous = Some(id);
    }
    Ok(ids.iter().zip(first).filter(|(_, first)| *first).map(|(id, _)| (*id).to_owned()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn run(event: Value) -> Value {
        serde_json::to_value(decide(&PostLoginEvent::from_value(&event).unwrap())).unwrap()
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
        assert!(run(event)[0]["log"].as_str().unwrap().contains("found no such secret"));
    }

    #[test]
    fn credentials_are_not_part_of_the_decision() {
        let mut event = first_login("rol_1");
        event["secrets"]["clientSecret"] = json!("s3cr3t-value");
        assert!(!run(event).to_string().contains("s3cr3t"));
    }
}
