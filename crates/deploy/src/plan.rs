//! What a deploy would change, as data: computed from the bundles and what the tenant has,
//! with no IO, so the dry run and the real run print the same plan.

use auth0_mgmt::actions::{Action, Binding, BindingRef, BindingWrite, Dependency, SecretWrite, TriggerRef};
use auth0_mgmt::Secret;
use serde::Serialize;

use auth0_actions::sha256_hex;

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

/// Where our Actions go in their flow when they are not bound yet and not placed one by one:
/// at the end, or after an Action of the flow (`--bind-after`), each after the one of ours
/// before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    End,
    After(String),
}

/// Where one Action goes in its flow (`--place NAME=first|last|before:OTHER|after:OTHER`):
/// moved there if it is bound elsewhere, left alone once it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    First,
    Last,
    /// Directly before this Action of the flow.
    Before(String),
    /// Directly after this Action of the flow.
    After(String),
}

impl Place {
    /// Reads `first`, `last`, `before:NAME` or `after:NAME`.
    pub fn parse(text: &str) -> Option<Place> {
        match text.split_once(':') {
            None if text == "first" => Some(Place::First),
            None if text == "last" => Some(Place::Last),
            Some(("before", anchor)) if !anchor.is_empty() => Some(Place::Before(anchor.to_owned())),
            Some(("after", anchor)) if !anchor.is_empty() => Some(Place::After(anchor.to_owned())),
            _ => None,
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::First => f.write_str("first"),
            Place::Last => f.write_str("last"),
            Place::Before(anchor) => write!(f, "before {anchor}"),
            Place::After(anchor) => write!(f, "after {anchor}"),
        }
    }
}

/// Choices that shape the plan.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Overrides the manifest's runtime (`node22` or `node18`).
    pub runtime: Option<String>,
    pub placement: Placement,
    /// Actions placed one by one, by name.
    pub places: Vec<(String, Place)>,
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

/// One trigger's flow before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindingsPlan {
    pub trigger: String,
    pub before: Vec<FlowEntry>,
    pub after: Vec<FlowEntry>,
    /// Ours that get a new binding.
    pub bind: Vec<String>,
    /// Ours already bound that move to the place given them.
    pub moved: Vec<String>,
}

impl BindingsPlan {
    pub fn changes(&self) -> bool {
        !self.bind.is_empty() || !self.moved.is_empty()
    }

    pub fn writes(&self) -> Vec<BindingWrite> {
        self.after.iter().map(FlowEntry::write).collect()
    }
}

/// Read-merge-write: every binding that is not ours stays, in its order. Each of ours
/// placed one by one (`places`) goes to its place (moved there if it is bound elsewhere in
/// the flow); each other one of ours not bound yet is inserted after the previous one of
/// ours (in `ours` order), the first at `placement`; one already bound keeps its place.
/// `ours` is (name, id if it exists).
pub fn merge_bindings(
    trigger: &str,
    current: &[Binding],
    ours: &[(String, Option<String>)],
    placement: &Placement,
    places: &[(String, Place)],
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
    let flow_names = || before.iter().map(|e| e.action_name.clone()).collect::<Vec<_>>();
    let position = |after: &[FlowEntry], name: &str| {
        after.iter().position(|e| e.action_name == name || e.display_name == name)
    };
    let bound_at = |after: &[FlowEntry], name: &str, id: &Option<String>| {
        after.iter().position(|e| e.ours && (id.is_some() && e.action_id.as_deref() == id.as_deref() || e.action_name == name))
    };
    let placed = |name: &str| places.iter().find(|(placed, _)| placed == name).map(|(_, place)| place);
    let mut bind = Vec::new();
    let mut moved = Vec::new();
    // The ones of ours not placed one by one: appended as a block, as they always were.
    let mut cursor: Option<usize> = None;
    for (name, id) in ours.iter().filter(|(name, _)| placed(name).is_none()) {
        match bound_at(&after, name, id) {
            Some(index) => cursor = Some(index + 1),
            None => {
                let at = match (cursor, placement) {
                    (Some(at), _) => at,
                    (None, Placement::End) => after.len(),
                    (None, Placement::After(anchor)) => position(&after, anchor).map(|index| index + 1).ok_or_else(|| {
                        DeployError::Placement { trigger: trigger.to_owned(), action: name.clone(), anchor: anchor.clone(), flow: flow_names() }
                    })?,
                }
                .min(after.len());
                after.insert(at, FlowEntry { action_id: id.clone(), action_name: name.clone(), display_name: name.clone(), ours: true });
                bind.push(name.clone());
                cursor = Some(at + 1);
            }
        }
    }
    // Then each one placed one by one, in `ours` order, relative to the flow as it is now.
    for (name, id) in ours {
        let Some(place) = placed(name) else { continue };
        let bound = bound_at(&after, name, id);
        let anchor_at = |after: &[FlowEntry], anchor: &str| {
            position(after, anchor).ok_or_else(|| DeployError::Placement {
                trigger: trigger.to_owned(),
                action: name.clone(),
                anchor: anchor.to_owned(),
                flow: flow_names(),
            })
        };
        let satisfied = match (bound, place) {
            (None, _) => false,
            (Some(index), Place::First) => index == 0,
            (Some(index), Place::Last) => index + 1 == after.len(),
            (Some(index), Place::Before(anchor)) => anchor_at(&after, anchor)? == index + 1,
            (Some(index), Place::After(anchor)) => anchor_at(&after, anchor)? + 1 == index,
        };
        if satisfied {
            continue;
        }
        let entry = match bound {
            Some(index) => {
                moved.push(name.clone());
                after.remove(index)
            }
            None => {
                bind.push(name.clone());
                FlowEntry { action_id: id.clone(), action_name: name.clone(), display_name: name.clone(), ours: true }
            }
        };
        let at = match place {
            Place::First => 0,
            Place::Last => after.len(),
            Place::Before(anchor) => anchor_at(&after, anchor)?,
            Place::After(anchor) => anchor_at(&after, anchor)? + 1,
        };
        after.insert(at.min(after.len()), entry);
    }
    // Listed in the order the flow will run them.
    let order = |name: &String| after.iter().position(|e| e.ours && e.action_name == *name);
    bind.sort_by_key(order);
    moved.sort_by_key(order);
    Ok(BindingsPlan { trigger: trigger.to_owned(), before, after, bind, moved })
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
        let plan = merge_bindings("post-login", &current, &ours(), &Placement::End, &[]).unwrap();
        assert_eq!(names(&plan.after), ["X", "Y", "M", "S"]);
        assert_eq!(plan.bind, ["M", "S"]);
        let writes = plan.writes();
        assert_eq!(writes[0].reference, BindingRef::action_id("x"));
        assert_eq!(writes[3].reference, BindingRef::action_name("S"));
    }

    #[test]
    fn inserts_after_a_named_action() {
        let current = [binding("x", "X"), binding("y", "Y")];
        let plan = merge_bindings("post-login", &current, &ours(), &Placement::After("X".into()), &[]).unwrap();
        assert_eq!(names(&plan.after), ["X", "M", "S", "Y"]);
        let error = merge_bindings("post-login", &current, &ours(), &Placement::After("Z".into()), &[]).unwrap_err();
        assert!(error.to_string().contains("found [X, Y]"), "{error}");
    }

    #[test]
    fn bound_ones_keep_their_place_and_the_next_follows() {
        let current = [binding("m", "M"), binding("x", "X")];
        let plan = merge_bindings("post-login", &current, &ours(), &Placement::End, &[]).unwrap();
        assert_eq!(names(&plan.after), ["M", "S", "X"]);
        let current = [binding("m", "M"), binding("x", "X"), binding("s", "S")];
        let plan = merge_bindings("post-login", &current, &ours(), &Placement::End, &[]).unwrap();
        assert_eq!(names(&plan.after), ["M", "X", "S"]);
        assert!(!plan.changes());
    }

    #[test]
    fn each_action_goes_where_it_is_placed_and_stays_there() {
        let current = [binding("x", "X"), binding("m", "M"), binding("y", "Y")];
        let places = [("S".to_owned(), Place::Before("M".into())), ("M".to_owned(), Place::Last)];
        let plan = merge_bindings("post-login", &current, &ours(), &Placement::End, &places).unwrap();
        assert_eq!(names(&plan.after), ["X", "Y", "S", "M"], "M goes last, then S directly before it");
        assert_eq!((plan.bind.clone(), plan.moved.clone()), (vec!["S".to_owned()], vec!["M".to_owned()]));
        // Once there, nothing moves: a second deploy writes nothing.
        let bound: Vec<Binding> = plan.after.iter().map(|e| binding(&e.action_name.to_lowercase(), &e.action_name)).collect();
        let bound_ours = vec![("M".to_owned(), Some("m".to_owned())), ("S".to_owned(), Some("s".to_owned()))];
        let again = merge_bindings("post-login", &bound, &bound_ours, &Placement::End, &places).unwrap();
        assert!(!again.changes(), "{again:?}");
        let first = merge_bindings("post-login", &current, &ours(), &Placement::End, &[("S".to_owned(), Place::First)]).unwrap();
        assert_eq!(names(&first.after), ["S", "X", "M", "Y"]);
        let error = merge_bindings("post-login", &current, &ours(), &Placement::End, &[("S".to_owned(), Place::After("Z".into()))]).unwrap_err();
        assert!(error.to_string().contains("\"Z\" in the post-login flow to place S next to it, found [X, M, Y]"), "{error}");
    }

    #[test]
    fn places_are_read_from_flags() {
        assert_eq!(Place::parse("first"), Some(Place::First));
        assert_eq!(Place::parse("before:Block_Disposable_Email"), Some(Place::Before("Block_Disposable_Email".into())));
        assert_eq!(Place::parse("after:"), None);
        assert_eq!(Place::parse("middle"), None);
    }

    #[test]
    fn runtimes() {
        assert_eq!(api_runtime("node18"), "node18-actions");
        assert!(same_runtime("node18", "node18-actions"));
        assert!(!same_runtime("node22", "node18"));
    }
}
