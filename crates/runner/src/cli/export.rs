//! `runner export`: the bundles in auth0-deploy-cli's directory layout or as Terraform JSON.

use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// auth0-deploy-cli directory: actions/<name>.json, actions/<name>/code.js, triggers/triggers.json.
    A0deploy,
    /// Terraform JSON (.tf.json): auth0_action and auth0_trigger_actions, secrets as variables.
    Terraform,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The format to write.
    #[arg(long, value_enum)]
    pub format: Format,
    /// The directory (a0deploy) or the file (terraform) to write.
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// Where `runner build` put the bundles (the folders directly under it).
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub dist: PathBuf,
    /// Runtime: node22 or node18; default: the bundle's manifest.
    #[arg(long, value_name = "RUNTIME", value_parser = ["node22", "node18"])]
    pub runtime: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let bundles = deploy::load_bundles(&args.dist)?;
    match args.format {
        Format::A0deploy => {
            let written = deploy::export::a0deploy(&bundles, &args.out, args.runtime.as_deref())?;
            for path in written {
                writeln!(std::io::stdout(), "wrote {}", path.display())?;
            }
            let keywords: Vec<String> = bundles
                .iter()
                .flat_map(|b| b.manifest.secrets.iter().map(|s| deploy::export::a0deploy_keyword(b.name(), &s.name)))
                .collect();
            writeln!(std::io::stdout(), "secrets are ##KEYWORD## placeholders: give {} in AUTH0_KEYWORD_REPLACE_MAPPINGS", keywords.join(", "))?;
        }
        Format::Terraform => {
            deploy::export::terraform_to_file(&bundles, &args.out, args.runtime.as_deref())?;
            writeln!(std::io::stdout(), "wrote {}", args.out.display())?;
            writeln!(std::io::stdout(), "secrets are sensitive variables (var.<action>_<secret>); auth0_trigger_actions owns the whole post-login flow")?;
        }
    }
    Ok(0)
}
