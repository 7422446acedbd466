//! How a module describes each of its Actions (handler 0 of its entry, see
//! [`crate::abi`]), as the hosts read it: the runner, the bundler, deploy, verify, remove
//! and export all work from this, with no table of Actions of their own.

use serde::{Deserialize, Serialize};

use crate::declaration::{MANAGEMENT_API_SECRETS, Trigger};

/// One Action, as its module describes it. Strict: it is our own format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionInfo {
    /// The ABI version the module speaks.
    pub abi: u32,
    /// Its name on the tenant.
    pub name: String,
    pub trigger: TriggerRef,
    /// The handlers it exports, in ABI order (`onExecutePostLogin`, `onContinuePostLogin`).
    pub handlers: Vec<String>,
    /// The event paths its decision reads.
    pub event_paths: Vec<String>,
    /// The secrets its decision reads.
    pub secrets: Vec<SecretInfo>,
    /// Set when it calls the Management API with credentials of its own.
    pub management_api: Option<ManagementApiInfo>,
}

/// `{id, version}`, as Auth0's `supported_triggers` lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerRef {
    pub id: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretInfo {
    pub name: String,
    pub required: bool,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagementApiInfo {
    pub scopes: Vec<String>,
}

/// Every secret of an Action's manifest: the decision's, then the shim's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestSecret {
    pub name: String,
    pub required: bool,
    pub note: String,
    /// Read by the shim only (the Management API's credentials), never by the module.
    pub shim: bool,
}

impl ActionInfo {
    /// The trigger, when it is one this framework knows.
    pub fn known_trigger(&self) -> Option<Trigger> {
        Trigger::from_id(&self.trigger.id).filter(|trigger| trigger.version() == self.trigger.version)
    }

    /// The number of `handler` in the ABI (1 for the first), if the Action exports it.
    pub fn handler_number(&self, handler: &str) -> Option<u32> {
        let index = self.handlers.iter().position(|name| name == handler)?;
        u32::try_from(index + 1).ok()
    }

    /// The handler Auth0 runs first.
    pub fn execute_handler(&self) -> &str {
        self.handlers.first().map_or("", String::as_str)
    }

    /// The handler Auth0 runs after a redirect, when the Action exports one.
    pub fn resume_handler(&self) -> Option<&str> {
        self.handlers.get(1).map(String::as_str)
    }

    /// Every path that crosses into the module: the event paths, then `secrets.NAME` for
    /// each secret the decision reads (a secret's name is one key, dots and all).
    pub fn crossing_paths(&self) -> Vec<Vec<String>> {
        let event = self.event_paths.iter().map(|path| crate::declaration::Segments::new(path).map(str::to_owned).collect());
        let secrets = self.secrets.iter().map(|secret| vec!["secrets".to_owned(), secret.name.clone()]);
        event.chain(secrets).collect()
    }

    /// The secrets to configure on the tenant: the decision's, then, for an Action that
    /// calls the Management API, the shim's credentials.
    pub fn manifest_secrets(&self) -> Vec<ManifestSecret> {
        let mut secrets: Vec<ManifestSecret> = self
            .secrets
            .iter()
            .map(|secret| ManifestSecret { name: secret.name.clone(), required: secret.required, note: secret.note.clone(), shim: false })
            .collect();
        if let Some(management) = &self.management_api {
            let scopes = if management.scopes.is_empty() { "the scopes its requests need".to_owned() } else { management.scopes.join(", ") };
            let notes = [
                "the tenant's domain, e.g. example.eu.auth0.com (Management API host)".to_owned(),
                format!("client id of a machine-to-machine application granted {scopes}"),
                "that application's client secret; used by the shim only, never passed to the module".to_owned(),
            ];
            for (name, note) in MANAGEMENT_API_SECRETS.iter().zip(notes) {
                secrets.push(ManifestSecret { name: (*name).to_owned(), required: true, note, shim: true });
            }
        }
        secrets
    }

    /// The folder of this Action's fixtures, by convention: its name in lower case with
    /// hyphens (`Manage_Subscription` → `manage-subscription`).
    pub fn fixtures_folder(&self) -> String {
        self.name.to_lowercase().replace('_', "-")
    }
}
