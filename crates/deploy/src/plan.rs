//! What a deploy would change, as data: computed from the bundles and what the tenant has,
//! with no IO, so the dry run and the real run print the same plan.

use auth0_mgmt::actions::{Action, Binding, BindingRef, BindingWrite, Dependency, SecretWrite, TriggerRef};
use auth0_mgmt::Secret;
use serde::Serialize;

use actions_core::sha256_hex;

use crate::bundle::Bundle;
use crate::secrets::SecretValues;
use crate::DeployError;

/// Auth0's API name for a runtime given as `node22` or `node18`.
pub fn api_runtime(runtime: &str) -> String {
    match runtime {
        "node18" => "node18-actions".to_owned(),
        other => other.to_owned(),
    }
}

fn same_runtime(a: &str, b: &str) -> bool {
    api_runtime(a) == api_runtime(b)
}

/// Where our Actions go in the flow when they are not bound yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    End,
    After(String),
}

/// Choices that shape the plan.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Overrides the manifest's runtime (`node22` or `node18`).
    pub runtime: Option<String>,
    pub placement: Placement,
    /// Rewrite secrets the tenant already has, with the values given (rotation).
    pub update_secrets: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Change {
    Create { code_sha256: String },
    Update { old_code_sha256: Option<String>, new_code_sha256: String, reasons: Vec<String> },
    Unchanged { code_sha256: String },
}

/// Names only: what happens to each secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SecretsPlan {
    /// Written with a value from the environment or the file.
    pub set: Vec<String>,
    /// Ours, already on the tenant, no value written (their values stay).
    pub keep: Vec<String>,
    /// Not ours: kept by name.
    pub unmanaged: Vec<String>,
    /// Optional, not on the tenant, no value given: the Action uses its default.
    pub unset_optional: Vec<String>,
    /// True when the write lists secrets by name alone, relying on Auth0 keeping their
    /// values (unverified): see the README.
    pub relies_on_name_only_keep: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionPlan {
    pub name: String,
    pub id: Option<String>,
    pub runtime: String,
    pub change: Change,
    pub secrets: SecretsPlan,
    pub deploy: bool,
    /// Why a deploy is needed although nothing changes (e.g. a draft never deployed).
    pub deploy_reason: Option<String>,
    #[serde(skip)]
    pub write: Option<auth0_mgmt::actions::ActionWrite>,
}

impl ActionPlan {
    pub fn writes(&self) -> bool {
        !matches!(self.change, Change::Unchanged { .. }) || self.deploy
    }
}

/// Plans one Action against what the tenant has (`None`: it does not exist).
pub fn plan_action(
    bundle: &Bundle,
    tenant: Option<&Action>,
    values: &SecretValues,
    options: &PlanOptions,
) -> Result<ActionPlan, DeployError> {
    let name = bundle.name().to_owned();
    let runtime = api_runtime(options.runtime.as_deref().unwrap_or(&bundle.manifest.runtime));
    let on_tenant: Vec<&str> = tenant.map(|a| a.secrets.iter().map(|s| s.name.as_str()).collect()).unwrap_or_default();
    let mut secrets = SecretsPlan::default();
    let mut writes: Vec<(String, Secret)> = Vec::new();
    for declared in &bundle.manifest.secrets {
        let exists = on_tenant.contains(&declared.name.as_str());
        let value = values.get(&name, &declared.name).map(|(value, _)| value.clone());
        match (exists, value) {
            (true, Some(value)) if options.update_secrets => {
                secrets.set.push(declared.name.clone());
                writes.push((declared.name.clone(), value));
            }
            (true, _) => secrets.keep.push(declared.name.clone()),
            (false, Some(value)) => {
                secrets.set.push(declared.name.clone());
                writes.push((declared.name.clone(), value));
            }
            (false, None) if declared.required => {
                return Err(DeployError::MissingSecret { action: name, secret: declared.name.clone() });
            }
            (false, None) => secrets.unset_optional.push(declared.name.clone()),
        }
    }
    secrets.unmanaged = on_tenant
        .iter()
        .filter(|n| !bundle.manifest.secrets.iter().any(|d| d.name == **n))
        .map(|n| (*n).to_owned())
        .collect();

    let triggers = bundle.manifest.supported_triggers.clone();
    let dependencies = bundle.manifest.dependencies.clone();
    let Some(tenant) = tenant else {
        let write = auth0_mgmt::actions::ActionWrite {
            name: Some(name.clone()),
            supported_triggers: Some(triggers),
            code: Some(bundle.code.clone()),
            runtime: Some(runtime.clone()),
            dependencies: Some(dependencies),
            secrets: Some(writes.into_iter().map(|(name, value)| SecretWrite { name, value: Some(value) }).collect()),
        };
        return Ok(ActionPlan {
            name,
            id: None,
            runtime,
            change: Change::Create { code_sha256: bundle.code_sha256().to_owned() },
            secrets,
            deploy: true,
            deploy_reason: None,
            write: Some(write),
        });
    };

    let old_sha = tenant.code.as_deref().map(|code| sha256_hex(code.as_bytes()));
    let mut reasons = Vec::new();
    if old_sha.as_deref() != Some(bundle.code_sha256()) {
        reasons.push("code".to_owned());
    }
    if !tenant.runtime.as_deref().is_some_and(|r| same_runtime(r, &runtime)) {
        reasons.push(format!("runtime {} → {runtime}", tenant.runtime.as_deref().unwrap_or("none")));
    }
    if sorted(&tenant.supported_triggers) != sorted(&triggers) {
        reasons.push("supported_triggers".to_owned());
    }
    if sorted_deps(&tenant.dependencies) != sorted_deps(&dependencies) {
        reasons.push("dependencies".to_owned());
    }
    if !secrets.set.is_empty() {
        reasons.push(format!("secrets {}", secrets.set.join(", ")));
    }
    let (change, write) = if reasons.is_empty() {
        (Change::Unchanged { code_sha256: bundle.code_sha256().to_owned() }, None)
    } else {
        // PATCH leaves absent fields alone, so `secrets` is sent only when one must be
        // written; then the list is the whole list, unmanaged and kept ones by name.
        let secret_list = (!writes.is_empty()).then(|| {
            let mut list: Vec<SecretWrite> = on_tenant
                .iter()
                .map(|existing| SecretWrite {
                    name: (*existing).to_owned(),
                    value: writes.iter().find(|(n, _)| n == existing).map(|(_, v)| v.clone()),
                })
                .collect();
            for (secret, value) in &writes {
                if !on_tenant.contains(&secret.as_str()) {
                    list.push(SecretWrite { name: secret.clone(), value: Some(value.clone()) });
                }
            }
            list
        });
        secrets.relies_on_name_only_keep =
            secret_list.as_ref().is_some_and(|list| list.iter().any(|s| s.value.is_none()));
        let write = auth0_mgmt::actions::ActionWrite {
            name: None,
            supported_triggers: Some(triggers),
            code: Some(bundle.code.clone()),
            runtime: Some(runtime.clone()),
            dependencies: Some(dependencies),
            secrets: secret_list,
        };
        (Change::Update { old_code_sha256: old_sha, new_code_sha256: bundle.code_sha256().to_owned(), reasons }, Some(write))
    };
    let (deploy, deploy_reason) = match (&change, tenant.deployed_version.is_some(), tenant.all_changes_deployed) {
        (Change::Update { .. }, _, _) => (true, None),
        (_, false, _) => (true, Some("never deployed".to_owned())),
        (_, _, Some(false)) => (true, Some("the tenant has changes not deployed".to_owned())),
        _ => (false, None),
    };
    Ok(ActionPlan { name, id: Some(tenant.id.clone()), runtime, change, secrets, deploy, deploy_reason, write })
}

fn sorted(triggers: &[TriggerRef]) -> Vec<TriggerRef> {
    let mut triggers = triggers.to_vec();
    triggers.sort();
    triggers
}

fn sorted_deps(dependencies: &[Dependency]) -> Vec<Dependency> {
    let mut dependencies = dependencies.to_vec();
    dependencies.sort();
    dependencies
}

/// One entry of a flow, as the plan shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowEntry {
    /// `None` for one of ours not created yet (dry run).
    pub action_id: Option<String>,
    pub action_name: String,
    pub display_name: String,
    pub ours: bool,
}

impl FlowEntry {
    pub(crate) fn write(&self) -> BindingWrite {
        BindingWrite {
            reference: match &self.action_id {
                Some(id) => BindingRef::action_id(id),
                None => BindingRef::action_name(&self.action_name),
            },
            display_name: self.display_name.clone(),
        }
    }
}

/// The flow before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindingsPlan {
    pub trigger: String,
    pub before: Vec<FlowEntry>,
    pub after: Vec<FlowEntry>,
    /// Ours that get a new binding.
    pub bind: Vec<String>,
}

impl BindingsPlan {
    pub fn changes(&self) -> bool {
        !self.bind.is_empty()
    }

    pub fn writes(&self) -> Vec<BindingWrite> {
        self.after.iter().map(FlowEntry::write).collect()
    }
}

/// Read-merge-write: every existing binding stays, in its order; each of ours not bound yet
/// is inserted after the previous one of ours (in `ours` order), the first at `placement`.
/// `ours` is (name, id if it exists).
pub fn merge_bindings(
    trigger: &str,
    current: &[Binding],
    ours: &[(String, Option<String>)],
    placement: &Placement,
) -> Result<BindingsPlan, DeployError> {
    let is_ours = |binding: &Binding| {
        ours.iter().any(|(name, id)| {
            id.as_deref() == Some(binding.action.id.as_str()) || binding.action.name.as_deref() == Some(name.as_str())
        })
    };
    let before: Vec<FlowEntry> = current
        .iter()
        .map(|binding| {
            let name = binding.action.name.clone().unwrap_or_else(|| binding.action.id.clone());
            FlowEntry {
                action_id: Some(binding.action.id.clone()),
                display_name: binding.display_name.clone().unwrap_or_else(|| name.clone()),
                action_name: name,
                ours: is_ours(binding),
            }
        })
        .collect();
    let mut after = before.clone();
    // The anchor must exist only when something is to be inserted at it.
    let anchor_missing = match placement {
        Placement::End => None,
        Placement::After(anchor) => {
            (!after.iter().any(|e| &e.action_name == anchor || &e.display_name == anchor)).then(|| anchor.clone())
        }
    };
    let default_position = |after: &[FlowEntry]| -> Result<usize, DeployError> {
        match placement {
            Placement::End => Ok(after.len()),
            Placement::After(anchor) => after
                .iter()
                .position(|e| &e.action_name == anchor || &e.display_name == anchor)
                .map(|index| index + 1)
                .ok_or_else(|| DeployError::Placement {
                    anchor: anchor_missing.clone().unwrap_or_else(|| anchor.clone()),
                    flow: before.iter().map(|e| e.action_name.clone()).collect(),
                }),
        }
    };
    let mut cursor: Option<usize> = None;
    let mut bind = Vec::new();
    for (name, id) in ours {
        let bound = after.iter().position(|e| {
            e.ours && (id.is_some() && e.action_id.as_deref() == id.as_deref() || &e.action_name == name)
        });
        match bound {
            Some(index) => cursor = Some(index + 1),
            None => {
                let at = match cursor {
                    Some(at) => at,
                    None => default_position(&after)?,
                }
                .min(after.len());
                after.insert(
                    at,
                    FlowEntry { action_id: id.clone(), action_name: name.clone(), display_name: name.clone(), ours: true },
                );
                bind.push(name.clone());
                cursor = Some(at + 1);
            }
        }
    }
    Ok(BindingsPlan { trigger: trigger.to_owned(), before, after, bind })
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth0_mgmt::actions::BoundAction;

    fn binding(id: &str, name: &str) -> Binding {
        Binding {
            id: Some(format!("b_{id}")),
            display_name: Some(name.to_owned()),
            action: BoundAction { id: id.to_owned(), name: Some(name.to_owned()) },
        }
    }

    fn ours() -> Vec<(String, Option<String>)> {
        vec![("M".to_owned(), Some("m".to_owned())), ("S".to_owned(), None)]
    }

    fn names(entries: &[FlowEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.action_name.as_str()).collect()
    }

    #[test]
    fn appends_ours_in_order_and_keeps_others() {
        let current = [binding("x", "X"), binding("y", "Y")];
        let plan = merge_bindings("post-login", &current, &ours(), &Placement::End).unwrap();
        assert_eq!(names(&plan.after), ["X", "Y", "M", "S"]);
        assert_eq!(plan.bind, ["M", "S"]);
        let writes = plan.writes();
        assert_eq!(writes[0].reference, BindingRef::action_id("x"));
        assert_eq!(writes[3].reference, BindingRef::action_name("S"));
    }

    #[test]
    fn inserts_after_a_named_action() {
        let current = [binding("x", "X"), binding("y", "Y")];
        let plan = merge_bindings("post-login", &current, &ours(), &Placement::After("X".into())).unwrap();
        assert_eq!(names(&plan.after), ["X", "M", "S", "Y"]);
        let error = merge_bindings("post-login", &current, &ours(), &Placement::After("Z".into())).unwrap_err();
        assert!(error.to_string().contains("found [X, Y]"), "{error}");
    }

    #[test]
    fn bound_ones_keep_their_place_and_the_next_follows() {
        let current = [binding("m", "M"), binding("x", "X")];
        let plan = merge_bindings("post-login", &current, &ours(), &Placement::End).unwrap();
        assert_eq!(names(&plan.after), ["M", "S", "X"]);
        let current = [binding("m", "M"), binding("x", "X"), binding("s", "S")];
        let plan = merge_bindings("post-login", &current, &ours(), &Placement::End).unwrap();
        assert_eq!(names(&plan.after), ["M", "X", "S"]);
        assert!(!plan.changes());
    }

    #[test]
    fn runtimes() {
        assert_eq!(api_runtime("node18"), "node18-actions");
        assert!(same_runtime("node18", "node18-actions"));
        assert!(!same_runtime("node22", "node18"));
    }
}
