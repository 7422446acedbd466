//! `runner saml-cert show | rotate`: the signing certificates of SAML connections (seed 003).
//!
//! `show` lists each certificate's subject, expiry and SHA-1 thumbprint, and with
//! `--warn-days N` exits 1 when one expires within N days (a scheduled CI job watches expiry).
//! `rotate` checks the new certificate locally, then sends the connection's whole `options`
//! back with only the fields Auth0 recomputes dropped and `signingCert` set, reads it back,
//! and restores the previous `options` when Auth0 does not list the new thumbprint.
//!
//! A connection's `options` hold Auth0's own signing key (`signing_key.key`): they are never
//! printed; the backup written before a rotation is created with mode 0600.

use std::path::{Path, PathBuf};

use auth0_mgmt::certificate::{
    Certificate, DERIVED_OPTIONS, Validity, current_certificate, listed_thumbprints, metadata_source, rotated_options,
};
use auth0_mgmt::connections::{Connection, ConnectionFilter, OptionsWrite};
use serde_json::{Value, json};

use super::tenant::{ConnectArgs, Connected, Failure, Scrubber, find_connection, report_failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Show the signing certificate of one SAML connection or of all of them.
    Show(ShowArgs),
    /// Replace a SAML connection's signing certificate, keeping every other option.
    Rotate(RotateArgs),
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// One connection, by id (con_...) or exact name; default every samlp connection.
    #[arg(long, value_name = "ID|NAME")]
    pub connection: Option<String>,
    /// Exit 1 when a certificate expires within N days (or has expired, or cannot be read).
    #[arg(long, value_name = "N")]
    pub warn_days: Option<u32>,
    /// The moment to judge expiry at (ISO 8601); default the system clock.
    #[arg(long, value_name = "ISO")]
    pub now: Option<String>,
    /// Print JSON Lines: one {"certificate": ...} per connection, then {"summary": ...}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// The connection, by id (con_...) or exact name.
    #[arg(long, value_name = "ID|NAME")]
    pub connection: String,
    /// The identity provider's new signing certificate: a PEM file holding exactly one
    /// certificate and no private key.
    #[arg(long, value_name = "FILE")]
    pub cert: PathBuf,
    /// Where to save the connection's previous options before writing (created with mode
    /// 0600, never overwritten); default saml-options-<connection id>-<epoch ms>.json.
    #[arg(long, value_name = "FILE")]
    pub backup: Option<PathBuf>,
    /// Accept a certificate that has expired or is not valid yet.
    #[arg(long)]
    pub allow_invalid_dates: bool,
    /// The moment to judge validity at (ISO 8601); default the system clock.
    #[arg(long, value_name = "ISO")]
    pub now: Option<String>,
    /// Check and print the plan; write nothing (no backup, no PATCH).
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON Lines: {"plan": ...}, then {"result": ...} or {"error": ...}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.command {
        Command::Show(args) => show(args),
        Command::Rotate(args) => rotate(args),
    }
}

fn now_seconds(now: Option<&str>) -> anyhow::Result<i64> {
    Ok(super::parse_now(now)?.millis().div_euclid(1000))
}

fn iso(seconds: i64) -> String {
    auth0_actions::Timestamp::from_millis(seconds.saturating_mul(1000)).map(auth0_actions::Timestamp::to_iso_string).unwrap_or_default()
}

fn describe(cert: &Certificate) -> String {
    format!("{}, not after {}, sha1 {}", cert.subject, iso(cert.not_after), cert.sha1)
}

fn show(args: ShowArgs) -> anyhow::Result<u8> {
    let now = now_seconds(args.now.as_deref())?;
    args.connect.run(args.json, |tenant| {
        let connections = match &args.connection {
            Some(reference) => vec![find_connection(&mut tenant.client, reference)?],
            None => tenant.client.list_connections(&ConnectionFilter { strategy: Some("samlp"), name: None })?,
        };
        let say = |line: &str| tenant.scrubber.say(line);
        let mut flagged = 0usize;
        let width = connections.iter().map(|c| c.name.len()).max().unwrap_or(0).max("CONNECTION".len());
        let id_width = connections.iter().map(|c| c.id.len()).max().unwrap_or(0).max(2);
        if !args.json {
            say(&format!("{:<width$}  {:<id_width$}  {:<24}  {:>5}  {:<40}  SUBJECT", "CONNECTION", "ID", "NOT AFTER", "DAYS", "SHA-1"));
        }
        for connection in &connections {
            let current = current_certificate(&connection.options);
            let (row, problem) = match &current {
                Some(Ok(cert)) => {
                    let days = cert.days_left(now);
                    let problem = match (cert.validity_at(now), args.warn_days) {
                        (Validity::Expired, _) => Some(format!("expired {} day(s) ago", -days)),
                        (_, Some(warn)) if days < i64::from(warn) => Some(format!("expires in {days} day(s), within {warn}")),
                        _ => None,
                    };
                    let row = json!({"connection": connection.name, "id": connection.id, "subject": cert.subject, "not_after": iso(cert.not_after), "days_left": days, "sha1": cert.sha1, "problem": problem});
                    (row, problem)
                }
                Some(Err(error)) => {
                    let problem = format!("the stored certificate cannot be read: {error}");
                    (json!({"connection": connection.name, "id": connection.id, "problem": problem}), Some(problem))
                }
                None => {
                    let problem = "holds no signing certificate (or this client cannot read options: read:connections_options)".to_owned();
                    (json!({"connection": connection.name, "id": connection.id, "problem": problem}), Some(problem))
                }
            };
            flagged += usize::from(problem.is_some());
            if args.json {
                say(&json!({"certificate": row}).to_string());
            } else {
                let text = |key: &str| row.get(key).and_then(Value::as_str).unwrap_or("-").to_owned();
                let days = row.get("days_left").map_or("-".to_owned(), Value::to_string);
                say(&format!("{:<width$}  {:<id_width$}  {:<24}  {days:>5}  {:<40}  {}", connection.name, connection.id, text("not_after"), text("sha1"), text("subject")));
                if let Some(problem) = &problem {
                    tenant.scrubber.warn(&format!("warning: {}: {problem}", connection.name));
                }
            }
        }
        if args.json {
            say(&json!({"summary": {"connections": connections.len(), "flagged": flagged, "warn_days": args.warn_days}}).to_string());
        } else if connections.is_empty() {
            tenant.scrubber.warn("no SAML connection on the tenant");
        }
        Ok(u8::from(flagged > 0 && args.warn_days.is_some()))
    })
}

/// The checks on the new certificate that need no tenant.
fn local_certificate(path: &Path, now: i64, allow_invalid_dates: bool) -> Result<Certificate, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| Failure::could_not(format!("cannot read the certificate file {}: {e}", path.display())))?;
    let cert = Certificate::from_pem(&text).map_err(|e| Failure::refused(format!("{}: {e}", path.display())))?;
    let refuse = |what: &str| {
        Failure::refused(format!(
            "{}: expected a certificate valid now ({}), found one {what} (not before {}, not after {}); pass --allow-invalid-dates to rotate to it anyway",
            path.display(),
            iso(now),
            iso(cert.not_before),
            iso(cert.not_after)
        ))
    };
    match cert.validity_at(now) {
        Validity::Valid => Ok(cert.clone()),
        _ if allow_invalid_dates => Ok(cert.clone()),
        Validity::Expired => Err(refuse("that has expired")),
        Validity::NotYetValid => Err(refuse("not valid yet")),
    }
}

/// What the tenant holds allows a rotation: a samlp connection whose certificate is not
/// taken from metadata, and whose options this client can read.
fn check_connection(connection: &Connection) -> Result<(), Failure> {
    let strategy = connection.strategy.as_deref().unwrap_or("none");
    if strategy != "samlp" {
        return Err(Failure::refused(format!(
            "{}: expected a SAML connection (strategy samlp), found strategy {strategy}",
            connection.name
        )));
    }
    if let Some(source) = metadata_source(&connection.options) {
        return Err(Failure::refused(format!(
            "{}: the connection is configured from its identity provider's metadata ({source}), and Auth0 takes the \
             signing certificate from the metadata: a certificate set here would not hold. Update the certificate in \
             the identity provider's metadata, or remove {source} from the connection first",
            connection.name
        )));
    }
    if connection.options.is_empty() {
        return Err(Failure::refused(format!(
            "{}: Auth0 showed no options for the connection (does the client lack read:connections_options?); refusing \
             to write options that could not be read",
            connection.name
        )));
    }
    Ok(())
}

fn rotate(args: RotateArgs) -> anyhow::Result<u8> {
    let now = now_seconds(args.now.as_deref())?;
    // The file is checked before any request.
    let new = match local_certificate(&args.cert, now, args.allow_invalid_dates) {
        Ok(new) => new,
        Err(failure) => return Ok(report_failure(&failure, args.json, &Scrubber::default())),
    };
    args.connect.run(args.json, |tenant| {
        let connection = find_connection(&mut tenant.client, &args.connection)?;
        check_connection(&connection)?;
        // Auth0 protects these too; scrub them from anything printed, as a second defence.
        if let Some(key) = connection.options.get("signing_key").and_then(|k| k.get("key")).and_then(Value::as_str) {
            key.lines().filter(|l| !l.starts_with("-----")).for_each(|line| tenant.scrubber.add(line));
        }
        let current = current_certificate(&connection.options).and_then(Result::ok);
        let listed = listed_thumbprints(&connection.options);
        let say = |line: &str| tenant.scrubber.say(line);
        let already = listed.contains(&new.sha1) || current.as_ref().is_some_and(|c| c.sha1 == new.sha1);
        let display_name = connection.display_name.clone().unwrap_or_else(|| connection.name.clone());
        let next = rotated_options(&connection.options, &new);
        let dropped: Vec<&str> = DERIVED_OPTIONS.into_iter().filter(|k| connection.options.contains_key(*k)).collect();
        let kept = next.len() - 1;
        let plan = json!({
            "connection": connection.name, "id": connection.id, "display_name": display_name,
            "current": current.as_ref().map(|c| json!({"subject": c.subject, "not_after": iso(c.not_after), "sha1": c.sha1})),
            "new": {"subject": new.subject, "not_after": iso(new.not_after), "sha1": new.sha1},
            "options_kept": kept, "options_dropped": dropped, "already_in_place": already, "dry_run": args.dry_run,
        });
        if args.json {
            say(&json!({"plan": plan}).to_string());
        } else {
            let heading = if args.dry_run { "rotation plan (dry run: nothing is changed)" } else { "rotation plan" };
            say(&format!("{heading} for {} ({}), strategy samlp", connection.name, connection.id));
            say(&format!("  current: {}", current.as_ref().map_or("none readable".to_owned(), describe)));
            say(&format!("  new:     {}", describe(&new)));
            say(&format!(
                "  options: {kept} sent back as they are; dropped for Auth0 to recompute: {}; set: signingCert; display_name kept ({display_name})",
                if dropped.is_empty() { "none".to_owned() } else { dropped.join(", ") }
            ));
        }
        if already {
            say(&if args.json { json!({"result": {"changed": false, "reason": "already in place"}}).to_string() } else { "nothing to do: the connection already has this certificate".to_owned() });
            return Ok(0);
        }
        if args.dry_run {
            say(&if args.json { json!({"result": {"changed": false, "dry_run": true}}).to_string() } else { "dry run: nothing was changed; run without --dry-run to apply".to_owned() });
            return Ok(0);
        }
        let backup = args.backup.clone().unwrap_or_else(|| PathBuf::from(format!("saml-options-{}-{}.json", connection.id, now.saturating_mul(1000))));
        write_backup(&backup, &connection)?;
        if !args.json {
            say(&format!("  backup:  {} (mode 0600: it holds Auth0's signing key)", backup.display()));
        }
        apply(tenant, &connection, &display_name, &next, &new, &backup, args.json)
    })
}

/// The PATCH, the read-back, and the rollback when the read-back does not show the new
/// thumbprint.
fn apply(
    tenant: &mut Connected,
    connection: &Connection,
    display_name: &str,
    next: &serde_json::Map<String, Value>,
    new: &Certificate,
    backup: &Path,
    json: bool,
) -> Result<u8, Failure> {
    let write = OptionsWrite { display_name, options: next };
    tenant.client.update_connection_options(&connection.id, &write)?;
    let after = tenant.client.get_connection(&connection.id)?;
    let listed = listed_thumbprints(&after.options);
    if listed.contains(&new.sha1) {
        let say = |line: &str| tenant.scrubber.say(line);
        if json {
            say(&json!({"result": {"changed": true, "thumbprints": listed, "backup": backup.display().to_string()}}).to_string());
        } else {
            say(&format!("rotated: Auth0 lists the new thumbprint {}", new.sha1));
        }
        return Ok(0);
    }
    let found = if listed.is_empty() { "none".to_owned() } else { listed.join(", ") };
    let restore = OptionsWrite { display_name, options: &connection.options };
    let restored = tenant.client.update_connection_options(&connection.id, &restore);
    let message = match restored {
        Ok(_) => format!(
            "{}: expected Auth0 to list the new thumbprint {} after the write, found {found}; the previous options were \
             restored (backup kept at {})",
            connection.name,
            new.sha1,
            backup.display()
        ),
        Err(error) => format!(
            "{}: expected Auth0 to list the new thumbprint {} after the write, found {found}; restoring the previous \
             options failed too ({}): restore them from {}",
            connection.name,
            new.sha1,
            super::tenant::chain(&error),
            backup.display()
        ),
    };
    Err(Failure::refused(message))
}

/// Saves the connection as read, before any write: created new (never over another file),
/// readable by its owner only.
fn write_backup(path: &Path, connection: &Connection) -> Result<(), Failure> {
    let body = json!({
        "connection_id": connection.id,
        "name": connection.name,
        "display_name": connection.display_name,
        "options": connection.options,
    });
    let text = serde_json::to_string_pretty(&body).map_err(|e| Failure::could_not(format!("cannot encode the backup: {e}")))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let fail = |e: std::io::Error| Failure::could_not(format!("cannot write the backup {} (nothing was changed): {e}", path.display()));
    let mut file = options.open(path).map_err(fail)?;
    std::io::Write::write_all(&mut file, format!("{text}\n").as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)
}
