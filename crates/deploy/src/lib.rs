//! Puts the Actions' bundles on a tenant, repeatably and without breaking its login flow:
//! read what the tenant has, plan (create, update, deploy, bind) as data, then apply; and
//! exports the same bundles for auth0-deploy-cli and Terraform.
//!
//! Architecture invariants:
//! - Planning is pure ([`plan`]): the dry run and the real run print the same plan, and the
//!   dry run sends no write.
//! - Bindings are read, merged, written: every binding of the flow that is not ours stays,
//!   in its order ([`plan::merge_bindings`]).
//! - An unchanged tenant gets no write at all: no PATCH, no deploy, no new binding.
//! - Secret values live in [`auth0_mgmt::Secret`] from the moment they are read; the plan and
//!   every message carry names only.

#![forbid(unsafe_code)]

pub mod apply;
pub mod bundle;
pub mod export;
pub mod plan;
pub mod remove;
pub mod secrets;

use std::path::PathBuf;

use auth0_mgmt::ApiError;

pub use apply::{DeployOptions, Outcome, Plan, Progress, apply, read_plan};
pub use bundle::Bundle;
pub use plan::{Place, Placement};
pub use secrets::SecretValues;

/// Loads the bundle of every Action directly under `dist` (`dist/<Name>/code.js`, sorted by
/// name: the order they are bound in unless placed), checking each file against its
/// manifest and each manifest against the module's description it carries (a bundle edited
/// by hand is caught here, not on the tenant).
pub fn load_bundles(dist: &std::path::Path) -> Result<Vec<Bundle>, DeployError> {
    let paths = bundle::find(dist, bundle::Depth::Top).map_err(|source| DeployError::Read {
        path: dist.to_owned(),
        hint: "; build the bundles first (`runner build`, or `cargo xtask build` in this workspace)",
        source,
    })?;
    if paths.is_empty() {
        return Err(DeployError::Bundle {
            path: dist.to_owned(),
            detail: "expected bundles (<Name>/code.js and manifest.json), found none; build them first".to_owned(),
        });
    }
    paths
        .iter()
        .map(|code| {
            let bundle = Bundle::read(code)?;
            let mut expected: Vec<String> = bundle.manifest.description.manifest_secrets().into_iter().map(|s| s.name).collect();
            let mut found: Vec<String> = bundle.manifest.secrets.iter().map(|s| s.name.clone()).collect();
            expected.sort_unstable();
            found.sort_unstable();
            if expected != found || bundle.manifest.description.name != bundle.manifest.name {
                return Err(DeployError::Bundle {
                    path: code.with_file_name("manifest.json"),
                    detail: format!(
                        "expected the name and the secrets [{}] of the module's description, found [{}]; rebuild the bundle",
                        expected.join(", "),
                        found.join(", ")
                    ),
                });
            }
            Ok(bundle)
        })
        .collect()
}

/// The triggers `bundles` are for, in the order they first appear.
pub fn triggers(bundles: &[Bundle]) -> Vec<String> {
    let mut triggers: Vec<String> = Vec::new();
    for bundle in bundles {
        let trigger = bundle.manifest.trigger().to_owned();
        if !triggers.contains(&trigger) {
            triggers.push(trigger);
        }
    }
    triggers
}

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("cannot read {}{hint}", path.display())]
    Read {
        path: PathBuf,
        hint: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("bad bundle {}: {detail}", path.display())]
    Bundle { path: PathBuf, detail: String },
    #[error("bad secrets file {}: {detail}", path.display())]
    SecretsFile { path: PathBuf, detail: String },
    #[error(
        "expected a value for the required secret {secret} of {action} (env {}{action}_{secret} or {}{secret}, or --secrets-file), found none, and the tenant has none",
        secrets::ENV_PREFIX,
        secrets::ENV_PREFIX
    )]
    MissingSecret { action: String, secret: String },
    #[error("expected the Action {anchor:?} in the {trigger} flow to place {action} next to it, found [{}]", flow.join(", "))]
    Placement { trigger: String, action: String, anchor: String, flow: Vec<String> },
    #[error("expected --place to name one of the Actions deployed ({known}), found {found:?}")]
    UnknownPlaced { found: String, known: String },
    #[error(transparent)]
    Api(Box<ApiError>),
    #[error(
        "expected the token to carry the scopes this deploy needs, found {} missing; the client needs {} (Applications > APIs > Auth0 Management API > Permissions); nothing was changed",
        .0.join(", "),
        .0.join(", ")
    )]
    MissingScopes(Vec<&'static str>),
    #[error("{}", describe_failures(.0))]
    BuildFailed(Vec<BuildFailure>),
    #[error("expected {action} to be built within {seconds} s, found status {status}; rerun to pick up where this stopped")]
    BuildTimeout { action: String, seconds: u64, status: String },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One Action whose build failed, with Auth0's build errors.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BuildFailure {
    pub action: String,
    pub errors: Vec<String>,
}

fn describe_failures(failures: &[BuildFailure]) -> String {
    let parts: Vec<String> = failures
        .iter()
        .map(|failure| {
            if failure.errors.is_empty() {
                format!("the build of {} failed (Auth0 gave no build errors)", failure.action)
            } else {
                format!("the build of {} failed: {}", failure.action, failure.errors.join("; "))
            }
        })
        .collect();
    format!("{}; nothing was deployed or bound", parts.join("; "))
}

impl From<ApiError> for DeployError {
    fn from(error: ApiError) -> Self {
        DeployError::Api(Box::new(error))
    }
}

impl DeployError {
    /// 1 when Auth0 refused or a build failed; 2 when the tool could not do its job.
    pub fn exit_code(&self) -> u8 {
        match self {
            DeployError::Api(error) if error.is_refusal() => 1,
            DeployError::BuildFailed(_) | DeployError::MissingScopes(_) => 1,
            _ => 2,
        }
    }
}
