//! `runner sso-ticket create | edit | revoke`: self-service SSO access tickets, so that a
//! customer's admin can create their enterprise connection (seed 001) or edit it (seed 000)
//! without a support call.
//!
//! A ticket URL is a credential until it expires: it goes to standard output and nowhere
//! else (never standard error, never an error message). Exit codes: 0 done, 1 Auth0 refused
//! or nothing on the tenant fits, 2 the tool could not run.

use auth0_mgmt::Client;
use auth0_mgmt::sso::{
    ConnectionConfig, ConnectionConfigOptions, DomainAliasesConfig, EnabledOrganization, MAX_TTL_SECONDS, TicketRequest,
    check_connection_name, check_ttl,
};
use serde_json::json;

use super::tenant::{ConnectArgs, Connected, Failure, find_connection};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Issue a ticket to create a new enterprise connection (seed 001).
    Create(CreateArgs),
    /// Issue a ticket to edit an existing connection (seed 000).
    Edit(EditArgs),
    /// Revoke a ticket and end the sessions started with it.
    Revoke(RevokeArgs),
}

/// What every ticket command shares.
#[derive(Debug, clap::Args)]
pub struct Common {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// The self-service profile, by id (ssp_...) or by name; default the tenant's only one.
    #[arg(long, value_name = "ID|NAME")]
    pub profile: Option<String>,
    /// Print JSON Lines ({"ticket": ...}, {"plan": ...} or {"error": ...}) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print the request that would be sent, and send nothing that writes.
    #[arg(long)]
    pub dry_run: bool,
}

/// How long a ticket stays valid.
#[derive(Debug, clap::Args)]
pub struct TtlArg {
    /// Seconds the ticket stays valid, 0 to 432000 (0 means Auth0's maximum, 5 days).
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub ttl: u64,
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub ttl: TtlArg,
    /// The new connection's name (letters, digits, single hyphens; at most 128); default
    /// self-service-sso-<epoch ms>, as the seed names it.
    #[arg(long, value_name = "NAME")]
    pub connection_name: Option<String>,
    /// The name the login page shows for the connection.
    #[arg(long, value_name = "TEXT")]
    pub display_name: Option<String>,
    /// An application (client id) the connection is enabled for; repeat for several.
    /// Without one, the admin creates a connection that nobody can log in with.
    #[arg(long = "enable-client", value_name = "CLIENT_ID")]
    pub enable_clients: Vec<String>,
    /// An organization the connection is enabled for, with options after a colon:
    /// org_123, org_123:assign-membership, org_123:assign-membership,no-button.
    #[arg(long = "enable-organization", value_name = "ORG_ID[:OPTIONS]")]
    pub enable_organizations: Vec<String>,
    /// Whether the customer must prove that they own their email domains.
    #[arg(long, value_name = "none|optional|required", value_parser = ["none", "optional", "required"])]
    pub domain_verification: Option<String>,
    /// An email domain of the customer's users (a domain alias); repeat for several.
    #[arg(long = "domain-alias", value_name = "DOMAIN")]
    pub domain_aliases: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct EditArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub ttl: TtlArg,
    /// The connection to edit, by id (con_...) or by exact name.
    #[arg(long, value_name = "ID|NAME", conflicts_with = "for_client")]
    pub connection: Option<String>,
    /// The seed's lookup: among the connections enabled for this application (client id),
    /// the one whose name starts with --prefix.
    #[arg(long, value_name = "CLIENT_ID", required_unless_present = "connection")]
    pub for_client: Option<String>,
    /// The name prefix of --for-client's lookup.
    #[arg(long, value_name = "TEXT", default_value = "self-service-sso-")]
    pub prefix: String,
}

#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub common: Common,
    /// The ticket: its URL as `create` or `edit` printed it, or its id (the URL's `ticket`
    /// parameter). Read from AUTH0_SSO_TICKET when not given.
    #[arg(value_name = "URL|ID", env = "AUTH0_SSO_TICKET", hide_env_values = true)]
    pub ticket: String,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.command {
        Command::Create(args) => {
            let request = create_request(&args, now_ms()?).map_err(|m| anyhow::anyhow!(m))?;
            let label = request.connection_config.as_ref().map(|c| c.name.clone()).unwrap_or_default();
            issue(&args.common, args.enable_clients.is_empty(), |_| Ok((request, label)))
        }
        Command::Edit(args) => {
            let ttl_sec = ttl(&args.ttl).map_err(|m| anyhow::anyhow!(m))?;
            issue(&args.common, false, |client| {
                let connection = match (&args.connection, &args.for_client) {
                    (Some(reference), _) => find_connection(client, reference)?,
                    (None, Some(client_id)) => by_prefix(client, client_id, &args.prefix)?,
                    (None, None) => return Err(Failure::could_not("expected --connection or --for-client, found neither")),
                };
                let label = format!("{} ({})", connection.name, connection.id);
                Ok((TicketRequest { connection_id: Some(connection.id), ttl_sec, ..TicketRequest::default() }, label))
            })
        }
        Command::Revoke(args) => revoke(args),
    }
}

fn now_ms() -> anyhow::Result<i64> {
    Ok(super::parse_now(None)?.millis())
}

/// The create ticket's body, checked against Auth0's rules before any request.
fn create_request(args: &CreateArgs, now_ms: i64) -> Result<TicketRequest, String> {
    let name = args.connection_name.clone().unwrap_or_else(|| format!("self-service-sso-{now_ms}"));
    check_connection_name(&name)?;
    if let Some(display) = &args.display_name {
        let length = display.chars().count();
        if length > 128 {
            return Err(format!("expected a display name of at most 128 characters, found {length}"));
        }
    }
    let enabled_organizations = args.enable_organizations.iter().map(|spec| organization(spec)).collect::<Result<_, _>>()?;
    let options = (!args.domain_aliases.is_empty()).then(|| ConnectionConfigOptions { domain_aliases: args.domain_aliases.clone() });
    Ok(TicketRequest {
        connection_config: Some(ConnectionConfig { name, display_name: args.display_name.clone(), options }),
        enabled_clients: args.enable_clients.clone(),
        enabled_organizations,
        ttl_sec: ttl(&args.ttl)?,
        domain_aliases_config: args.domain_verification.clone().map(|domain_verification| DomainAliasesConfig { domain_verification }),
        ..TicketRequest::default()
    })
}

fn ttl(arg: &TtlArg) -> Result<Option<u32>, String> {
    Ok(Some(check_ttl(arg.ttl)?).filter(|t| *t != 0))
}

/// `org_123[:assign-membership][,no-button]`.
fn organization(spec: &str) -> Result<EnabledOrganization, String> {
    let (id, options) = spec.split_once(':').unwrap_or((spec, ""));
    if id.is_empty() {
        return Err(format!("expected --enable-organization ORG_ID[:OPTIONS], found {spec:?}"));
    }
    let mut organization =
        EnabledOrganization { organization_id: id.to_owned(), assign_membership_on_login: false, show_as_button: true };
    for option in options.split(',').filter(|o| !o.is_empty()) {
        match option {
            "assign-membership" => organization.assign_membership_on_login = true,
            "no-button" => organization.show_as_button = false,
            other => {
                return Err(format!(
                    "expected the options of --enable-organization {id} among assign-membership and no-button, found {other:?}"
                ));
            }
        }
    }
    Ok(organization)
}

/// Finds the profile: by id as given, by name, or the tenant's only one.
fn profile(client: &mut Client, wanted: Option<&str>) -> Result<String, Failure> {
    if let Some(id) = wanted.filter(|w| w.starts_with("ssp_")) {
        return Ok(id.to_owned());
    }
    let profiles = client.self_service_profiles()?;
    let list = || {
        let names: Vec<String> = profiles.iter().map(|p| format!("{} ({})", p.id, p.name.as_deref().unwrap_or("no name"))).collect();
        if names.is_empty() { "none".to_owned() } else { names.join(", ") }
    };
    match (wanted, profiles.as_slice()) {
        (Some(name), _) => profiles
            .iter()
            .find(|p| p.name.as_deref() == Some(name))
            .map(|p| p.id.clone())
            .ok_or_else(|| Failure::refused(format!("expected a self-service profile named {name:?}, found {}", list()))),
        (None, [one]) => Ok(one.id.clone()),
        (None, []) => Err(Failure::refused(
            "expected a self-service profile on the tenant, found none: create one (Dashboard > Authentication > Enterprise > Self-Service SSO)",
        )),
        (None, several) => Err(Failure::refused(format!(
            "expected one self-service profile or --profile ID|NAME, found {}: {}",
            several.len(),
            list()
        ))),
    }
}

/// [`ConnectArgs::run`] for a job whose success exits 0.
fn with_tenant(common: &Common, job: impl FnOnce(&mut Connected) -> Result<(), Failure>) -> anyhow::Result<u8> {
    common.connect.run(common.json, |tenant| job(tenant).map(|()| 0))
}

/// Issues the ticket `build` describes (it may read the tenant first), with the connection's
/// name for people.
fn issue(
    common: &Common,
    warn_no_client: bool,
    build: impl FnOnce(&mut Client) -> Result<(TicketRequest, String), Failure>,
) -> anyhow::Result<u8> {
    with_tenant(common, |tenant| {
        let profile_id = profile(&mut tenant.client, common.profile.as_deref())?;
        let (request, connection) = build(&mut tenant.client)?;
        let scrubber = &tenant.scrubber;
        if warn_no_client {
            scrubber.warn(
                "warning: no --enable-client: the admin can create the connection, but no application can log in with it \
                 until one is enabled",
            );
        }
        let body = serde_json::to_value(&request).map_err(|e| Failure::could_not(format!("cannot encode the ticket request: {e}")))?;
        if common.dry_run {
            if common.json {
                scrubber.say(&json!({"plan": {"profile_id": profile_id, "request": body, "dry_run": true}}).to_string());
            } else {
                scrubber.say(&format!("ticket request (dry run: nothing is sent) to profile {profile_id}:"));
                scrubber.say(&format!("  POST /api/v2/self-service-profiles/{profile_id}/sso-ticket {body}"));
                scrubber.say("dry run: no ticket was issued; run without --dry-run to issue it");
            }
            return Ok(());
        }
        let ticket = tenant.client.create_sso_ticket(&profile_id, &request)?;
        let ttl_ms = i64::from(request.ttl_sec.unwrap_or(MAX_TTL_SECONDS)) * 1000;
        let now = now_ms().map_err(|e| Failure::could_not(e.to_string()))?;
        let expires = auth0_actions::Timestamp::from_millis(now + ttl_ms).map(auth0_actions::Timestamp::to_iso_string).unwrap_or_default();
        let kind = if request.connection_id.is_some() { "edit" } else { "create" };
        // The URL goes to standard output only.
        if common.json {
            say_raw(&json!({"ticket": {"url": ticket.ticket.expose(), "kind": kind, "connection": connection, "profile_id": profile_id, "expires_at": expires}}).to_string());
        } else {
            say_raw(ticket.ticket.expose());
            scrubber.warn(&format!(
                "{kind} ticket for connection {connection} on profile {profile_id}, valid until about {expires}; hand the URL to \
                 the customer's admin over a private channel"
            ));
        }
        Ok(())
    })
}

/// Prints a line that holds a credential (the ticket URL), on standard output only.
fn say_raw(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// The seed's lookup, with its gaps closed: every page, and exactly one match.
fn by_prefix(client: &mut Client, client_id: &str, prefix: &str) -> Result<auth0_mgmt::connections::Connection, Failure> {
    let all = client.client_connections(client_id)?;
    let matching: Vec<_> = all.iter().filter(|c| c.name.starts_with(prefix)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Failure::refused(format!(
            "expected a connection enabled for client {client_id} whose name starts with {prefix:?}, found none among its {} connection(s){}",
            all.len(),
            if all.is_empty() { String::new() } else { format!(": {}", all.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")) }
        ))),
        several => Err(Failure::refused(format!(
            "expected one connection enabled for client {client_id} whose name starts with {prefix:?}, found {}: {}; pass --connection ID",
            several.len(),
            several.iter().map(|c| format!("{} ({})", c.id, c.name)).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// The ticket id inside a ticket URL (its `ticket` parameter), or the id itself.
fn ticket_id(ticket: &str) -> Result<String, String> {
    let id = match ticket.split_once('?') {
        Some((_, query)) => query.split('&').find_map(|pair| pair.strip_prefix("ticket=")).unwrap_or_default(),
        None => ticket,
    };
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'%')) {
        return Err("expected a ticket URL with a ticket=... parameter, or a ticket id, found neither".to_owned());
    }
    Ok(id.to_owned())
}

fn revoke(args: RevokeArgs) -> anyhow::Result<u8> {
    let id = auth0_mgmt::Secret::new(ticket_id(&args.ticket).map_err(|m| anyhow::anyhow!(m))?);
    let common = &args.common;
    with_tenant(common, |tenant| {
        tenant.scrubber.add(id.expose());
        let profile_id = profile(&mut tenant.client, common.profile.as_deref())?;
        let say = |line: &str| tenant.scrubber.say(line);
        if common.dry_run {
            if common.json {
                say(&json!({"plan": {"revoke": {"profile_id": profile_id}, "dry_run": true}}).to_string());
            } else {
                say(&format!("dry run: would revoke the ticket on profile {profile_id}; nothing was sent"));
            }
            return Ok(());
        }
        tenant.client.revoke_sso_ticket(&profile_id, &id)?;
        if common.json {
            say(&json!({"revoked": {"profile_id": profile_id}}).to_string());
        } else {
            say(&format!(
                "revoked: Auth0 accepted the revocation on profile {profile_id} (it answers so for any id: an unknown ticket is not an error)"
            ));
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth0_mgmt::scope::Scopes;

    /// What each command needs: the scopes of the calls it makes, from each call's constant.
    fn command_scopes() -> [(&'static str, Scopes); 4] {
        use auth0_mgmt::connections::{CLIENT_CONNECTIONS_SCOPES, GET_CONNECTION_SCOPES, LIST_CONNECTIONS_SCOPES};
        use auth0_mgmt::sso::{CREATE_TICKET_SCOPES, LIST_PROFILES_SCOPES, REVOKE_TICKET_SCOPES};
        [
            ("create", Scopes::all_of(&[LIST_PROFILES_SCOPES, CREATE_TICKET_SCOPES])),
            // By id a GET; by name a listing filtered by name, then a GET.
            ("edit --connection", Scopes::all_of(&[LIST_PROFILES_SCOPES, LIST_CONNECTIONS_SCOPES, GET_CONNECTION_SCOPES, CREATE_TICKET_SCOPES])),
            ("edit --for-client", Scopes::all_of(&[LIST_PROFILES_SCOPES, CLIENT_CONNECTIONS_SCOPES, CREATE_TICKET_SCOPES])),
            ("revoke", Scopes::all_of(&[LIST_PROFILES_SCOPES, REVOKE_TICKET_SCOPES])),
        ]
    }

    #[test]
    fn the_readme_lists_each_commands_scopes_as_its_calls_declare_them() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
        for (command, scopes) in command_scopes() {
            let cells: Vec<String> = scopes.groups().map(|group| group.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" or ")).collect();
            let row = format!("| `sso-ticket {command}` | {} |", cells.join(", "));
            assert!(readme.lines().any(|line| line == row), "README.md should hold the row\n{row}");
        }
    }

    #[test]
    fn organization_specs() {
        let plain = organization("org_1").unwrap();
        assert_eq!(plain, EnabledOrganization { organization_id: "org_1".into(), assign_membership_on_login: false, show_as_button: true });
        let both = organization("org_1:assign-membership,no-button").unwrap();
        assert!(both.assign_membership_on_login && !both.show_as_button);
        assert!(organization("org_1:bogus").unwrap_err().contains("found \"bogus\""));
        assert!(organization(":x").is_err());
    }

    #[test]
    fn ticket_ids() {
        assert_eq!(ticket_id("https://t.auth0.com/self-service/connections-flow?ticket=abc123").unwrap(), "abc123");
        assert_eq!(ticket_id("abc123").unwrap(), "abc123");
        assert!(ticket_id("https://t/x?other=1").is_err());
        assert!(ticket_id("a/b").is_err());
    }
}
