//! Reads the tenant into a [`Plan`], and applies a plan: create or update, wait for the
//! builds, deploy, then bind. A failed build stops everything before any deploy.

use std::time::{Duration, Instant};

use auth0_mgmt::Client;
use auth0_mgmt::actions::Action;
use serde::Serialize;

use crate::bundle::Bundle;
use crate::plan::{ActionPlan, BindingsPlan, Change, PlanOptions, merge_bindings, plan_action};
use crate::secrets::SecretValues;
use crate::{BuildFailure, DeployError};

/// Where progress goes: one step starts, one step is done.
pub trait Progress {
    fn start(&mut self, subject: &str, step: &str);
    fn done(&mut self, subject: &str, step: &str);
}

#[derive(Debug, Clone)]
pub struct DeployOptions {
    pub plan: PlanOptions,
    /// How long to wait for one Action's build.
    pub build_timeout: Duration,
    /// Time between two looks at a build's status.
    pub poll_interval: Duration,
}

/// What would change, for every Action and for the flow of each trigger they are for.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub actions: Vec<ActionPlan>,
    /// One per trigger, in the order the bundles name them.
    pub flows: Vec<BindingsPlan>,
}

impl Plan {
    /// True when applying it sends at least one write.
    pub fn changes(&self) -> bool {
        self.actions.iter().any(ActionPlan::writes) || self.flows.iter().any(BindingsPlan::changes)
    }

    /// The scopes applying this plan needs (reading needs `read:actions`, already used).
    pub fn needed_scopes(&self) -> Vec<&'static str> {
        use auth0_mgmt::actions::{CREATE_ACTIONS, READ_ACTIONS, UPDATE_ACTIONS};
        let creates = self.actions.iter().any(|a| matches!(a.change, Change::Create { .. }) || a.deploy);
        let updates = self.actions.iter().any(|a| matches!(a.change, Change::Update { .. })) || self.flows.iter().any(BindingsPlan::changes);
        let mut scopes = vec![READ_ACTIONS];
        if creates {
            scopes.push(CREATE_ACTIONS);
        }
        if updates {
            scopes.push(UPDATE_ACTIONS);
        }
        scopes
    }

    /// Needed scopes the token does not list; empty when Auth0 did not say which it granted.
    pub fn missing_scopes(&self, granted: Option<&str>) -> Vec<&'static str> {
        let Some(granted) = granted else { return Vec::new() };
        let granted: Vec<&str> = granted.split_whitespace().collect();
        self.needed_scopes().into_iter().filter(|scope| !granted.contains(scope)).collect()
    }
}

/// Reads what the tenant has (GETs only) and plans.
pub fn read_plan(
    client: &mut Client,
    bundles: &[Bundle],
    values: &SecretValues,
    options: &DeployOptions,
    progress: &mut dyn Progress,
) -> Result<Plan, DeployError> {
    if let Some((unknown, _)) = options.plan.places.iter().find(|(name, _)| !bundles.iter().any(|b| b.name() == name)) {
        let known = bundles.iter().map(Bundle::name).collect::<Vec<_>>().join(", ");
        return Err(DeployError::UnknownPlaced { found: unknown.clone(), known });
    }
    let mut actions = Vec::new();
    for bundle in bundles {
        progress.start(bundle.name(), "reading the tenant");
        let tenant = client.find_action(bundle.name())?;
        actions.push(plan_action(bundle, tenant.as_ref(), values, &options.plan)?);
        progress.done(bundle.name(), "read");
    }
    let mut flows = Vec::new();
    for trigger in crate::triggers(bundles) {
        progress.start(&trigger, "reading the flow");
        let current = client.trigger_bindings(&trigger)?;
        let ours = ours_in(bundles, &trigger, actions.iter().map(|a| (a.name.clone(), a.id.clone())));
        flows.push(merge_bindings(&trigger, &current, &ours, &options.plan.placement, &options.plan.places)?);
        progress.done(&trigger, "read");
    }
    Ok(Plan { actions, flows })
}

/// Ours (name, id) that are for `trigger`, in the bundles' order.
fn ours_in(bundles: &[Bundle], trigger: &str, ids: impl Iterator<Item = (String, Option<String>)>) -> Vec<(String, Option<String>)> {
    ids.filter(|(name, _)| bundles.iter().any(|b| b.name() == name && b.manifest.trigger() == trigger)).collect()
}

/// What happened to one Action.
#[derive(Debug, Clone, Serialize)]
pub struct ActionOutcome {
    pub name: String,
    pub id: String,
    /// `created`, `updated` or `unchanged`.
    pub change: &'static str,
    /// The version number deployed by this run, if any.
    pub deployed_version: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub actions: Vec<ActionOutcome>,
    /// Ours that this run bound.
    pub bound: Vec<String>,
    /// Ours that this run moved to the place given them.
    pub moved: Vec<String>,
    /// Each flow after the run, by name.
    pub flows: Vec<FlowAfter>,
    pub changed: bool,
}

/// One trigger's flow after a deploy.
#[derive(Debug, Clone, Serialize)]
pub struct FlowAfter {
    pub trigger: String,
    pub actions: Vec<String>,
}

/// Applies a plan made by [`read_plan`].
pub fn apply(
    client: &mut Client,
    bundles: &[Bundle],
    plan: &Plan,
    options: &DeployOptions,
    progress: &mut dyn Progress,
) -> Result<Outcome, DeployError> {
    let mut outcomes = Vec::new();
    // 1. Create or update.
    for action in &plan.actions {
        let (id, change) = match (&action.change, &action.id, &action.write) {
            (Change::Create { .. }, _, Some(write)) => {
                progress.start(&action.name, "creating");
                let created = client.create_action(write)?;
                progress.done(&action.name, &format!("created ({})", created.id));
                (created.id, "created")
            }
            (Change::Update { .. }, Some(id), Some(write)) => {
                progress.start(&action.name, "updating");
                client.update_action(id, write)?;
                progress.done(&action.name, "updated");
                (id.clone(), "updated")
            }
            (_, Some(id), _) => (id.clone(), "unchanged"),
            // A plan always has an id or a write; treat the impossible as "nothing to do".
            (_, None, _) => continue,
        };
        outcomes.push(ActionOutcome { name: action.name.clone(), id, change, deployed_version: None });
    }
    // 2. Wait for every build that is to be deployed; any failure stops the run here.
    let mut failures = Vec::new();
    for (action, outcome) in plan.actions.iter().zip(&outcomes) {
        if !action.deploy {
            continue;
        }
        progress.start(&action.name, "waiting for the build");
        let built = wait_built(client, &outcome.id, &action.name, options, progress)?;
        match built.status.as_deref() {
            Some("built") => progress.done(&action.name, "built"),
            _ => {
                let errors: Vec<String> = built
                    .errors
                    .iter()
                    .map(|e| e.msg.clone().or_else(|| e.id.clone()).unwrap_or_else(|| "unknown error".to_owned()))
                    .collect();
                progress.done(&action.name, "build failed");
                failures.push(BuildFailure { action: action.name.clone(), errors });
            }
        }
    }
    if !failures.is_empty() {
        return Err(DeployError::BuildFailed(failures));
    }
    // 3. Deploy.
    for (action, outcome) in plan.actions.iter().zip(outcomes.iter_mut()) {
        if action.deploy {
            progress.start(&action.name, "deploying");
            let version = client.deploy_action(&outcome.id)?;
            outcome.deployed_version = version.number;
            let shown = version.number.map(|n| format!("deployed (version {n})")).unwrap_or_else(|| "deployed".to_owned());
            progress.done(&action.name, &shown);
        }
    }
    // 4. Bind, flow by flow: read it again just before writing, so the merge sees the latest list.
    let mut bound = Vec::new();
    let mut moved = Vec::new();
    let mut flows = Vec::new();
    for planned in &plan.flows {
        let trigger = planned.trigger.as_str();
        let mut flow: Vec<String> = planned.after.iter().map(|e| e.action_name.clone()).collect();
        if planned.changes() {
            progress.start(trigger, "binding");
            let current = client.trigger_bindings(trigger)?;
            let ours = ours_in(bundles, trigger, outcomes.iter().map(|o| (o.name.clone(), Some(o.id.clone()))));
            let merged = merge_bindings(trigger, &current, &ours, &options.plan.placement, &options.plan.places)?;
            if merged.changes() {
                client.update_trigger_bindings(trigger, &merged.writes())?;
                bound.extend(merged.bind.iter().cloned());
                moved.extend(merged.moved.iter().cloned());
            }
            flow = merged.after.iter().map(|e| e.action_name.clone()).collect();
            let what: Vec<String> = merged.bind.iter().cloned().chain(merged.moved.iter().map(|name| format!("{name} (moved)"))).collect();
            progress.done(trigger, &format!("bound {}", if what.is_empty() || !merged.changes() { "nothing new".to_owned() } else { what.join(", ") }));
        }
        flows.push(FlowAfter { trigger: trigger.to_owned(), actions: flow });
    }
    let changed = outcomes.iter().any(|o| o.change != "unchanged" || o.deployed_version.is_some()) || !bound.is_empty() || !moved.is_empty();
    Ok(Outcome { actions: outcomes, bound, moved, flows, changed })
}

/// Looks at the Action until it is `built` or `failed`, within the build timeout.
fn wait_built(
    client: &mut Client,
    id: &str,
    name: &str,
    options: &DeployOptions,
    progress: &mut dyn Progress,
) -> Result<Action, DeployError> {
    let deadline = Instant::now() + options.build_timeout;
    loop {
        let action = client.get_action(id)?;
        let status = action.status.clone().unwrap_or_else(|| "unknown".to_owned());
        if status == "built" || status == "failed" {
            return Ok(action);
        }
        if Instant::now() >= deadline {
            return Err(DeployError::BuildTimeout { action: name.to_owned(), seconds: options.build_timeout.as_secs(), status });
        }
        progress.start(name, &format!("waiting for the build ({status})"));
        std::thread::sleep(options.poll_interval);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{BindingsPlan, SecretsPlan};

    fn plan(change: Change, deploy: bool, bind: bool) -> Plan {
        Plan {
            actions: vec![ActionPlan {
                name: "A".into(),
                id: Some("a".into()),
                runtime: "node22".into(),
                change,
                secrets: SecretsPlan::default(),
                deploy,
                deploy_reason: None,
                write: None,
            }],
            flows: vec![BindingsPlan {
                trigger: "post-login".into(),
                before: vec![],
                after: vec![],
                bind: if bind { vec!["A".into()] } else { vec![] },
                moved: vec![],
            }],
        }
    }

    #[test]
    fn scopes_follow_the_plan() {
        let unchanged = plan(Change::Unchanged { code_sha256: "x".into() }, false, false);
        assert_eq!(unchanged.needed_scopes(), ["read:actions"]);
        assert!(!unchanged.changes());
        let update = plan(Change::Update { old_code_sha256: None, new_code_sha256: "y".into(), reasons: vec![] }, true, false);
        assert_eq!(update.needed_scopes(), ["read:actions", "create:actions", "update:actions"]);
        assert_eq!(update.missing_scopes(Some("read:actions create:actions")), ["update:actions"]);
        assert!(update.missing_scopes(None).is_empty(), "a token that does not say is not refused up front");
        let bind_only = plan(Change::Unchanged { code_sha256: "x".into() }, false, true);
        assert_eq!(bind_only.needed_scopes(), ["read:actions", "update:actions"]);
    }
}
