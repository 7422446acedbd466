//! The mock's self-service SSO and connections endpoints, with Auth0's documented semantics:
//! unknown ticket keys refused, ticket URLs that hold the ticket id, revocation that answers
//! 202 whatever the id, checkpoint paging, a PATCH that replaces `options` whole, a
//! `display_name` that falls back to `name`, `options` shown (a PATCH's answer included) only
//! to a token with `read:connections_options`, and `cert`, `expires`, `subject` and
//! `thumbprints` recomputed from `signingCert` (with a fault that records a wrong thumbprint).
//!
//! Its certificate reading is its own (x509-cert and sha1 directly), not the client's, so the
//! client is checked against an independent computation.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use sha1::Digest as _;
use x509_cert::der::Decode as _;

use super::{Answer, Request, State};

/// The keys Auth0 accepts in a ticket request (`additionalProperties: false`).
const TICKET_KEYS: [&str; 10] = [
    "connection_id",
    "connection_config",
    "enabled_clients",
    "enabled_organizations",
    "ttl_sec",
    "domain_aliases_config",
    "provisioning_config",
    "use_for_organization_discovery",
    "third_party_client_access_config",
    "enabled_features",
];

/// Keys a connection PATCH may not carry.
const READ_ONLY_KEYS: [&str; 4] = ["id", "name", "strategy", "provisioning_ticket_url"];

#[derive(Debug, Clone)]
pub(crate) struct MockConnection {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) strategy: String,
    pub(crate) options: Map<String, Value>,
    /// Client ids this connection is enabled for.
    pub(crate) clients: Vec<String>,
}

impl MockConnection {
    fn view(&self, with_options: bool) -> Value {
        let mut view = json!({
            "id": self.id,
            "name": self.name,
            "display_name": self.display_name,
            "strategy": self.strategy,
            "is_domain_connection": false,
            "realms": [self.name],
            "enabled_clients": self.clients,
        });
        if with_options {
            view["options"] = Value::Object(self.options.clone());
        }
        view
    }
}

#[derive(Debug, Clone)]
pub(crate) struct MockTicket {
    pub(crate) id: String,
    pub(crate) profile_id: String,
    pub(crate) body: Value,
    pub(crate) revoked: bool,
}

/// What Auth0 derives from a `signingCert`, in Auth0's shapes.
struct Derived {
    cert: String,
    expires: String,
    subject: Value,
    thumbprint: String,
}

fn derive(signing_cert: &str) -> Option<Derived> {
    let bytes = STANDARD.decode(signing_cert.split_whitespace().collect::<String>()).ok()?;
    let der = match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN CERTIFICATE-----") => {
            let body: String = text
                .lines()
                .map(str::trim)
                .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE-----"))
                .skip(1)
                .take_while(|l| !l.starts_with("-----END"))
                .collect();
            STANDARD.decode(body).ok()?
        }
        _ => bytes,
    };
    let cert = x509_cert::Certificate::from_der(&der).ok()?;
    let mut subject = Map::new();
    for rdn in cert.tbs_certificate.subject.0.iter() {
        for atv in rdn.0.iter() {
            let name = match atv.oid.to_string().as_str() {
                "2.5.4.3" => "commonName",
                "2.5.4.6" => "countryName",
                "2.5.4.7" => "localityName",
                "2.5.4.8" => "stateOrProvinceName",
                "2.5.4.10" => "organizationName",
                "2.5.4.11" => "organizationalUnitName",
                other => other,
            }
            .to_owned();
            subject.insert(name, Value::String(String::from_utf8_lossy(atv.value.value()).into_owned()));
        }
    }
    let not_after = cert.tbs_certificate.validity.not_after.to_unix_duration().as_millis();
    let expires = auth0_actions::Timestamp::from_millis(i64::try_from(not_after).ok()?)?.to_iso_string();
    let lines: Vec<String> = STANDARD.encode(&der).as_bytes().chunks(64).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    let pem = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"));
    let thumbprint = sha1::Sha1::digest(&der).iter().map(|b| format!("{b:02x}")).collect();
    Some(Derived { cert: pem, expires, subject: Value::Object(subject), thumbprint })
}

/// Recomputes the derived fields in place (a key Auth0 already has keeps its position).
/// `None` when `signingCert` is there but is no certificate.
fn recompute(options: &mut Map<String, Value>, corrupt: bool) -> Option<()> {
    let Some(signing_cert) = options.get("signingCert").and_then(Value::as_str) else { return Some(()) };
    let derived = derive(signing_cert)?;
    let thumbprint = if corrupt { "0".repeat(40) } else { derived.thumbprint };
    options.insert("cert".to_owned(), Value::String(derived.cert));
    options.insert("expires".to_owned(), Value::String(derived.expires));
    options.insert("subject".to_owned(), derived.subject);
    options.insert("thumbprints".to_owned(), json!([thumbprint]));
    Some(())
}

impl State {
    pub(crate) fn seed_connection(&mut self, name: &str, strategy: &str, mut options: Map<String, Value>) -> String {
        self.next_id += 1;
        let id = format!("con_{:04}", self.next_id);
        recompute(&mut options, false).expect("seed_connection: signingCert is not a certificate");
        self.connections.push(MockConnection {
            id: id.clone(),
            name: name.to_owned(),
            display_name: name.to_owned(),
            strategy: strategy.to_owned(),
            options,
            clients: Vec::new(),
        });
        id
    }

    /// Auth0 shows `options` only to a token with `read:connections_options`, in every answer
    /// (node-auth0 `types.ts`: without it "you will not be able to review the updated object").
    fn can_read_options(&self) -> bool {
        self.scopes.iter().any(|s| s == "read:connections_options")
    }
}

pub(crate) fn route(state: &mut State, request: &Request, segments: &[&str], body: &Value) -> Option<Answer> {
    let answer = match (request.method.as_str(), segments) {
        ("GET", ["self-service-profiles"]) => list_profiles(state, request),
        ("GET", ["self-service-profiles", id]) => match state.profiles.iter().find(|(p, _)| p == id) {
            Some((id, name)) => Answer::json(200, json!({"id": id, "name": name})),
            None => Answer::error(404, "Self-service profile not found"),
        },
        ("POST", ["self-service-profiles", profile, "sso-ticket"]) => create_ticket(state, profile, body),
        ("POST", ["self-service-profiles", profile, "sso-ticket", ticket, "revoke"]) => {
            // Auth0 answers 202 whatever the id.
            if let Some(found) = state.tickets.iter_mut().find(|t| t.id == *ticket && t.profile_id == *profile) {
                found.revoked = true;
            }
            Answer::json(202, Value::Null)
        }
        ("GET", ["connections"]) => list_connections(state, request),
        ("GET", ["connections", id]) => match state.connections.iter().find(|c| c.id == *id) {
            Some(connection) => Answer::json(200, connection.view(state.can_read_options())),
            None => not_found(id),
        },
        ("PATCH", ["connections", id]) => patch_connection(state, id, body),
        ("GET", ["clients", client, "connections"]) => {
            let mine: Vec<&MockConnection> = state.connections.iter().filter(|c| c.clients.iter().any(|x| x == client)).collect();
            paged(state, &mine, request, true)
        }
        _ => return None,
    };
    Some(answer)
}

fn not_found(id: &str) -> Answer {
    let mut answer = Answer::error(404, &format!("The connection {id} does not exist"));
    answer.body["errorCode"] = json!("inexistent_connection");
    answer
}

fn list_profiles(state: &State, request: &Request) -> Answer {
    let page: usize = request.query.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let per_page: usize = request.query.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(50).clamp(1, 100);
    let all: Vec<Value> = state.profiles.iter().map(|(id, name)| json!({"id": id, "name": name, "user_attributes": [], "allowed_strategies": ["samlp", "oidc"]})).collect();
    let slice: Vec<Value> = all.iter().skip(page * per_page).take(per_page).cloned().collect();
    if request.query.get("include_totals").is_some_and(|v| v == "true") {
        Answer::json(200, json!({"self_service_profiles": slice, "start": page * per_page, "limit": per_page, "total": all.len()}))
    } else {
        Answer::json(200, Value::Array(slice))
    }
}

fn list_connections(state: &State, request: &Request) -> Answer {
    let strategy = request.query.get("strategy");
    let name = request.query.get("name");
    let matching: Vec<&MockConnection> = state
        .connections
        .iter()
        .filter(|c| strategy.is_none_or(|s| &c.strategy == s) && name.is_none_or(|n| &c.name == n))
        .collect();
    let checkpoint = request.query.contains_key("take") || request.query.contains_key("from");
    paged(state, &matching, request, checkpoint)
}

/// Checkpoint paging: `take` (at most 100), `from` the opaque `next` of the previous page.
fn paged(state: &State, all: &[&MockConnection], request: &Request, checkpoint: bool) -> Answer {
    let options = state.can_read_options();
    if !checkpoint {
        return Answer::json(200, Value::Array(all.iter().map(|c| c.view(options)).collect()));
    }
    let take: usize = request.query.get("take").and_then(|t| t.parse().ok()).unwrap_or(50).clamp(1, state.page_size.unwrap_or(100));
    let start = match request.query.get("from") {
        None => 0,
        Some(from) => match from.strip_prefix("cp_").and_then(|n| n.parse().ok()) {
            Some(start) => start,
            None => return Answer::error(400, "Invalid from: checkpoint not recognized"),
        },
    };
    let page: Vec<Value> = all.iter().skip(start).take(take).map(|c| c.view(options)).collect();
    let mut body = json!({"connections": page});
    if start + take < all.len() {
        body["next"] = json!(format!("cp_{}", start + take));
    }
    Answer::json(200, body)
}

fn create_ticket(state: &mut State, profile: &str, body: &Value) -> Answer {
    if !state.profiles.iter().any(|(id, _)| id == profile) {
        return Answer::error(404, "Self-service profile not found");
    }
    let Some(object) = body.as_object() else { return Answer::error(400, "Payload validation error: 'Expected type object'") };
    if let Some(extra) = object.keys().find(|k| !TICKET_KEYS.contains(&k.as_str())) {
        return Answer::error(400, &format!("Payload validation error: 'Additional properties not allowed: {extra}'"));
    }
    if let Some(config) = object.get("connection_config") {
        let name = config.get("name").and_then(Value::as_str).unwrap_or_default();
        let shape = !name.is_empty()
            && name.len() <= 128
            && !name.starts_with('-')
            && !name.ends_with('-')
            && !name.contains("--")
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !shape {
            return Answer::error(400, "Payload validation error: 'String does not match pattern ^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$' on property connection_config.name");
        }
    }
    if let Some(id) = object.get("connection_id").and_then(Value::as_str)
        && !state.connections.iter().any(|c| c.id == id)
    {
        return not_found(id);
    }
    if object.get("ttl_sec").is_some_and(|ttl| ttl.as_u64().is_none_or(|t| t > 432_000)) {
        return Answer::error(400, "Payload validation error: 'Value is out of range' on property ttl_sec (0 to 432000)");
    }
    let organizations = object.get("enabled_organizations").and_then(Value::as_array).cloned().unwrap_or_default();
    if organizations.iter().any(|o| !o.get("organization_id").is_some_and(Value::is_string)) {
        return Answer::error(400, "Payload validation error: 'Missing required property: organization_id'");
    }
    state.next_id += 1;
    let id = format!("tkt{:04}{:08x}", state.next_id, (state.next_id as u32).wrapping_mul(2_654_435_761));
    let url = format!("https://{}/self-service/connections-flow?ticket={id}", state.domain);
    state.tickets.push(MockTicket { id, profile_id: profile.to_owned(), body: body.clone(), revoked: false });
    Answer::json(201, json!({"ticket": url}))
}

fn patch_connection(state: &mut State, id: &str, body: &Value) -> Answer {
    let Some(object) = body.as_object() else { return Answer::error(400, "Payload validation error: 'Expected type object'") };
    if let Some(key) = object.keys().find(|k| READ_ONLY_KEYS.contains(&k.as_str())) {
        return Answer::error(400, &format!("Payload validation error: 'Additional properties not allowed: {key}'"));
    }
    if object.contains_key("options") && !state.scopes.iter().any(|s| s == "update:connections_options") {
        return Answer::error(403, "Insufficient scope, expected any of: update:connections_options");
    }
    let corrupt = state.corrupt_thumbprints > 0;
    let can_read_options = state.can_read_options();
    let Some(connection) = state.connections.iter_mut().find(|c| c.id == id) else { return not_found(id) };
    let mut next = connection.clone();
    // Auth0 replaces `options` whole and resets an omitted display_name to the name.
    next.display_name = object.get("display_name").and_then(Value::as_str).unwrap_or(&connection.name).to_owned();
    if let Some(options) = object.get("options") {
        let Some(options) = options.as_object() else { return Answer::error(400, "Payload validation error: 'Expected type object' on property options") };
        next.options = options.clone();
        if recompute(&mut next.options, corrupt).is_none() {
            return Answer::error(400, "Payload validation error: options.signingCert is not a valid X.509 certificate");
        }
    }
    *connection = next;
    let view = connection.view(can_read_options);
    if corrupt && object.contains_key("options") {
        state.corrupt_thumbprints -= 1;
    }
    Answer::json(200, view)
}
