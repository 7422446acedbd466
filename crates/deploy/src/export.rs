//! The same bundles in the formats of the deploy tools users already have:
//! auth0-deploy-cli's directory layout and Terraform's JSON syntax. Secrets appear as
//! placeholders (`##KEY##` keyword replacement, Terraform variables), never as values.

use std::path::Path;

use serde_json::{Value, json};

use crate::DeployError;
use crate::bundle::Bundle;
use crate::plan::api_runtime;

fn write(path: &Path, text: &str) -> Result<(), DeployError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| DeployError::Write { path: parent.to_owned(), source })?;
    }
    std::fs::write(path, text).map_err(|source| DeployError::Write { path: path.to_owned(), source })
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// The a0deploy keyword for a secret: `##<Action>_<SECRET>##`, to be given in
/// `AUTH0_KEYWORD_REPLACE_MAPPINGS`.
pub fn a0deploy_keyword(action: &str, secret: &str) -> String {
    format!("{action}_{secret}")
}

/// `DIR/actions/<name>.json`, `DIR/actions/<name>/code.js`, `DIR/triggers/triggers.json`
/// (one list per trigger the bundles are for). Returns the files written.
pub fn a0deploy(bundles: &[Bundle], dir: &Path, runtime: Option<&str>) -> Result<Vec<std::path::PathBuf>, DeployError> {
    let mut written = Vec::new();
    let mut bindings = serde_json::Map::new();
    for bundle in bundles {
        let name = bundle.name();
        let code_path = dir.join("actions").join(name).join("code.js");
        write(&code_path, &bundle.code)?;
        written.push(code_path);
        let action = json!({
            "name": name,
            "code": format!("./actions/{name}/code.js"),
            "runtime": api_runtime(runtime.unwrap_or(&bundle.manifest.runtime)),
            "dependencies": bundle.manifest.dependencies,
            "secrets": bundle.manifest.secrets.iter().map(|s| json!({
                "name": s.name,
                "value": format!("##{}##", a0deploy_keyword(name, &s.name)),
            })).collect::<Vec<_>>(),
            "supported_triggers": bundle.manifest.supported_triggers,
            "deployed": true,
            "status": "built",
        });
        let json_path = dir.join("actions").join(format!("{name}.json"));
        write(&json_path, &pretty(&action))?;
        written.push(json_path);
        let list = bindings.entry(bundle.manifest.trigger().to_owned()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(json!({"action_name": name, "display_name": name}));
        }
    }
    let triggers_path = dir.join("triggers").join("triggers.json");
    write(&triggers_path, &pretty(&Value::Object(bindings)))?;
    written.push(triggers_path);
    Ok(written)
}

/// Terraform's JSON syntax reads `${...}` and `%{...}` in strings as templates: double them.
pub fn escape_template(text: &str) -> String {
    text.replace("${", "$${").replace("%{", "%%{")
}

/// A Terraform identifier from an Action or secret name.
fn ident(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect()
}

/// One `.tf.json` document with a sensitive variable per secret, an `auth0_action` per
/// Action and one `auth0_trigger_actions` per trigger the bundles are for.
pub fn terraform(bundles: &[Bundle], runtime: Option<&str>) -> Value {
    let mut variables = serde_json::Map::new();
    let mut actions = serde_json::Map::new();
    let mut flows = serde_json::Map::new();
    for bundle in bundles {
        let name = bundle.name();
        let resource = ident(name);
        let secrets: Vec<Value> = bundle
            .manifest
            .secrets
            .iter()
            .map(|secret| {
                let variable = format!("{resource}_{}", ident(&secret.name));
                let required = if secret.required { "required" } else { "optional" };
                variables.insert(
                    variable.clone(),
                    json!({
                        "type": "string",
                        "sensitive": true,
                        "description": format!("{name} secret {} ({required}): {}", secret.name, secret.note),
                    }),
                );
                json!({"name": secret.name, "value": format!("${{var.{variable}}}")})
            })
            .collect();
        let mut action = serde_json::Map::new();
        action.insert("name".into(), json!(name));
        action.insert("runtime".into(), json!(api_runtime(runtime.unwrap_or(&bundle.manifest.runtime))));
        action.insert("code".into(), json!(escape_template(&bundle.code)));
        action.insert("deploy".into(), json!(true));
        action.insert("supported_triggers".into(), json!(bundle.manifest.supported_triggers));
        if !bundle.manifest.dependencies.is_empty() {
            action.insert("dependencies".into(), json!(bundle.manifest.dependencies));
        }
        if !secrets.is_empty() {
            action.insert("secrets".into(), Value::Array(secrets));
        }
        actions.insert(resource.clone(), Value::Object(action));
        let trigger = bundle.manifest.trigger();
        let flow = flows.entry(ident(trigger)).or_insert_with(|| json!({"trigger": trigger, "actions": []}));
        if let Some(Value::Array(bound)) = flow.get_mut("actions") {
            bound.push(json!({
                "id": format!("${{auth0_action.{resource}.id}}"),
                "display_name": format!("${{auth0_action.{resource}.name}}"),
            }));
        }
    }
    let mut document = serde_json::Map::new();
    document.insert(
        "//".into(),
        json!("Generated by `runner export --format terraform`. Each auth0_trigger_actions owns every binding of its trigger: add the flow's other Actions to its list."),
    );
    if !variables.is_empty() {
        document.insert("variable".into(), Value::Object(variables));
    }
    document.insert(
        "resource".into(),
        json!({
            "auth0_action": actions,
            "auth0_trigger_actions": flows,
        }),
    );
    Value::Object(document)
}

pub fn terraform_to_file(bundles: &[Bundle], file: &Path, runtime: Option<&str>) -> Result<(), DeployError> {
    write(file, &pretty(&terraform(bundles, runtime)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::write_bundle;

    fn bundles(name: &str) -> (std::path::PathBuf, Vec<Bundle>) {
        let dist = std::env::temp_dir().join(format!("deploy-export-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dist);
        write_bundle(&dist, "Manage_Subscription", "const a = `${x}%{y}`;", &[("TRIAL_DAYS", false)]).unwrap();
        write_bundle(&dist, "Set_Default_Member_Role", "exports.x = 1;", &[("ROLE_ID", true)]).unwrap();
        crate::bundle::write_bundle_for(&dist, "Limit_M2M_Scopes", "credentials-exchange", "exports.y = 2;", &[]).unwrap();
        let loaded = ["Manage_Subscription", "Set_Default_Member_Role", "Limit_M2M_Scopes"].iter().map(|n| Bundle::load(&dist, n).unwrap()).collect();
        (dist, loaded)
    }

    #[test]
    fn a0deploy_layout() {
        let (dist, bundles) = bundles("a0");
        let out = dist.join("out");
        a0deploy(&bundles, &out, Some("node18")).unwrap();
        let action: Value = serde_json::from_str(&std::fs::read_to_string(out.join("actions/Manage_Subscription.json")).unwrap()).unwrap();
        assert_eq!(action["code"], "./actions/Manage_Subscription/code.js");
        assert_eq!(action["runtime"], "node18-actions");
        assert_eq!(action["secrets"][0]["value"], "##Manage_Subscription_TRIAL_DAYS##");
        assert_eq!(std::fs::read_to_string(out.join("actions/Manage_Subscription/code.js")).unwrap(), bundles[0].code);
        let triggers: Value = serde_json::from_str(&std::fs::read_to_string(out.join("triggers/triggers.json")).unwrap()).unwrap();
        assert_eq!(triggers["post-login"][1]["action_name"], "Set_Default_Member_Role");
        assert_eq!(triggers["credentials-exchange"][0]["action_name"], "Limit_M2M_Scopes");
    }

    #[test]
    fn terraform_escapes_templates_and_uses_variables() {
        let (_dist, bundles) = bundles("tf");
        let document = terraform(&bundles, None);
        let action = &document["resource"]["auth0_action"]["manage_subscription"];
        assert_eq!(action["code"], "const a = `$${x}%%{y}`;");
        assert_eq!(action["secrets"][0]["value"], "${var.manage_subscription_trial_days}");
        assert_eq!(document["variable"]["set_default_member_role_role_id"]["sensitive"], true);
        let flow = &document["resource"]["auth0_trigger_actions"]["post_login"];
        assert_eq!(flow["actions"][0]["id"], "${auth0_action.manage_subscription.id}");
        let m2m = &document["resource"]["auth0_trigger_actions"]["credentials_exchange"];
        assert_eq!(m2m["trigger"], "credentials-exchange");
        assert_eq!(m2m["actions"][0]["id"], "${auth0_action.limit_m2m_scopes.id}");
    }
}
