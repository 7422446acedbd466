//! Removal: our Actions out of their triggers' flows, then off the tenant.
//!
//! Read (GETs only), plan as data, apply, like a deploy:
//! - the flow of each trigger our Actions are for is read, merged and written: every binding
//!   that is not ours stays, in its order; a flow is written only when one of ours is in it;
//! - then each of ours is deleted; Auth0 refuses (409) to delete an Action bound to any
//!   trigger, so one that another trigger binds (it supports more than its own) is reported
//!   and left alone, bound and all;
//! - only Actions named by our manifests are touched, found by their exact name;
//! - run again, it finds nothing and sends no write.

use auth0_mgmt::actions::Binding;
use auth0_mgmt::{ApiError, Client};
use serde::Serialize;

use crate::DeployError;
use crate::plan::FlowEntry;

/// One of ours as the tenant has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    /// The trigger its bundle is for, whose flow deploy binds it into.
    pub trigger: String,
    /// `None` when the tenant has no Action of that name.
    pub id: Option<String>,
    /// Other triggers whose flow binds it.
    pub bound_elsewhere: Vec<String>,
}

/// An Action that stays, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftAlone {
    pub name: String,
    pub reason: String,
}

/// An Action to delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deletion {
    pub name: String,
    pub id: String,
}

/// One trigger's flow in a removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowRemoval {
    pub trigger: String,
    /// The flow before and after; written only when `unbind` is not empty.
    pub before: Vec<FlowEntry>,
    pub after: Vec<FlowEntry>,
    /// Ours that leave the flow.
    pub unbind: Vec<String>,
}

/// What a removal changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovalPlan {
    /// One per trigger our Actions are for, in the order they first appear.
    pub flows: Vec<FlowRemoval>,
    pub delete: Vec<Deletion>,
    pub left_alone: Vec<LeftAlone>,
    /// Ours the tenant does not have.
    pub absent: Vec<String>,
}

impl RemovalPlan {
    pub fn changes(&self) -> bool {
        self.flows.iter().any(|flow| !flow.unbind.is_empty()) || !self.delete.is_empty()
    }

    /// Every one of ours that leaves a flow.
    pub fn unbind(&self) -> Vec<String> {
        self.flows.iter().flat_map(|flow| flow.unbind.iter().cloned()).collect()
    }
}

/// Plans the removal of `found` from a tenant whose flows are `flows` (trigger, bindings).
/// Pure.
pub fn plan_removal(found: &[Found], flows: &[(String, Vec<Binding>)]) -> RemovalPlan {
    let entry = |binding: &Binding| {
        let id = binding.action.id.clone();
        let ours = found.iter().any(|f| f.id.as_deref() == Some(id.as_str()));
        let name = binding.action.name.clone().unwrap_or_else(|| id.clone());
        FlowEntry { display_name: binding.display_name.clone().unwrap_or_else(|| name.clone()), action_id: Some(id), action_name: name, ours }
    };
    let mut plan = RemovalPlan { flows: Vec::new(), delete: Vec::new(), left_alone: Vec::new(), absent: Vec::new() };
    let mut befores: Vec<(String, Vec<FlowEntry>)> = flows.iter().map(|(trigger, flow)| (trigger.clone(), flow.iter().map(entry).collect())).collect();
    let mut unbinds: Vec<(String, Vec<String>)> = Vec::new();
    for action in found {
        let Some(id) = &action.id else {
            plan.absent.push(action.name.clone());
            continue;
        };
        if !action.bound_elsewhere.is_empty() {
            plan.left_alone.push(LeftAlone {
                name: action.name.clone(),
                reason: format!(
                    "also bound to {}: Auth0 cannot delete it while any trigger binds it, and that flow is not ours to change",
                    action.bound_elsewhere.join(", ")
                ),
            });
            continue;
        }
        let in_flow = befores
            .iter()
            .any(|(trigger, before)| *trigger == action.trigger && before.iter().any(|e| e.action_id.as_deref() == Some(id.as_str())));
        if in_flow {
            match unbinds.iter_mut().find(|(trigger, _)| *trigger == action.trigger) {
                Some((_, names)) => names.push(action.name.clone()),
                None => unbinds.push((action.trigger.clone(), vec![action.name.clone()])),
            }
        }
        plan.delete.push(Deletion { name: action.name.clone(), id: id.clone() });
    }
    let leaving: Vec<&str> = plan.delete.iter().map(|d| d.id.as_str()).collect();
    for (trigger, before) in befores.drain(..) {
        let after = before.iter().filter(|e| !e.action_id.as_deref().is_some_and(|id| leaving.contains(&id))).cloned().collect();
        let unbind = unbinds.iter().find(|(t, _)| *t == trigger).map(|(_, names)| names.clone()).unwrap_or_default();
        plan.flows.push(FlowRemoval { trigger, before, after, unbind });
    }
    plan
}

/// Reads what the tenant has of `ours` (each Action's name and its trigger; GETs only) and
/// plans their removal.
pub fn read_removal(client: &mut Client, ours: &[(String, String)]) -> Result<RemovalPlan, DeployError> {
    let mut found = Vec::new();
    let mut flows: Vec<(String, Vec<Binding>)> = Vec::new();
    for (_, trigger) in ours {
        if !flows.iter().any(|(id, _)| id == trigger) {
            flows.push((trigger.clone(), client.trigger_bindings(trigger)?));
        }
    }
    let mut other_flows: Vec<(String, Vec<Binding>)> = Vec::new();
    for (name, own) in ours {
        let Some(action) = client.find_action(name)? else {
            found.push(Found { name: name.clone(), trigger: own.clone(), id: None, bound_elsewhere: Vec::new() });
            continue;
        };
        let mut bound_elsewhere = Vec::new();
        for trigger in action.supported_triggers.iter().filter(|t| t.id != *own) {
            if !other_flows.iter().any(|(id, _)| *id == trigger.id) && !flows.iter().any(|(id, _)| *id == trigger.id) {
                other_flows.push((trigger.id.clone(), client.trigger_bindings(&trigger.id)?));
            }
            let bound = other_flows
                .iter()
                .chain(flows.iter())
                .any(|(id, flow)| *id == trigger.id && flow.iter().any(|binding| binding.action.id == action.id));
            if bound {
                bound_elsewhere.push(trigger.id.clone());
            }
        }
        found.push(Found { name: name.clone(), trigger: own.clone(), id: Some(action.id), bound_elsewhere });
    }
    Ok(plan_removal(&found, &flows))
}

/// What a removal did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovalOutcome {
    pub unbound: Vec<String>,
    pub deleted: Vec<String>,
}

/// Applies a plan: the flow first (so that Auth0 lets the Actions go), then the deletions.
/// An Action already gone (404) counts as deleted: a removal is safe to run again.
pub fn apply_removal(client: &mut Client, plan: &RemovalPlan) -> Result<RemovalOutcome, DeployError> {
    for flow in plan.flows.iter().filter(|flow| !flow.unbind.is_empty()) {
        let writes: Vec<_> = flow.after.iter().map(FlowEntry::write).collect();
        client.update_trigger_bindings(&flow.trigger, &writes)?;
    }
    let mut deleted = Vec::new();
    for deletion in &plan.delete {
        match client.delete_action(&deletion.id) {
            Ok(()) => {}
            Err(ApiError::Status { status: 404, .. }) => {}
            Err(error) => return Err(error.into()),
        }
        deleted.push(deletion.name.clone());
    }
    Ok(RemovalOutcome { unbound: plan.unbind(), deleted })
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth0_mgmt::actions::BoundAction;

    fn binding(id: &str, name: &str) -> Binding {
        Binding { id: Some(format!("bnd_{id}")), display_name: Some(name.to_owned()), action: BoundAction { id: id.to_owned(), name: Some(name.to_owned()) } }
    }

    fn ours(name: &str, id: &str) -> Found {
        Found { name: name.to_owned(), trigger: "post-login".into(), id: Some(id.to_owned()), bound_elsewhere: Vec::new() }
    }

    fn post_login(flow: &[Binding]) -> Vec<(String, Vec<Binding>)> {
        vec![("post-login".to_owned(), flow.to_vec())]
    }

    #[test]
    fn foreign_bindings_stay_in_order_around_ours() {
        let flow = [binding("f1", "Before"), binding("a1", "Manage_Subscription"), binding("f2", "Between"), binding("a2", "Set_Default_Member_Role"), binding("f3", "After")];
        let m2m = [binding("f4", "Other_M2M"), binding("a3", "Limit_M2M_Scopes")];
        let mut limit = ours("Limit_M2M_Scopes", "a3");
        limit.trigger = "credentials-exchange".into();
        let flows = vec![("post-login".to_owned(), flow.to_vec()), ("credentials-exchange".to_owned(), m2m.to_vec())];
        let plan = plan_removal(&[ours("Manage_Subscription", "a1"), ours("Set_Default_Member_Role", "a2"), limit], &flows);
        let after: Vec<&str> = plan.flows[0].after.iter().map(|e| e.action_name.as_str()).collect();
        assert_eq!(after, ["Before", "Between", "After"]);
        assert_eq!(plan.flows[0].unbind, ["Manage_Subscription", "Set_Default_Member_Role"]);
        let m2m_after: Vec<&str> = plan.flows[1].after.iter().map(|e| e.action_name.as_str()).collect();
        assert_eq!((m2m_after, plan.flows[1].unbind.clone()), (vec!["Other_M2M"], vec!["Limit_M2M_Scopes".to_owned()]));
        assert_eq!(plan.delete.len(), 3);
    }

    #[test]
    fn an_action_bound_elsewhere_stays_bound_and_an_absent_one_is_nothing_to_do() {
        let flow = [binding("a1", "Manage_Subscription")];
        let mut shared = ours("Manage_Subscription", "a1");
        shared.bound_elsewhere.push("credentials-exchange".into());
        let absent = Found { name: "Set_Default_Member_Role".into(), trigger: "post-login".into(), id: None, bound_elsewhere: Vec::new() };
        let plan = plan_removal(&[shared, absent], &post_login(&flow));
        assert!(!plan.changes());
        assert_eq!(plan.flows[0].after.len(), 1);
        assert!(plan.left_alone[0].reason.starts_with("also bound to credentials-exchange"));
        assert_eq!(plan.absent, ["Set_Default_Member_Role"]);
    }

    #[test]
    fn an_unbound_action_is_deleted_without_writing_the_flow() {
        let plan = plan_removal(&[ours("Manage_Subscription", "a1")], &post_login(&[binding("f1", "Other")]));
        assert!(plan.unbind().is_empty());
        assert_eq!(plan.delete, [Deletion { name: "Manage_Subscription".into(), id: "a1".into() }]);
        assert_eq!(plan.flows[0].before, plan.flows[0].after);
    }
}
