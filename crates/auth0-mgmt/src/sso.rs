//! Self-service SSO: the profiles, and the access tickets that let a customer's admin create
//! an enterprise connection or edit one, without a support call.
//!
//! A ticket URL is a credential (whoever holds it can configure the connection until it
//! expires): it travels as [`Secret`] and never appears in an error or a `Debug` output.

use serde::{Deserialize, Serialize};

use crate::scope::Required;
use crate::{ApiError, Client, Method, NumberedPage, Secret, decode, encode_component, nullable, to_body};

pub const READ_SELF_SERVICE_PROFILES: &str = "read:self_service_profiles";
pub const CREATE_SSO_ACCESS_TICKETS: &str = "create:sso_access_tickets";
pub const DELETE_SSO_ACCESS_TICKETS: &str = "delete:sso_access_tickets";

// What each call needs, per Auth0's Management API spec (the scopes its SDKs document for the
// endpoint: auth0-PHP `SelfServiceProfilesInterface`, auth0-java `SelfServiceProfilesEntity`).

/// [`Client::self_service_profiles`]: `GET /api/v2/self-service-profiles`.
pub const LIST_PROFILES_SCOPES: Required = Required::new(&[&[READ_SELF_SERVICE_PROFILES]]);
/// [`Client::create_sso_ticket`]: `POST /api/v2/self-service-profiles/{id}/sso-ticket`.
pub const CREATE_TICKET_SCOPES: Required = Required::new(&[&[CREATE_SSO_ACCESS_TICKETS]]);
/// [`Client::revoke_sso_ticket`]: `POST /api/v2/self-service-profiles/{profileId}/sso-ticket/{id}/revoke`.
pub const REVOKE_TICKET_SCOPES: Required = Required::new(&[&[DELETE_SSO_ACCESS_TICKETS]]);

/// Auth0's bound on `ttl_sec`: 5 days. 0 (or no value) also means 5 days.
pub const MAX_TTL_SECONDS: u32 = 432_000;
/// Auth0's bound on a connection's name.
pub const MAX_CONNECTION_NAME: usize = 128;

/// A self-service profile (unknown fields ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct SelfServiceProfile {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// The body of `POST /api/v2/self-service-profiles/{id}/sso-ticket`. Auth0 refuses unknown
/// keys, so every field here is one it documents, and empty ones are left out.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TicketRequest {
    /// Edit this existing connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// Create a new connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_config: Option<ConnectionConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub enabled_clients: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub enabled_organizations: Vec<EnabledOrganization>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_sec: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_aliases_config: Option<DomainAliasesConfig>,
}

/// `connection_config` of a create ticket.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConnectionConfig {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<ConnectionConfigOptions>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ConnectionConfigOptions {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub domain_aliases: Vec<String>,
}

/// One organization the new connection is enabled for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnabledOrganization {
    pub organization_id: String,
    pub assign_membership_on_login: bool,
    pub show_as_button: bool,
}

/// `domain_aliases_config`: whether the customer must prove they own their domains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainAliasesConfig {
    /// `none`, `optional` or `required`.
    pub domain_verification: String,
}

/// Auth0's answer: the URL to hand to the customer's admin.
#[derive(Debug, Clone, Deserialize)]
pub struct Ticket {
    pub ticket: Secret,
}

/// Checks a connection name against Auth0's rule before any request: 1 to 128 letters and
/// digits, single hyphens between them.
pub fn check_connection_name(name: &str) -> Result<(), String> {
    let bytes = name.as_bytes();
    let alnum = |b: &u8| b.is_ascii_alphanumeric();
    let shape = bytes.first().is_some_and(alnum)
        && bytes.last().is_some_and(alnum)
        && bytes.iter().all(|b| alnum(b) || *b == b'-')
        && !name.contains("--");
    if name.is_empty() || name.len() > MAX_CONNECTION_NAME || !shape {
        return Err(format!(
            "expected a connection name of 1 to {MAX_CONNECTION_NAME} letters and digits with single hyphens between \
             them (such as self-service-sso-1726617508392), found {name:?}"
        ));
    }
    Ok(())
}

/// Checks a ticket's lifetime against Auth0's bounds.
pub fn check_ttl(seconds: u64) -> Result<u32, String> {
    u32::try_from(seconds).ok().filter(|s| *s <= MAX_TTL_SECONDS).ok_or_else(|| {
        format!("expected a ticket lifetime of at most {MAX_TTL_SECONDS} seconds (5 days), found {seconds}")
    })
}

impl Client {
    /// Every self-service profile (all pages).
    pub fn self_service_profiles(&mut self) -> Result<Vec<SelfServiceProfile>, ApiError> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Page {
            Totals {
                #[serde(default, deserialize_with = "nullable")]
                self_service_profiles: Vec<SelfServiceProfile>,
                #[serde(default)]
                total: Option<usize>,
            },
            Whole(Vec<SelfServiceProfile>),
        }
        const PER_PAGE: usize = 50;
        self.numbered_pages(
            |page| format!("/api/v2/self-service-profiles?page={page}&per_page={PER_PAGE}&include_totals=true"),
            PER_PAGE,
            LIST_PROFILES_SCOPES,
            |call, body| {
                Ok(match decode(call, body, "a list of self-service profiles")? {
                    Page::Totals { self_service_profiles, total } => NumberedPage { items: self_service_profiles, total },
                    Page::Whole(items) => NumberedPage { items, total: None },
                })
            },
            ("GET /api/v2/self-service-profiles".to_owned(), "at most 10000 profiles"),
        )
    }

    pub fn create_sso_ticket(&mut self, profile_id: &str, request: &TicketRequest) -> Result<Ticket, ApiError> {
        let path = format!("/api/v2/self-service-profiles/{}/sso-ticket", encode_component(profile_id));
        let body = to_body(request)?;
        let response = self.request_needing(Method::Post, &path, Some(&body), CREATE_TICKET_SCOPES)?;
        decode(format!("POST {path}"), response.body, "a ticket")
    }

    /// Revokes a ticket and ends the sessions started with it. Auth0 answers 202 even for an
    /// id it does not know, so success says the request was accepted, not that a ticket existed.
    pub fn revoke_sso_ticket(&mut self, profile_id: &str, ticket_id: &Secret) -> Result<(), ApiError> {
        let path = format!(
            "/api/v2/self-service-profiles/{}/sso-ticket/{}/revoke",
            encode_component(profile_id),
            encode_component(ticket_id.expose())
        );
        let call = format!("POST /api/v2/self-service-profiles/{}/sso-ticket/[ticket]/revoke", encode_component(profile_id));
        self.request_as(Method::Post, &path, None, (&call, REVOKE_TICKET_SCOPES))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_names() {
        assert!(check_connection_name("self-service-sso-1726617508392").is_ok());
        assert!(check_connection_name("a").is_ok());
        assert!(check_connection_name(&"a".repeat(128)).is_ok());
        for bad in ["", "-a", "a-", "a--b", "a_b", "a b", "ünï", &"a".repeat(129)] {
            let error = check_connection_name(bad).unwrap_err();
            assert!(error.starts_with("expected a connection name"), "{error}");
        }
    }

    #[test]
    fn ttl_bounds() {
        assert_eq!(check_ttl(0), Ok(0));
        assert_eq!(check_ttl(432_000), Ok(432_000));
        assert!(check_ttl(432_001).unwrap_err().contains("found 432001"));
    }

    #[test]
    fn a_request_leaves_out_what_is_empty_and_a_ticket_hides_its_url() {
        let request = TicketRequest {
            connection_config: Some(ConnectionConfig { name: "acme".into(), ..ConnectionConfig::default() }),
            enabled_clients: vec!["cli_1".into()],
            ..TicketRequest::default()
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({"connection_config": {"name": "acme"}, "enabled_clients": ["cli_1"]})
        );
        let ticket: Ticket = serde_json::from_value(serde_json::json!({"ticket": "https://t/x?ticket=abc"})).unwrap();
        assert!(!format!("{ticket:?}").contains("abc"));
    }
}
