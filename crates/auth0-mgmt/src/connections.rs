//! Typed calls for connections: read one, list them (checkpoint paging), the connections
//! enabled for a client, and the one write this project makes, a PATCH of `options`.
//!
//! `options` is kept as Auth0's JSON, exactly as read (key order included): a PATCH replaces
//! the whole object, so whatever is not sent back is lost.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::scope::Required;
use crate::{ApiError, Client, Method, decode, encode_component, nullable, to_body};

pub const READ_CONNECTIONS: &str = "read:connections";
pub const UPDATE_CONNECTIONS: &str = "update:connections";
/// Without it, Auth0 leaves `options` out of every connection it shows, a PATCH's answer included.
pub const READ_CONNECTIONS_OPTIONS: &str = "read:connections_options";
pub const UPDATE_CONNECTIONS_OPTIONS: &str = "update:connections_options";
pub const READ_CLIENTS: &str = "read:clients";
pub const READ_CLIENT_SUMMARY: &str = "read:client_summary";

// What each call needs, per Auth0's Management API spec (auth0-PHP `ConnectionsInterface`;
// node-auth0 `reference.md` for a client's connections and `types.ts` for `options`).

/// [`Client::get_connection`]: `GET /api/v2/connections/{id}` (`options` shown only with
/// [`READ_CONNECTIONS_OPTIONS`] besides).
pub const GET_CONNECTION_SCOPES: Required = Required::new(&[&[READ_CONNECTIONS]]);
/// [`Client::list_connections`]: `GET /api/v2/connections`.
pub const LIST_CONNECTIONS_SCOPES: Required = Required::new(&[&[READ_CONNECTIONS]]);
/// [`Client::client_connections`]: `GET /api/v2/clients/{id}/connections` needs
/// `read:connections` and any one of `read:clients` or `read:client_summary`.
pub const CLIENT_CONNECTIONS_SCOPES: Required = Required::new(&[&[READ_CONNECTIONS], &[READ_CLIENTS, READ_CLIENT_SUMMARY]]);
/// [`Client::update_connection_options`]: `PATCH /api/v2/connections/{id}` with `options`.
pub const UPDATE_OPTIONS_SCOPES: Required = Required::new(&[&[UPDATE_CONNECTIONS], &[UPDATE_CONNECTIONS_OPTIONS]]);

/// A connection as `GET /api/v2/connections/{id}` shows it (unknown fields ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Connection {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub strategy: Option<String>,
    /// Auth0's own JSON, whole. It can hold Auth0's private signing key: never print it.
    #[serde(default, deserialize_with = "nullable")]
    pub options: Map<String, Value>,
    #[serde(default, deserialize_with = "nullable")]
    pub enabled_clients: Vec<String>,
}

/// The body of `PATCH /api/v2/connections/{id}` this project sends: `options` whole, and
/// `display_name` (Auth0 resets an omitted one to the connection's `name`).
#[derive(Debug, Clone, Serialize)]
pub struct OptionsWrite<'a> {
    pub display_name: &'a str,
    pub options: &'a Map<String, Value>,
}

/// At most this many pages are followed: a loop guard against a server whose `next` never ends.
const MAX_PAGES: usize = 1000;
const TAKE: usize = 50;

impl Client {
    pub fn get_connection(&mut self, id: &str) -> Result<Connection, ApiError> {
        let path = format!("/api/v2/connections/{}", encode_component(id));
        let response = self.request_needing(Method::Get, &path, None, GET_CONNECTION_SCOPES)?;
        decode(format!("GET {path}"), response.body, "a connection")
    }

    /// Connections, all pages, optionally of one strategy (`samlp`) or with one exact name.
    pub fn list_connections(&mut self, filter: &ConnectionFilter<'_>) -> Result<Vec<Connection>, ApiError> {
        let mut query = String::new();
        if let Some(strategy) = filter.strategy {
            query.push_str(&format!("&strategy={}", encode_component(strategy)));
        }
        if let Some(name) = filter.name {
            query.push_str(&format!("&name={}", encode_component(name)));
        }
        self.checkpoint_pages("/api/v2/connections", &query, ("a list of connections", LIST_CONNECTIONS_SCOPES))
    }

    /// The connections enabled for an application (`GET /api/v2/clients/{id}/connections`),
    /// all pages.
    pub fn client_connections(&mut self, client_id: &str) -> Result<Vec<Connection>, ApiError> {
        let path = format!("/api/v2/clients/{}/connections", encode_component(client_id));
        self.checkpoint_pages(&path, "", ("the client's connections", CLIENT_CONNECTIONS_SCOPES))
    }

    /// Follows checkpoint paging (`take`, then `from=<next>`) until an answer has no `next`.
    /// An answer that is a plain array (a server that ignores paging) is one whole page.
    fn checkpoint_pages(
        &mut self,
        base: &str,
        query: &str,
        (expected, required): (&'static str, Required),
    ) -> Result<Vec<Connection>, ApiError> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Page {
            Paged {
                #[serde(default, deserialize_with = "nullable")]
                connections: Vec<Connection>,
                #[serde(default)]
                next: Option<String>,
            },
            Whole(Vec<Connection>),
        }
        let mut all = Vec::new();
        let mut from: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut path = format!("{base}?take={TAKE}{query}");
            if let Some(from) = &from {
                path.push_str(&format!("&from={}", encode_component(from)));
            }
            let response = self.request_needing(Method::Get, &path, None, required)?;
            match decode(format!("GET {path}"), response.body, expected)? {
                Page::Whole(connections) => {
                    all.extend(connections);
                    return Ok(all);
                }
                Page::Paged { connections, next } => {
                    let empty = connections.is_empty();
                    all.extend(connections);
                    match next {
                        Some(next) if !next.is_empty() && !empty && from.as_deref() != Some(next.as_str()) => from = Some(next),
                        _ => return Ok(all),
                    }
                }
            }
        }
        Err(ApiError::Decode { call: format!("GET {base}"), expected: "paging that ends", found: format!("more than {MAX_PAGES} pages") })
    }

    /// Replaces the connection's `options` with this whole object (and sends `display_name`
    /// so that Auth0 keeps it). Auth0's answer shows `options` only to a token with
    /// [`READ_CONNECTIONS_OPTIONS`]: to check the write, read the connection back.
    pub fn update_connection_options(&mut self, id: &str, write: &OptionsWrite<'_>) -> Result<Connection, ApiError> {
        let path = format!("/api/v2/connections/{}", encode_component(id));
        let body = to_body(write)?;
        let response = self.request_needing(Method::Patch, &path, Some(&body), UPDATE_OPTIONS_SCOPES)?;
        decode(format!("PATCH {path}"), response.body, "the updated connection")
    }
}

/// Which connections [`Client::list_connections`] asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConnectionFilter<'a> {
    pub strategy: Option<&'a str>,
    pub name: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_decode_leniently_and_keep_options_in_order() {
        let connection: Connection = serde_json::from_value(serde_json::json!({
            "id": "con_1", "name": "acme", "strategy": "samlp", "enabled_clients": null,
            "options": {"signInEndpoint": "https://idp", "b": 1, "a": {"deep": [1]}}, "realms": ["acme"]
        }))
        .unwrap();
        assert_eq!(connection.options.keys().collect::<Vec<_>>(), ["signInEndpoint", "b", "a"]);
        assert!(connection.display_name.is_none());
        let null_options: Connection = serde_json::from_value(serde_json::json!({"id": "c", "name": "n", "options": null})).unwrap();
        assert!(null_options.options.is_empty());
    }
}
