//! Typed calls for Actions and trigger bindings. Auth0's objects are decoded leniently:
//! unknown fields are ignored, missing or `null` optional ones become `None` or empty.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::scope::Required;
use crate::{ApiError, Client, Method, NumberedPage, Secret, decode, encode_component, nullable, to_body};

pub const READ_ACTIONS: &str = "read:actions";
pub const CREATE_ACTIONS: &str = "create:actions";
pub const UPDATE_ACTIONS: &str = "update:actions";
pub const DELETE_ACTIONS: &str = "delete:actions";

/// Reading Actions and bindings.
pub const READ_SCOPES: Required = Required::new(&[&[READ_ACTIONS]]);
/// Creating, deploying and testing an Action.
pub const CREATE_SCOPES: Required = Required::new(&[&[CREATE_ACTIONS]]);
/// Updating an Action or a trigger's bindings.
pub const UPDATE_SCOPES: Required = Required::new(&[&[UPDATE_ACTIONS]]);
pub const DELETE_SCOPES: Required = Required::new(&[&[DELETE_ACTIONS]]);

/// `{id: "post-login", version: "v3"}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TriggerRef {
    pub id: String,
    pub version: String,
}

/// An npm dependency, `{name, version}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dependency {
    pub name: String,
    pub version: String,
}

/// A secret as GET shows it: the name only (values are write-only).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SecretName {
    pub name: String,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// One build error of a `failed` Action, `{id, msg, url}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BuildError {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub msg: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// An Action as `GET /api/v2/actions/actions/{id}` shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub runtime: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub supported_triggers: Vec<TriggerRef>,
    #[serde(default, deserialize_with = "nullable")]
    pub dependencies: Vec<Dependency>,
    #[serde(default, deserialize_with = "nullable")]
    pub secrets: Vec<SecretName>,
    /// `pending`, `building`, `packaged`, `built`, `retrying` or `failed`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub all_changes_deployed: Option<bool>,
    #[serde(default)]
    pub deployed_version: Option<Value>,
    #[serde(default, deserialize_with = "nullable")]
    pub errors: Vec<BuildError>,
}

/// A secret to write: a value, or (unverified behaviour, see the README) the name alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretWrite {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Secret>,
}

/// The body of a create, or of an update (absent fields are left as they are by PATCH).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ActionWrite {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported_triggers: Option<Vec<TriggerRef>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Vec<Dependency>>,
    /// Replaces the Action's whole list of secrets: read first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<SecretWrite>>,
}

/// A deployed version, `{id, number, deployed, status}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Version {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub number: Option<u64>,
    #[serde(default)]
    pub deployed: Option<bool>,
    #[serde(default)]
    pub status: Option<String>,
}

/// The part of a bound Action that a binding shows.
#[derive(Debug, Clone, Deserialize)]
pub struct BoundAction {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// One binding of a trigger's flow.
#[derive(Debug, Clone, Deserialize)]
pub struct Binding {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    pub action: BoundAction,
}

/// `{type: "action_id" | "action_name", value}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindingRef {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub value: String,
}

impl BindingRef {
    pub fn action_id(id: &str) -> BindingRef {
        BindingRef { kind: "action_id", value: id.to_owned() }
    }

    pub fn action_name(name: &str) -> BindingRef {
        BindingRef { kind: "action_name", value: name.to_owned() }
    }
}

/// One binding to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindingWrite {
    #[serde(rename = "ref")]
    pub reference: BindingRef,
    pub display_name: String,
}

impl Client {
    /// The Action with exactly this name, if the tenant has one.
    pub fn find_action(&mut self, name: &str) -> Result<Option<Action>, ApiError> {
        let path = format!("/api/v2/actions/actions?actionName={}", encode_component(name));
        let response = self.request_needing(Method::Get, &path, None, READ_SCOPES)?;
        #[derive(Deserialize)]
        struct List {
            #[serde(default, deserialize_with = "nullable")]
            actions: Vec<Action>,
        }
        let list: List = decode(format!("GET {path}"), response.body, "a list of actions")?;
        // The filter is Auth0's; the exact match is ours.
        Ok(list.actions.into_iter().find(|action| action.name == name))
    }

    pub fn get_action(&mut self, id: &str) -> Result<Action, ApiError> {
        let path = format!("/api/v2/actions/actions/{}", encode_component(id));
        let response = self.request_needing(Method::Get, &path, None, READ_SCOPES)?;
        decode(format!("GET {path}"), response.body, "an action")
    }

    pub fn create_action(&mut self, action: &ActionWrite) -> Result<Action, ApiError> {
        let path = "/api/v2/actions/actions";
        let body = to_body(action)?;
        let response = self.request_needing(Method::Post, path, Some(&body), CREATE_SCOPES)?;
        decode(format!("POST {path}"), response.body, "the created action")
    }

    pub fn update_action(&mut self, id: &str, changes: &ActionWrite) -> Result<Action, ApiError> {
        let path = format!("/api/v2/actions/actions/{}", encode_component(id));
        let body = to_body(changes)?;
        let response = self.request_needing(Method::Patch, &path, Some(&body), UPDATE_SCOPES)?;
        decode(format!("PATCH {path}"), response.body, "the updated action")
    }

    /// Deploys the Action's current draft; Auth0 accepts this only once it is `built`.
    pub fn deploy_action(&mut self, id: &str) -> Result<Version, ApiError> {
        let path = format!("/api/v2/actions/actions/{}/deploy", encode_component(id));
        let response = self.request_needing(Method::Post, &path, None, CREATE_SCOPES)?;
        decode(format!("POST {path}"), response.body, "a version")
    }

    /// Runs the Action's current code on `event` on the tenant (`POST .../test`) and returns
    /// Auth0's answer as it is: `{"payload": {...}}`, whose shape for a run that succeeded is
    /// not documented (a run that threw answers HTTP 200 with `payload.error`).
    pub fn test_action(&mut self, id: &str, event: &Value) -> Result<Value, ApiError> {
        let path = format!("/api/v2/actions/actions/{}/test", encode_component(id));
        let body = serde_json::json!({ "payload": { "event": event } });
        let response = self.request_needing(Method::Post, &path, Some(&body), CREATE_SCOPES)?;
        Ok(response.body)
    }

    /// Deletes an Action. Auth0 refuses (409) while any trigger binds it.
    pub fn delete_action(&mut self, id: &str) -> Result<(), ApiError> {
        let path = format!("/api/v2/actions/actions/{}", encode_component(id));
        self.request_needing(Method::Delete, &path, None, DELETE_SCOPES)?;
        Ok(())
    }

    /// Every binding of a trigger's flow, in order (all pages).
    pub fn trigger_bindings(&mut self, trigger: &str) -> Result<Vec<Binding>, ApiError> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default, deserialize_with = "nullable")]
            bindings: Vec<Binding>,
            #[serde(default)]
            total: Option<usize>,
        }
        const PER_PAGE: usize = 20;
        let base = format!("/api/v2/actions/triggers/{}/bindings", encode_component(trigger));
        self.numbered_pages(
            |page| format!("{base}?page={page}&per_page={PER_PAGE}"),
            PER_PAGE,
            READ_SCOPES,
            |call, body| {
                let page: Page = decode(call, body, "a list of bindings")?;
                Ok(NumberedPage { items: page.bindings, total: page.total })
            },
            (format!("GET /api/v2/actions/triggers/{trigger}/bindings"), "at most 10000 bindings"),
        )
    }

    /// Replaces the whole ordered list of a trigger's bindings: read and merge first.
    pub fn update_trigger_bindings(&mut self, trigger: &str, bindings: &[BindingWrite]) -> Result<Vec<Binding>, ApiError> {
        let path = format!("/api/v2/actions/triggers/{}/bindings", encode_component(trigger));
        let body = serde_json::json!({ "bindings": bindings });
        let response = self.request_needing(Method::Patch, &path, Some(&body), UPDATE_SCOPES)?;
        #[derive(Deserialize)]
        struct Written {
            #[serde(default, deserialize_with = "nullable")]
            bindings: Vec<Binding>,
        }
        let written: Written = decode(format!("PATCH {path}"), response.body, "the list of bindings")?;
        Ok(written.bindings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_decode_leniently() {
        let action: Action = serde_json::from_value(serde_json::json!({
            "id": "act_1", "name": "A", "secrets": null, "supported_triggers": [{"id": "post-login", "version": "v3", "status": "CURRENT"}],
            "something_new": {"x": 1}, "deployed_version": null
        }))
        .unwrap();
        assert!(action.secrets.is_empty());
        assert!(action.deployed_version.is_none());
        assert_eq!(action.supported_triggers[0].version, "v3");
    }

    #[test]
    fn secret_writes_show_no_value_in_debug() {
        let write = SecretWrite { name: "ROLE_ID".into(), value: Some(Secret::new("rol_hidden")) };
        assert!(!format!("{write:?}").contains("rol_hidden"));
        assert_eq!(serde_json::to_value(&write).unwrap(), serde_json::json!({"name": "ROLE_ID", "value": "rol_hidden"}));
        let keep = SecretWrite { name: "X".into(), value: None };
        assert_eq!(serde_json::to_value(&keep).unwrap(), serde_json::json!({"name": "X"}));
    }
}
