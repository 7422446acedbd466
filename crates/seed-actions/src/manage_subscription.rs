//! Manage_Subscription: puts the subscription (`plan;end_date;status`) into the ID token, and
//! starts a trial for a user who has none.
//!
//! On every well-formed input this makes exactly the calls of the seed's JavaScript, in the
//! same order and with the same strings. Where the seed throws (and so fails the login) or
//! prints `undefined`, this Action logs one line instead, never fails the login, and never
//! writes over a stored value it could not read. The README lists each such case.

use auth0_actions::post_login::{Api, Event};
use auth0_actions::rules::{FORBIDDEN_CLAIM_DOMAINS, is_restricted_claim};
use auth0_actions::time::DateError;
use auth0_actions::{Any, Decision, Field, Metadata, PostLogin, Secret, Secrets, Timestamp, quote};

/// Manage_Subscription: what its decision reads, and its handler.
pub const ACTION: PostLogin = PostLogin {
    event_paths: &["user.app_metadata.subscription", "organization.id", "organization.metadata.subscription"],
    secrets: &[
        Secret::optional("TRIAL_DAYS", "length of a new trial in whole days, 1 to 365; default 1"),
        Secret::optional(
            "CLAIM_NAME",
            "ID token claim that carries the subscription; default \"subscription\" \
             (a namespaced URL such as https://example.com/subscription is common)",
        ),
    ],
    management_api: None,
    on_execute: decide,
    on_continue: None,
};

/// The metadata key the subscription is stored under, on users and organizations alike.
const STORED_KEY: &str = "subscription";
const DEFAULT_TRIAL_DAYS: i64 = 1;
const MAX_TRIAL_DAYS: i64 = 365;
const DEFAULT_CLAIM_NAME: &str = "subscription";
const MAX_CLAIM_NAME_CHARS: usize = 256;

fn decide(event: &Event<'_>, api: &mut Api<'_>, now: Timestamp) -> Decision {
    let config = Config::from_secrets(&event.secrets(), api);
    // The user is read only where the seed reads it: outside an organization, and to write
    // a new trial.
    let user = match event.user() {
        Field::Present(user) => Ok(user),
        Field::Missing => Err("event.user is missing: expected the user object".to_owned()),
        Field::Unreadable { found } => Err(format!("event.user: expected an object, found {found}")),
    };
    let organization = event.organization();
    let (place, stored) = match (&organization, &user) {
        (Field::Present(organization), _) => ("organization.metadata", lookup(organization.metadata())),
        (Field::Missing, Ok(user)) => ("user.app_metadata", lookup(user.app_metadata())),
        (Field::Missing, Err(problem)) => return stop(api, format!("{problem}; nothing changed")),
        (Field::Unreadable { found }, _) => {
            return stop(api, format!("event.organization: expected an object, found {found}; nothing changed"));
        }
    };
    match stored {
        Stored::ContainerUnreadable { found } => stop(api, format!("{place}: expected an object, found {found}; nothing changed")),
        Stored::Absent => {
            // The seed writes the trial to the user's app_metadata, in an organization too,
            // replacing the user's own subscription: done only when that one can be read.
            let user = match user {
                Ok(user) => user,
                Err(problem) => return stop(api, format!("{problem}; no trial written, no claim set")),
            };
            match (lookup(user.app_metadata()), &organization) {
                (Stored::ContainerUnreadable { found }, _) => {
                    return stop(api, format!(
                        "user.app_metadata: expected an object, found {found}; no trial written, no claim set"
                    ));
                }
                (Stored::Value(own), Field::Present(organization)) => {
                    let readable = own.as_str().is_some_and(|text| Subscription::parse(text).is_ok());
                    if !readable {
                        return stop(api, 
                            "organization has no subscription and the user's own user.app_metadata.subscription \
                             is not \"plan;end_date;status\"; not replaced by a trial, no claim set"
                                .into(),
                        );
                    }
                    let id = organization.id().present().unwrap_or("?");
                    api.log(&format!(
                        "organization {} has no subscription; the user's own subscription is replaced by a trial, as the seed does",
                        quote(id)
                    ));
                }
                _ => {}
            }
            let Some(end_date) = now.add_days(config.trial_days) else {
                return stop(api, "now plus the trial is past JavaScript's Date range; nothing changed".into());
            };
            let subscription = ["trial;", &end_date.to_iso_string(), ";active"].concat();
            api.user().set_app_metadata(STORED_KEY, subscription.as_str());
            claim(api, &config, subscription);
            Ok(())
        }
        Stored::Value(value) => match value.as_str() {
            Some(text) => match Subscription::parse(text) {
                Ok(Subscription { plan, end_date, status: Some(status) }) => {
                    claim(api, &config, [plan, ";", &end_date.to_iso_string(), ";", status].concat());
                    Ok(())
                }
                Ok(Subscription { plan, end_date, status: None }) => {
                    api.log(&format!(
                        "{place}.subscription {}: expected \"plan;end_date;status\", found no status; claim set with an empty status",
                        quote(text)
                    ));
                    claim(api, &config, [plan, ";", &end_date.to_iso_string(), ";"].concat());
                    Ok(())
                }
                Err(problem) => stop(api, format!("{place}.subscription {}: {problem}; left unchanged, no claim set", quote(text))),
            },
            None => stop(api, format!(
                "{place}.subscription: expected a string \"plan;end_date;status\", found {}; left unchanged, no claim set",
                value.kind()
            )),
        },
    }
}

/// Ends the decision with one log line.
fn stop(api: &mut Api<'_>, message: String) -> Decision {
    api.log(&message);
    Ok(())
}

fn claim(api: &mut Api<'_>, config: &Config, subscription: String) {
    api.id_token().set_custom_claim(&config.claim_name, subscription);
}

/// The stored subscription, as the seed's `metadata.subscription != null` sees it.
enum Stored<'e> {
    /// Absent or `null`: a new user.
    Absent,
    Value(Any<'e>),
    /// The metadata object itself is not an object.
    ContainerUnreadable { found: auth0_actions::Kind },
}

fn lookup(metadata: Field<Metadata<'_>>) -> Stored<'_> {
    match metadata {
        // Auth0 always sends the metadata objects; one that is absent holds nothing to lose.
        Field::Missing => Stored::Absent,
        Field::Unreadable { found } => Stored::ContainerUnreadable { found },
        Field::Present(metadata) => match metadata.get(STORED_KEY) {
            Field::Present(value) => Stored::Value(value),
            Field::Missing | Field::Unreadable { .. } => Stored::Absent,
        },
    }
}

/// A stored `plan;end_date;status`, read as the seed reads it: split on `;`, parts past the
/// third ignored, the date normalised as `new Date(part).toISOString()` prints it.
struct Subscription<'a> {
    plan: &'a str,
    end_date: Timestamp,
    status: Option<&'a str>,
}

enum Problem {
    NoEndDate,
    BadEndDate { part: String, error: DateError },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::NoEndDate => f.write_str("expected \"plan;end_date;status\", found no ';'"),
            Problem::BadEndDate { part, error } => {
                write!(f, "end_date {} is not an ISO 8601 date: {error}", quote(part))
            }
        }
    }
}

impl<'a> Subscription<'a> {
    fn parse(text: &'a str) -> Result<Self, Problem> {
        let mut parts = text.split(';');
        let plan = parts.next().unwrap_or_default();
        let date = parts.next().ok_or(Problem::NoEndDate)?;
        let end_date = Timestamp::parse_js(date)
            .map_err(|error| Problem::BadEndDate { part: date.to_owned(), error })?;
        Ok(Subscription { plan, end_date, status: parts.next() })
    }
}

/// The Action's settings, read from its optional secrets. An invalid value is logged (without
/// the value: secrets never reach a log) and the default is used.
struct Config {
    trial_days: i64,
    claim_name: String,
}

impl Config {
    fn from_secrets(secrets: &Secrets<'_>, api: &mut Api<'_>) -> Self {
        let mut config = Config { trial_days: DEFAULT_TRIAL_DAYS, claim_name: DEFAULT_CLAIM_NAME.to_owned() };
        if let Some(value) = secrets.get("TRIAL_DAYS") {
            match trial_days(value) {
                Ok(days) => config.trial_days = days,
                Err(found) => api.log(&format!(
                    "secret TRIAL_DAYS: expected whole days from 1 to {MAX_TRIAL_DAYS}, found {found}; using {DEFAULT_TRIAL_DAYS}"
                )),
            }
        }
        if let Some(value) = secrets.get("CLAIM_NAME") {
            match claim_name(value) {
                Ok(()) => config.claim_name = value.to_owned(),
                Err(found) => api.log(&format!(
                    "secret CLAIM_NAME: expected a claim name Auth0 keeps, found {found}; using \"{DEFAULT_CLAIM_NAME}\""
                )),
            }
        }
        config
    }
}

/// `Err` describes what was found without quoting it.
fn trial_days(value: &str) -> Result<i64, &'static str> {
    if value.is_empty() {
        return Err("an empty value");
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a value that is not digits");
    }
    match value.parse::<i64>() {
        Ok(days) if (1..=MAX_TRIAL_DAYS).contains(&days) => Ok(days),
        _ => Err("a number outside that range"),
    }
}

/// `Err` describes what was found without quoting it.
fn claim_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("an empty value");
    }
    if name.chars().count() > MAX_CLAIM_NAME_CHARS {
        return Err("a name longer than 256 characters");
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a name with spaces or control characters");
    }
    if is_restricted_claim(name) {
        return Err("a name Auth0 restricts and drops");
    }
    if let Some((scheme, rest)) = name.split_once("://") {
        if scheme != "https" && scheme != "http" {
            return Err("a namespace that is not an http(s) URL");
        }
        let host = rest.split('/').next().unwrap_or_default().to_ascii_lowercase();
        let forbidden = FORBIDDEN_CLAIM_DOMAINS.iter().any(|domain| {
            host == *domain || host.strip_suffix(domain).is_some_and(|head| head.ends_with('.'))
        });
        if forbidden {
            return Err("a namespace on a domain Auth0 forbids (auth0.com, webtask.io, webtask.run)");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const NOW: &str = "2024-09-16T23:58:28.392Z";

    fn run(event: Value) -> Vec<Value> {
        let action = crate::ACTIONS.iter().find(|a| a.name == "Manage_Subscription").unwrap();
        let now = Timestamp::parse_js(NOW).unwrap().millis() as f64;
        let answer: Value = serde_json::from_slice(&auth0_actions::run(action, 1, event.to_string().as_bytes(), b"", now)).unwrap();
        answer["effects"].as_array().unwrap().clone()
    }

    fn user_with(subscription: Value) -> Value {
        json!({"user": {"user_id": "auth0|1", "app_metadata": {"subscription": subscription}}})
    }

    #[test]
    fn a_new_user_gets_a_one_day_trial() {
        let trial = "trial;2024-09-17T23:58:28.392Z;active";
        assert_eq!(
            run(json!({"user": {"app_metadata": {}}})),
            vec![
                json!({"api": "user.setAppMetadata", "args": ["subscription", trial]}),
                json!({"api": "idToken.setCustomClaim", "args": ["subscription", trial]}),
            ]
        );
        assert_eq!(run(user_with(Value::Null)).len(), 2);
    }

    #[test]
    fn a_stored_subscription_becomes_the_claim_with_its_date_normalised() {
        assert_eq!(
            run(user_with(json!("team;2025-01-31;active;extra"))),
            vec![json!({"api": "idToken.setCustomClaim", "args": ["subscription", "team;2025-01-31T00:00:00.000Z;active"]})]
        );
    }

    #[test]
    fn unreadable_values_are_logged_and_never_overwritten() {
        for stored in [json!(42), json!("team"), json!("team;soon;active"), json!(""), json!({"plan": "team"})] {
            let effects = run(user_with(stored.clone()));
            assert_eq!(effects.len(), 1, "{stored}: {effects:?}");
            let log = effects[0]["log"].as_str().unwrap();
            assert!(log.starts_with("Manage_Subscription: user.app_metadata"), "{log}");
            assert!(log.ends_with("left unchanged, no claim set"), "{log}");
        }
    }

    #[test]
    fn a_missing_status_gives_an_empty_status_not_undefined() {
        let effects = run(user_with(json!("personal;2025-01-31T00:00:00Z")));
        assert!(effects[0]["log"].as_str().unwrap().contains("found no status"));
        assert_eq!(effects[1]["args"][1], "personal;2025-01-31T00:00:00.000Z;");
    }

    #[test]
    fn settings_come_from_secrets_and_bad_ones_fall_back_without_being_quoted() {
        let mut event = json!({"user": {"app_metadata": {}}, "secrets": {"TRIAL_DAYS": "14", "CLAIM_NAME": "https://example.com/sub"}});
        let effects = run(event.clone());
        assert_eq!(effects[1]["args"], json!(["https://example.com/sub", "trial;2024-09-30T23:58:28.392Z;active"]));

        event["secrets"] = json!({"TRIAL_DAYS": "-3secret", "CLAIM_NAME": "https://x.auth0.com/sub"});
        let effects = run(event);
        assert_eq!(effects.len(), 4);
        for log in [&effects[0]["log"], &effects[1]["log"]] {
            let log = log.as_str().unwrap();
            assert!(!log.contains("secret\"") && !log.contains("-3") && !log.contains("x.auth0"), "{log}");
        }
        assert_eq!(effects[3]["args"][0], "subscription");
    }

    #[test]
    fn claim_names_auth0_drops_are_refused() {
        for bad in ["", "sub", "org_id", "a b", "ftp://x/y", "https://auth0.com/x", "https://a.webtask.run/x"] {
            assert!(claim_name(bad).is_err(), "{bad}");
        }
        for good in ["subscription", "https://example.com/subscription", "https://notauth0.com/x"] {
            assert!(claim_name(good).is_ok(), "{good}");
        }
    }
}
