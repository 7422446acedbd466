//! Test support: a local Auth0 Management API on 127.0.0.1 that speaks the documented
//! shapes of the calls the deploy pipeline makes (`/oauth/token`, Actions list / create /
//! get / patch / deploy / delete / test, trigger bindings) and the SSO and SAML chores
//! (self-service profiles, SSO tickets, connections; see `sso.rs`), with scopes, an Action
//! status that goes `pending` → `building` → `built` one step per GET (never by the clock),
//! and scripted faults (429 bursts, dropped connections, error statuses, wrong thumbprints).
//!
//! It is a plain HTTP/1.1 server on std's `TcpListener`: one connection at a time, every
//! answer `Connection: close`. It records every request so tests can count writes.

#![forbid(unsafe_code)]
// Test support: a broken invariant here should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod sso;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use serde_json::{Value, json};

pub const CLIENT_ID: &str = "mock-client-id";
pub const CLIENT_SECRET: &str = "mock-client-secret-5f1e0c";
/// Every scope the mock knows; a fresh mock grants them all.
pub const ALL_SCOPES: [&str; 13] = [
    "read:actions",
    "create:actions",
    "update:actions",
    "delete:actions",
    "read:self_service_profiles",
    "create:sso_access_tickets",
    "delete:sso_access_tickets",
    "read:connections",
    "update:connections",
    "read:connections_options",
    "update:connections_options",
    "read:clients",
    "read:client_summary",
];

/// The Node script that runs an Action for `POST /actions/actions/{id}/test`.
const POST_LOGIN: &str = "post-login";
/// The trigger ids the Management API knows, and the version of each that a new Action gets.
const TRIGGERS: [&str; 10] = [
    "post-login",
    "credentials-exchange",
    "pre-user-registration",
    "post-user-registration",
    "post-change-password",
    "send-phone-message",
    "password-reset-post-challenge",
    "custom-email-provider",
    "custom-phone-provider",
    "custom-token-exchange",
];

/// The current version of a trigger, as the Management API lists it.
fn trigger_version(trigger: &str) -> &'static str {
    match trigger {
        "post-login" => "v3",
        "password-reset-post-challenge" | "custom-email-provider" | "custom-phone-provider" | "custom-token-exchange" => "v1",
        _ => "v2",
    }
}

const RUN_ACTION_JS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/node/run-action.js");

/// How `POST /api/v2/actions/actions/{id}/test` answers an Action that ran. Auth0 documents
/// only that it returns "the resulting payload"; its Go SDK's recorded exchange shows the shape
/// for an Action that threw, `{"payload": {"error": {message, name, stack}, "stats": {...}}}`,
/// with HTTP 200. The success shape is unknown, so the mock offers both guesses a client must
/// survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TestAnswer {
    /// `{"payload": {"commands": [{"target", "name", "args"}], "logs": "...", "stats": {...}}}`
    /// (an assumed shape: the calls the Action made on `api`, and its console output).
    #[default]
    WithCalls,
    /// `{"payload": {"logs": "...", "stats": {...}}}`: console output only.
    WithoutCalls,
    /// The recorded error shape, as if the code had thrown at load (HTTP 200).
    Error,
}

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    /// Path with its query.
    pub path: String,
    pub body: String,
}

impl Recorded {
    /// A request that changes the tenant (the token call does not).
    pub fn is_write(&self) -> bool {
        self.method != "GET" && self.path != "/oauth/token"
    }
}

/// What a fault does to a matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer 429 with these headers.
    RateLimit { retry_after: Option<u64>, reset: Option<u64> },
    /// Close the connection without an answer; `after_processing` applies the request first.
    Drop { after_processing: bool },
    /// Answer this status with Auth0's error body.
    Status { status: u16, message: String },
}

/// A scripted fault: applies to the next `times` requests that match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// `None` matches any method.
    pub method: Option<String>,
    /// The request's path (query included) contains this.
    pub path_contains: String,
    pub times: u32,
    pub kind: FaultKind,
}

impl Fault {
    pub fn new(method: Option<&str>, path_contains: &str, times: u32, kind: FaultKind) -> Fault {
        Fault { method: method.map(str::to_owned), path_contains: path_contains.to_owned(), times, kind }
    }
}

#[derive(Debug, Clone)]
struct MockAction {
    id: String,
    name: String,
    code: String,
    runtime: String,
    supported_triggers: Value,
    dependencies: Value,
    /// name → value, in order.
    secrets: Vec<(String, String)>,
    /// Statuses still to come, one per GET; the current one is `status`.
    status: String,
    upcoming: Vec<String>,
    all_changes_deployed: bool,
    deployed_version: Option<Value>,
    versions: u64,
    errors: Vec<Value>,
}

impl MockAction {
    fn view(&self) -> Value {
        let mut view = json!({
            "id": self.id,
            "name": self.name,
            "supported_triggers": self.supported_triggers,
            "code": self.code,
            "dependencies": self.dependencies,
            "runtime": self.runtime,
            "secrets": self.secrets.iter().map(|(name, _)| json!({"name": name, "updated_at": "2026-01-01T00:00:00.000Z"})).collect::<Vec<_>>(),
            "status": self.status,
            "all_changes_deployed": self.all_changes_deployed,
            "created_at": "2026-01-01T00:00:00.000Z",
            "updated_at": "2026-01-01T00:00:00.000Z",
            "installed_integration_id": "",
        });
        if let Some(version) = &self.deployed_version {
            view["deployed_version"] = version.clone();
        }
        if !self.errors.is_empty() {
            view["errors"] = Value::Array(self.errors.clone());
        }
        view
    }

    fn start_build(&mut self, fails: bool) {
        self.status = "pending".to_owned();
        let last = if fails { "failed" } else { "built" };
        self.upcoming = vec!["building".to_owned(), last.to_owned()];
        self.errors.clear();
        self.all_changes_deployed = false;
    }
}

#[derive(Debug, Default)]
struct State {
    scopes: Vec<String>,
    omit_scope: bool,
    tokens: Vec<String>,
    actions: Vec<MockAction>,
    /// Each trigger's flow, by trigger id: (binding id, action id, display name), in order.
    bindings: BTreeMap<String, Vec<(String, String, String)>>,
    test_answer: TestAnswer,
    failing_builds: Vec<String>,
    faults: Vec<Fault>,
    requests: Vec<Recorded>,
    next_id: u64,
    /// `host:port`, for the URLs the mock hands out.
    domain: String,
    /// Self-service profiles, (id, name).
    profiles: Vec<(String, String)>,
    tickets: Vec<sso::MockTicket>,
    connections: Vec<sso::MockConnection>,
    /// PATCHes of `options` still to record a wrong thumbprint.
    corrupt_thumbprints: u32,
    /// The largest `take` honoured (Auth0's is 100).
    page_size: Option<usize>,
}

/// A seeded Action, as if someone had created it before.
#[derive(Debug, Clone)]
pub struct SeedAction {
    pub name: String,
    pub code: String,
    pub runtime: String,
    pub secrets: Vec<(String, String)>,
    /// True: built and deployed, all changes deployed.
    pub deployed: bool,
    /// Its `supported_triggers` ids (each at its current version); post-login by default.
    pub triggers: Vec<String>,
}

impl SeedAction {
    pub fn new(name: &str, code: &str) -> SeedAction {
        SeedAction {
            name: name.to_owned(),
            code: code.to_owned(),
            runtime: "node22".to_owned(),
            secrets: Vec::new(),
            deployed: true,
            triggers: vec!["post-login".to_owned()],
        }
    }

    /// The Action also supports `trigger` (e.g. `credentials-exchange`).
    pub fn trigger(mut self, trigger: &str) -> SeedAction {
        self.triggers.push(trigger.to_owned());
        self
    }

    pub fn secret(mut self, name: &str, value: &str) -> SeedAction {
        self.secrets.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// The running server; stops when dropped.
#[derive(Debug)]
pub struct MockAuth0 {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl MockAuth0 {
    /// Starts on an ephemeral port of 127.0.0.1, granting every Actions scope.
    pub fn start() -> MockAuth0 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State {
            scopes: ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            domain: addr.to_string(),
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            // Room to read and write deeply nested bodies (see `parse_body`).
            std::thread::Builder::new().stack_size(256 << 20).spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        serve(stream, &state);
                    }
                }
            })
            .expect("spawn the mock's server thread")
        };
        MockAuth0 { addr, state, stop, thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The domain to pass as AUTH0_DOMAIN (the audience is built from it).
    pub fn domain(&self) -> String {
        format!("{}", self.addr)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The scopes the next tokens carry.
    pub fn set_scopes(&self, scopes: &[&str]) {
        self.state().scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
    }

    /// Token responses leave out `scope` (the scopes still apply).
    pub fn omit_scope_in_token_response(&self) {
        self.state().omit_scope = true;
    }

    pub fn add_action(&self, seed: SeedAction) -> String {
        let mut state = self.state();
        state.next_id += 1;
        let id = format!("act_seed{}", state.next_id);
        let deployed_version = seed.deployed.then(|| json!({"id": format!("ver_{id}_1"), "number": 1, "deployed": true, "status": "built"}));
        state.actions.push(MockAction {
            id: id.clone(),
            name: seed.name,
            code: seed.code,
            runtime: seed.runtime,
            supported_triggers: Value::Array(seed.triggers.iter().map(|id| json!({"id": id, "version": trigger_version(id)})).collect()),
            dependencies: json!([]),
            secrets: seed.secrets,
            status: "built".to_owned(),
            upcoming: Vec::new(),
            all_changes_deployed: seed.deployed,
            deployed_version,
            versions: u64::from(seed.deployed),
            errors: Vec::new(),
        });
        id
    }

    /// Appends an Action (by name) to the post-login flow.
    pub fn bind(&self, name: &str) {
        self.bind_to(POST_LOGIN, name);
    }

    /// Appends an Action (by name) to a trigger's flow.
    pub fn bind_to(&self, trigger: &str, name: &str) {
        let mut state = self.state();
        let id = state.actions.iter().find(|a| a.name == name).map(|a| a.id.clone()).expect("bind_to: no such action");
        state.next_id += 1;
        let binding = format!("bnd_{}", state.next_id);
        state.bindings.entry(trigger.to_owned()).or_default().push((binding, id, name.to_owned()));
    }

    /// How `POST .../test` answers from now on.
    pub fn set_test_answer(&self, answer: TestAnswer) {
        self.state().test_answer = answer;
    }

    /// Replaces an Action's current code, as an edit in the Dashboard would (no build, no
    /// deploy: the test endpoint runs the current code).
    pub fn edit_code(&self, name: &str, code: &str) {
        let mut state = self.state();
        let action = state.actions.iter_mut().find(|a| a.name == name).expect("edit_code: no such action");
        action.code = code.to_owned();
    }

    /// The names of every Action on the tenant.
    pub fn action_names(&self) -> Vec<String> {
        self.state().actions.iter().map(|a| a.name.clone()).collect()
    }

    /// A trigger's flow, as display names in order.
    pub fn bound_names_of(&self, trigger: &str) -> Vec<String> {
        self.state().bindings.get(trigger).map(|b| b.iter().map(|(_, _, d)| d.clone()).collect()).unwrap_or_default()
    }

    /// Every build of this Action fails from now on (until `fix_builds`).
    pub fn fail_builds_of(&self, name: &str) {
        self.state().failing_builds.push(name.to_owned());
    }

    pub fn fix_builds(&self) {
        self.state().failing_builds.clear();
    }

    pub fn push_fault(&self, fault: Fault) {
        self.state().faults.push(fault);
    }

    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.state().requests.clear();
    }

    pub fn writes(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(Recorded::is_write).collect()
    }

    /// Every token handed out so far.
    pub fn tokens(&self) -> Vec<String> {
        self.state().tokens.clone()
    }

    /// The Action as GET shows it (without advancing its build).
    pub fn action(&self, name: &str) -> Option<Value> {
        self.state().actions.iter().find(|a| a.name == name).map(MockAction::view)
    }

    pub fn secret_value(&self, action: &str, secret: &str) -> Option<String> {
        let state = self.state();
        let action = state.actions.iter().find(|a| a.name == action)?;
        action.secrets.iter().find(|(name, _)| name == secret).map(|(_, value)| value.clone())
    }

    /// How many versions of this Action were deployed.
    pub fn versions(&self, name: &str) -> u64 {
        self.state().actions.iter().find(|a| a.name == name).map_or(0, |a| a.versions)
    }

    /// Adds a self-service profile; returns its id.
    pub fn add_profile(&self, name: &str) -> String {
        let mut state = self.state();
        state.next_id += 1;
        let id = format!("ssp_{:04}mock", state.next_id);
        state.profiles.push((id.clone(), name.to_owned()));
        id
    }

    /// Adds a connection with these `options` (its derived certificate fields computed as
    /// Auth0 would); returns its id.
    pub fn add_connection(&self, name: &str, strategy: &str, options: Value) -> String {
        let Value::Object(options) = options else { panic!("add_connection: options must be an object") };
        self.state().seed_connection(name, strategy, options)
    }

    /// Enables a connection for an application.
    pub fn enable_connection_for(&self, client_id: &str, connection_id: &str) {
        let mut state = self.state();
        let connection = state.connections.iter_mut().find(|c| c.id == connection_id).expect("no such connection");
        connection.clients.push(client_id.to_owned());
    }

    /// A connection as GET shows it to a token with every scope.
    pub fn connection(&self, id: &str) -> Option<Value> {
        let state = self.state();
        let connection = state.connections.iter().find(|c| c.id == id)?;
        Some(json!({"name": connection.name, "display_name": connection.display_name, "strategy": connection.strategy, "options": connection.options}))
    }

    /// A connection's stored `options`, serialized as the mock holds them (key order kept).
    pub fn connection_options_bytes(&self, id: &str) -> Option<String> {
        let state = self.state();
        state.connections.iter().find(|c| c.id == id).map(|c| Value::Object(c.options.clone()).to_string())
    }

    /// The next `count` PATCHes of `options` record a wrong thumbprint (drives a rollback).
    pub fn corrupt_thumbprints(&self, count: u32) {
        self.state().corrupt_thumbprints = count;
    }

    /// Pages of connections hold at most `take` items, whatever the client asks.
    pub fn set_page_size(&self, take: usize) {
        self.state().page_size = Some(take.max(1));
    }

    /// Every ticket issued: (id, profile id, request body, revoked).
    pub fn tickets(&self) -> Vec<(String, String, Value, bool)> {
        self.state().tickets.iter().map(|t| (t.id.clone(), t.profile_id.clone(), t.body.clone(), t.revoked)).collect()
    }

    /// The post-login flow, as display names in order.
    pub fn bound_names(&self) -> Vec<String> {
        self.bound_names_of(POST_LOGIN)
    }
}

impl Drop for MockAuth0 {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Request {
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    headers: BTreeMap<String, String>,
    body: String,
}

struct Answer {
    status: u16,
    body: Value,
    headers: Vec<(String, String)>,
}

impl Answer {
    fn json(status: u16, body: Value) -> Answer {
        Answer { status, body, headers: Vec::new() }
    }

    fn error(status: u16, message: &str) -> Answer {
        let error = match status {
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            409 => "Conflict",
            429 => "Too Many Requests",
            _ => "Error",
        };
        let mut body = json!({"statusCode": status, "error": error, "message": message});
        if status == 403 {
            body["errorCode"] = json!("insufficient_scope");
        }
        Answer::json(status, body)
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let Some(request) = read_request(&stream) else { return };
    let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let full_path = if request.query.is_empty() {
        request.path.clone()
    } else {
        let query: Vec<String> = request.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}?{}", request.path, query.join("&"))
    };
    state.requests.push(Recorded { method: request.method.clone(), path: full_path.clone(), body: request.body.clone() });

    let fault = state.faults.iter_mut().find(|fault| {
        fault.times > 0
            && fault.method.as_deref().is_none_or(|m| m == request.method)
            && full_path.contains(&fault.path_contains)
    });
    let fault = fault.map(|fault| {
        fault.times -= 1;
        fault.kind.clone()
    });
    let answer = match fault {
        Some(FaultKind::RateLimit { retry_after, reset }) => {
            let mut answer = Answer::error(429, "Global limit has been reached");
            answer.headers.push(("x-ratelimit-limit".into(), "2".into()));
            answer.headers.push(("x-ratelimit-remaining".into(), "0".into()));
            if let Some(seconds) = retry_after {
                answer.headers.push(("Retry-After".into(), seconds.to_string()));
            }
            if let Some(reset) = reset {
                answer.headers.push(("x-ratelimit-reset".into(), reset.to_string()));
            }
            answer
        }
        Some(FaultKind::Drop { after_processing }) => {
            if after_processing {
                let _ = route(&mut state, &request);
            }
            drop(state);
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return;
        }
        Some(FaultKind::Status { status, message }) => Answer::error(status, &message),
        None => route(&mut state, &request),
    };
    drop(state);
    write_answer(stream, &answer);
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), parse_query(query)),
        None => (target.clone(), BTreeMap::new()),
    };
    Some(Request { method, path, query, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn write_answer(mut stream: TcpStream, answer: &Answer) {
    let body = if answer.body.is_null() { String::new() } else { answer.body.to_string() };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n",
        answer.status,
        reason(answer.status),
        body.len()
    );
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
    let _ = stream.flush();
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        204 => "No Content",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Other",
    }
}

fn route(state: &mut State, request: &Request) -> Answer {
    let method = request.method.as_str();
    let path = request.path.as_str();
    if path == "/oauth/token" && method == "POST" {
        return token(state, request);
    }
    let Some(api) = path.strip_prefix("/api/v2/") else { return Answer::error(404, "Not Found") };
    // Every API call needs a token this server issued, with the call's scope.
    let token = request.headers.get("authorization").and_then(|h| h.strip_prefix("Bearer ")).unwrap_or_default();
    if !state.tokens.iter().any(|t| t == token) {
        return Answer::error(401, "Invalid token");
    }
    let segments: Vec<&str> = api.split('/').collect();
    // Each endpoint's scopes as Auth0's Management API spec gives them: every group needed,
    // any one scope of each.
    let needs: &[&[&str]] = match (method, segments.as_slice()) {
        ("GET", ["self-service-profiles", ..]) => &[&["read:self_service_profiles"]],
        ("POST", ["self-service-profiles", _, "sso-ticket"]) => &[&["create:sso_access_tickets"]],
        ("POST", ["self-service-profiles", _, "sso-ticket", _, "revoke"]) => &[&["delete:sso_access_tickets"]],
        ("GET", ["clients", _, "connections"]) => &[&["read:connections"], &["read:clients", "read:client_summary"]],
        ("GET", ["connections", ..]) => &[&["read:connections"]],
        ("PATCH", ["connections", _]) => &[&["update:connections"]],
        ("GET", _) => &[&["read:actions"]],
        ("POST", ["actions", "actions"])
        | ("POST", ["actions", "actions", _, "deploy"])
        | ("POST", ["actions", "actions", _, "test"]) => &[&["create:actions"]],
        ("PATCH", _) => &[&["update:actions"]],
        ("DELETE", _) => &[&["delete:actions"]],
        _ => &[],
    };
    if !needs.iter().all(|group| group.iter().any(|scope| state.scopes.iter().any(|s| s == scope))) {
        return Answer::error(403, &insufficient_scope(needs));
    }
    let body: Value = if request.body.is_empty() { Value::Null } else { parse_body(&request.body) };
    if let Some(answer) = sso::route(state, request, &segments, &body) {
        return answer;
    }
    match (method, segments.as_slice()) {
        ("GET", ["actions", "actions"]) => list_actions(state, request),
        ("POST", ["actions", "actions"]) => create_action(state, &body),
        ("GET", ["actions", "actions", id]) => get_action(state, id),
        ("PATCH", ["actions", "actions", id]) => patch_action(state, id, &body),
        ("POST", ["actions", "actions", id, "deploy"]) => deploy_action(state, id),
        ("POST", ["actions", "actions", id, "test"]) => test_action(state, id, &body),
        ("DELETE", ["actions", "actions", id]) => delete_action(state, id, request),
        ("GET", ["actions", "triggers", trigger, "bindings"]) => get_bindings(state, trigger, request),
        ("PATCH", ["actions", "triggers", trigger, "bindings"]) => patch_bindings(state, trigger, &body),
        _ => Answer::error(404, "Not Found"),
    }
}

/// Auth0's 403 message for a requirement, whole (not only what is missing), in its two forms:
/// "Insufficient scope, expected any of: a, b" for one group, and "Insufficient scope;
/// expected: a and any of: b or c." for several.
fn insufficient_scope(needs: &[&[&str]]) -> String {
    match needs {
        [one] => format!("Insufficient scope, expected any of: {}", one.join(", ")),
        several => {
            let parts: Vec<String> = several
                .iter()
                .map(|group| match group {
                    [one] => (*one).to_owned(),
                    any => format!("any of: {}", any.join(" or ")),
                })
                .collect();
            format!("Insufficient scope; expected: {}.", parts.join(" and "))
        }
    }
}

/// A request body as Auth0 reads it: JSON of any depth (a user's metadata is any JSON their
/// app stored). The server's thread has the stack for it.
fn parse_body(body: &str) -> Value {
    let mut deserializer = serde_json::Deserializer::from_str(body);
    deserializer.disable_recursion_limit();
    serde::Deserialize::deserialize(&mut deserializer).unwrap_or(Value::Null)
}

fn token(state: &mut State, request: &Request) -> Answer {
    let body: Value = serde_json::from_str(&request.body).unwrap_or(Value::Null);
    let field = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    if field("grant_type") != "client_credentials" {
        return Answer::json(400, json!({"error": "unsupported_grant_type", "error_description": "Unsupported grant type"}));
    }
    if field("client_id") != CLIENT_ID || field("client_secret") != CLIENT_SECRET {
        return Answer::json(401, json!({"error": "access_denied", "error_description": "Unauthorized"}));
    }
    if !field("audience").starts_with("https://") || !field("audience").ends_with("/api/v2/") {
        return Answer::json(403, json!({"error": "access_denied", "error_description": "Service not found"}));
    }
    state.next_id += 1;
    let token = format!("mock-token-{}-{:08x}", state.next_id, state.requests.len().wrapping_mul(2_654_435_761) as u32);
    state.tokens.push(token.clone());
    let mut body = json!({"access_token": token, "token_type": "Bearer", "expires_in": 86400, "scope": state.scopes.join(" ")});
    if state.omit_scope {
        body.as_object_mut().map(|object| object.remove("scope"));
    }
    Answer::json(200, body)
}

fn list_actions(state: &State, request: &Request) -> Answer {
    let name = request.query.get("actionName");
    let actions: Vec<Value> =
        state.actions.iter().filter(|a| name.is_none_or(|n| &a.name == n)).map(MockAction::view).collect();
    Answer::json(200, json!({"actions": actions, "total": actions.len(), "page": 0, "per_page": 50}))
}

fn secrets_of(body: &Value) -> Option<Vec<(String, Option<String>)>> {
    let list = body.get("secrets")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|s| {
                let name = s.get("name")?.as_str()?.to_owned();
                Some((name, s.get("value").and_then(Value::as_str).map(str::to_owned)))
            })
            .collect(),
    )
}

fn create_action(state: &mut State, body: &Value) -> Answer {
    let Some(name) = body.get("name").and_then(Value::as_str) else { return Answer::error(400, "Payload validation error: 'Missing required property: name'") };
    let Some(triggers) = body.get("supported_triggers").filter(|t| t.is_array()) else {
        return Answer::error(400, "Payload validation error: 'Missing required property: supported_triggers'");
    };
    if state.actions.iter().any(|a| a.name == name) {
        return Answer::error(409, "An action with this name already exists");
    }
    let mut secrets = Vec::new();
    for (secret, value) in secrets_of(body).unwrap_or_default() {
        let Some(value) = value else { return Answer::error(400, "Payload validation error: a new secret needs a value") };
        secrets.push((secret, value));
    }
    state.next_id += 1;
    let mut action = MockAction {
        id: format!("act_{:04}", state.next_id),
        name: name.to_owned(),
        code: body.get("code").and_then(Value::as_str).unwrap_or_default().to_owned(),
        runtime: body.get("runtime").and_then(Value::as_str).unwrap_or("node22").to_owned(),
        supported_triggers: triggers.clone(),
        dependencies: body.get("dependencies").cloned().unwrap_or_else(|| json!([])),
        secrets,
        status: String::new(),
        upcoming: Vec::new(),
        all_changes_deployed: false,
        deployed_version: None,
        versions: 0,
        errors: Vec::new(),
    };
    action.start_build(state.failing_builds.iter().any(|n| n == name));
    let view = action.view();
    state.actions.push(action);
    Answer::json(201, view)
}

fn get_action(state: &mut State, id: &str) -> Answer {
    let Some(action) = state.actions.iter_mut().find(|a| a.id == id) else { return Answer::error(404, "The action does not exist") };
    // One step of the build per look.
    if !action.upcoming.is_empty() {
        action.status = action.upcoming.remove(0);
        if action.status == "failed" {
            action.errors = vec![json!({"id": "build_failed", "msg": "Cannot find module 'left-pad-that-does-not-exist'", "url": ""})];
        }
    }
    Answer::json(200, action.view())
}

fn patch_action(state: &mut State, id: &str, body: &Value) -> Answer {
    let failing = state.failing_builds.clone();
    let Some(action) = state.actions.iter_mut().find(|a| a.id == id) else { return Answer::error(404, "The action does not exist") };
    if let Some(code) = body.get("code").and_then(Value::as_str) {
        action.code = code.to_owned();
    }
    if let Some(runtime) = body.get("runtime").and_then(Value::as_str) {
        action.runtime = runtime.to_owned();
    }
    if let Some(triggers) = body.get("supported_triggers") {
        action.supported_triggers = triggers.clone();
    }
    if let Some(dependencies) = body.get("dependencies") {
        action.dependencies = dependencies.clone();
    }
    if let Some(secrets) = secrets_of(body) {
        // The whole list is replaced. A name sent without a value keeps its old value: this
        // models the behaviour the deploy tool assumes (unverified on real Auth0).
        let mut next = Vec::new();
        for (name, value) in secrets {
            let old = action.secrets.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
            match value.or(old) {
                Some(value) => next.push((name, value)),
                None => return Answer::error(400, "Payload validation error: a new secret needs a value"),
            }
        }
        action.secrets = next;
    }
    let fails = failing.contains(&action.name);
    action.start_build(fails);
    Answer::json(200, action.view())
}

fn deploy_action(state: &mut State, id: &str) -> Answer {
    let Some(action) = state.actions.iter_mut().find(|a| a.id == id) else { return Answer::error(404, "The action does not exist") };
    if action.status != "built" {
        return Answer::error(400, &format!("The action cannot be deployed while its status is {}", action.status));
    }
    action.versions += 1;
    let version = json!({
        "id": format!("ver_{}_{}", action.id, action.versions),
        "number": action.versions,
        "deployed": true,
        "status": "built",
        "action_id": action.id,
        "code": action.code,
    });
    action.deployed_version = Some(version.clone());
    action.all_changes_deployed = true;
    Answer::json(200, version)
}

fn binding_view(state: &State, trigger: &str, (id, action_id, display): &(String, String, String)) -> Value {
    let action = state.actions.iter().find(|a| &a.id == action_id);
    json!({
        "id": id,
        "trigger_id": trigger,
        "display_name": display,
        "action": {"id": action_id, "name": action.map(|a| a.name.clone()), "supported_triggers": action.map(|a| a.supported_triggers.clone())},
        "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-01T00:00:00.000Z",
    })
}

fn get_bindings(state: &State, trigger: &str, request: &Request) -> Answer {
    if !TRIGGERS.contains(&trigger) {
        return Answer::error(404, &format!("The trigger {trigger} does not exist"));
    }
    let page: usize = request.query.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let per_page: usize = request.query.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(20).clamp(1, 50);
    let empty = Vec::new();
    let all: Vec<Value> = state.bindings.get(trigger).unwrap_or(&empty).iter().map(|b| binding_view(state, trigger, b)).collect();
    let slice: Vec<Value> = all.iter().skip(page * per_page).take(per_page).cloned().collect();
    Answer::json(200, json!({"bindings": slice, "total": all.len(), "page": page, "per_page": per_page}))
}

/// As Auth0: an Action bound to any trigger cannot be deleted (409) unless `force=true`.
fn delete_action(state: &mut State, id: &str, request: &Request) -> Answer {
    let Some(at) = state.actions.iter().position(|a| a.id == id) else {
        return Answer::error(404, &format!("The action {id} does not exist"));
    };
    let bound = state.bindings.values().flatten().any(|(_, action, _)| action == id);
    let force = request.query.get("force").is_some_and(|v| v == "true");
    if bound && !force {
        return Answer::error(409, "unable to delete an action bound to a trigger: remove its bindings first");
    }
    state.bindings.values_mut().for_each(|list| list.retain(|(_, action, _)| action != id));
    state.actions.remove(at);
    Answer::json(204, Value::Null)
}

/// Runs the Action's current code on the posted event in a real Node child process, with its
/// secrets, and answers in the configured shape.
fn test_action(state: &mut State, id: &str, body: &Value) -> Answer {
    let Some(action) = state.actions.iter().find(|a| a.id == id) else {
        return Answer::error(404, &format!("The action {id} does not exist"));
    };
    let Some(event) = body.pointer("/payload/event") else {
        return Answer::error(400, "Payload validation error: 'Missing required property: payload.event'");
    };
    let stats = json!({"action_duration_ms": 0, "boot_duration_ms": 0, "network_duration_ms": 0});
    if state.test_answer == TestAnswer::Error {
        let error = json!({"message": "Cannot find module 'auth0'", "name": "Error", "stack": "Error: Cannot find module 'auth0'\n    at /data/code.js:1:1"});
        return Answer::json(200, json!({"payload": {"error": error, "stats": stats}}));
    }
    let secrets: serde_json::Map<String, Value> = action.secrets.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let trigger = action.supported_triggers.pointer("/0/id").cloned().unwrap_or_else(|| json!(POST_LOGIN));
    let input = json!({"code": action.code, "trigger": trigger, "event": event, "secrets": secrets});
    let ran = std::process::Command::new("node")
        .arg(RUN_ACTION_JS)
        .env("TZ", "UTC")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(input.to_string().as_bytes())?;
            }
            child.wait_with_output()
        });
    let output = match ran {
        Ok(output) if output.status.success() => output.stdout,
        Ok(output) => return Answer::error(500, &format!("the mock's node run failed: {}", String::from_utf8_lossy(&output.stderr).lines().next().unwrap_or_default())),
        Err(error) => return Answer::error(500, &format!("the mock cannot run node ({error}); install Node.js")),
    };
    let ran: Value = serde_json::from_slice(&output).unwrap_or(Value::Null);
    let stats = json!({"action_duration_ms": ran["duration_ms"], "boot_duration_ms": 0, "network_duration_ms": 0});
    if !ran["error"].is_null() {
        return Answer::json(200, json!({"payload": {"error": ran["error"], "stats": stats}}));
    }
    let logs = ran["logs"].as_array().map(|lines| lines.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n")).unwrap_or_default();
    let mut payload = json!({"logs": logs, "stats": stats});
    if state.test_answer == TestAnswer::WithCalls {
        payload["commands"] = ran["calls"].clone();
    }
    Answer::json(200, json!({"payload": payload}))
}

fn patch_bindings(state: &mut State, trigger: &str, body: &Value) -> Answer {
    if !TRIGGERS.contains(&trigger) {
        return Answer::error(404, &format!("The trigger {trigger} does not exist"));
    }
    let Some(list) = body.get("bindings").and_then(Value::as_array) else {
        return Answer::error(400, "Payload validation error: 'Missing required property: bindings'");
    };
    let mut next = Vec::new();
    for item in list {
        let kind = item.pointer("/ref/type").and_then(Value::as_str).unwrap_or_default();
        let value = item.pointer("/ref/value").and_then(Value::as_str).unwrap_or_default();
        let action = state.actions.iter().find(|a| match kind {
            "action_id" => a.id == value,
            "action_name" => a.name == value,
            _ => false,
        });
        let Some(action) = action else { return Answer::error(404, &format!("The action {value} does not exist")) };
        if action.deployed_version.is_none() {
            return Answer::error(400, &format!("The action {} has no deployed version", action.name));
        }
        let supports = action.supported_triggers.as_array().is_some_and(|list| list.iter().any(|t| t["id"] == trigger));
        if !supports {
            return Answer::error(400, &format!("The action {} does not support the trigger {trigger}", action.name));
        }
        let display = item.get("display_name").and_then(Value::as_str).unwrap_or(&action.name).to_owned();
        // An action bound before keeps its binding id.
        let binding_id = state.bindings.get(trigger).and_then(|flow| flow.iter().find(|(_, a, _)| *a == action.id)).map(|(b, _, _)| b.clone());
        next.push((binding_id, action.id.clone(), display));
    }
    let mut bindings = Vec::new();
    for (binding_id, action_id, display) in next {
        let binding_id = binding_id.unwrap_or_else(|| {
            state.next_id += 1;
            format!("bnd_{}", state.next_id)
        });
        bindings.push((binding_id, action_id, display));
    }
    let views: Vec<Value> = bindings.iter().map(|b| binding_view(state, trigger, b)).collect();
    state.bindings.insert(trigger.to_owned(), bindings);
    Answer::json(200, json!({"bindings": views}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding() {
        assert_eq!(decode("a%20b+c"), "a b c");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%4"), "%4");
    }
}
