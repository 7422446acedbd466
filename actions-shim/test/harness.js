'use strict';
// Shared by the shim's tests: the generated bundles, the fixtures of test-events/ read as the
// runner reads them, a recording fake `api`, captured log lines, and a local HTTP server that
// stands in for the tenant (token endpoint and Management API).
//
// One ordered list of what a login did is compared with a fixture's `expect`:
// - `{api, args}`: a call on the fake `api` (the shim's own `api.cache.*` calls are left out);
// - `{management_api: {method, path, body}}`: a request the local server received (the token
//   request `POST /oauth/token` is the shim's own and left out);
// - `{log}`: a console.log line, except the shim's own, which carry "<Action> [shim]: ".

const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const FIXTURES = path.join(ROOT, 'test-events');
const TESTING = Symbol.for('auth0-actions-rs.shim.testing');
// Every Action the build bundled, at any depth of dist/ (`runner build` writes one folder
// per Action of each crate), by name: a new Action is tested here without a change.
const FOLDERS = new Map();
(function walk(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (!entry.isDirectory()) continue;
    if (fs.existsSync(path.join(full, 'manifest.json'))) FOLDERS.set(entry.name, full);
    else walk(full);
  }
})(DIST);
const ACTIONS = [...FOLDERS.keys()];
if (ACTIONS.length === 0) throw new Error(`no bundles in ${DIST}: run \`cargo xtask build\` first`);

function bundlePath(name) {
  const folder = FOLDERS.get(name);
  if (!folder) throw new Error(`no bundle of ${name} under ${DIST}: run \`cargo xtask build\` first`);
  return path.join(folder, 'code.js');
}

// The Action as its manifest describes it: { name, trigger, handlers, secrets, management_api, ... }.
function manifestOf(name) {
  return JSON.parse(fs.readFileSync(path.join(path.dirname(bundlePath(name)), 'manifest.json'), 'utf8'));
}

// A fresh copy of a bundle, as Auth0 loads it (module-level code runs again).
function loadBundle(name) {
  const file = bundlePath(name);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`cargo xtask build\` first`);
  delete require.cache[require.resolve(file)];
  return require(file);
}

function isShimLine(line) {
  return ACTIONS.some((name) => line.startsWith(`${name} [shim]: `));
}

// Every single-Action fixture (`action` key) under test-events/, as { file, fixture };
// with `kind` 'flow', every flow fixture (`flow` key) instead.
function fixtures(kind = 'action') {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json')) {
        const fixture = JSON.parse(fs.readFileSync(full, 'utf8'));
        if (kind === 'action' ? typeof fixture.action === 'string' : Array.isArray(fixture.flow)) {
          found.push({ file: path.relative(ROOT, full), fixture });
        }
      }
    }
  };
  walk(FIXTURES);
  return found;
}

// The event as the runner builds it: the fixture's secrets merged over event.secrets.
function fixtureEvent(fixture) {
  const event = structuredClone(fixture.event);
  if (fixture.secrets && Object.keys(fixture.secrets).length > 0) {
    if (event.secrets === null || typeof event.secrets !== 'object' || Array.isArray(event.secrets)) event.secrets = {};
    Object.assign(event.secrets, fixture.secrets);
  }
  return event;
}

// The namespaces of every trigger's `api`.
const NAMESPACES = [
  'access', 'accessToken', 'authentication', 'idToken', 'multifactor', 'prompt', 'redirect', 'refreshToken', 'rules',
  'samlResponse', 'session', 'transaction', 'user', 'validation',
];

// A fake `api` whose every method call is pushed on `record` as { api: path, args }. A call
// the fixture answers (the next of `answers`, a fixture's "answers": { api, args?, returns |
// throws }) returns or throws that answer. api.cache keeps entries in a Map; its calls are
// recorded too, except the shim's own for its Management API token (keys "m2m-token:...").
function fakeApi(record, cache = new Map(), answers = []) {
  const queue = [...answers];
  const answered = (path, args) => {
    const next = queue[0];
    if (!next || next.api !== path) return { none: true };
    queue.shift();
    if (next.args !== undefined) assert.deepEqual(args, next.args, `the answer of api.${path} is for other arguments`);
    if (next.throws !== undefined) throw new Error(next.throws);
    return { value: next.returns === null ? undefined : next.returns };
  };
  const calls = (prefix) =>
    new Proxy({}, {
      get(_, method) {
        return (...args) => {
          const path = `${prefix}.${String(method)}`;
          record.push({ api: path, args: structuredClone(args) });
          const answer = answered(path, args);
          return answer.none ? undefined : answer.value;
        };
      },
    });
  const api = Object.fromEntries(NAMESPACES.map((name) => [name, calls(name)]));
  api.cache = fakeCache(cache, record, answered);
  api.unanswered = () => queue.length;
  return api;
}

function fakeCache(map, record = [], answered = () => ({ none: true })) {
  const own = (key) => String(key).startsWith('m2m-token:');
  const cache = {
    map,
    sets: [],
    get: (key) => {
      if (own(key)) return map.get(key);
      record.push({ api: 'cache.get', args: [key] });
      const answer = answered('cache.get', [key]);
      return answer.none ? map.get(key) : answer.value;
    },
    set: (key, value, options) => {
      if (!own(key)) record.push({ api: 'cache.set', args: options === undefined ? [key, value] : [key, value, options] });
      const answer = own(key) ? { none: true } : answered('cache.set', [key, value]);
      cache.sets.push({ key, value, options: options || {} });
      map.set(key, { value, expires_at: (options || {}).expires_at });
      return answer.none ? { type: 'success' } : answer.value;
    },
    delete: (key) => {
      if (!own(key)) record.push({ api: 'cache.delete', args: [key] });
      const answer = own(key) ? { none: true } : answered('cache.delete', [key]);
      map.delete(key);
      return answer.none ? { type: 'success' } : answer.value;
    },
  };
  return cache;
}

// Runs `fn` with console.log captured: every line is pushed on `lines`, and the module's
// lines (not the shim's) on `record` as { log }.
async function capturingLogs(record, lines, fn) {
  const original = console.log;
  console.log = (...args) => {
    const line = args.map(String).join(' ');
    lines.push(line);
    if (!isShimLine(line)) record.push({ log: line });
  };
  try {
    return await fn();
  } finally {
    console.log = original;
  }
}

// Runs `fn` with Date.now() answering `nowMs` on its first read (the shim reads it once, for
// the module) and the real clock moved by the same offset afterwards.
async function withNow(nowMs, fn) {
  if (nowMs === undefined) return fn();
  const real = Date.now;
  const offset = nowMs - real();
  let first = true;
  Date.now = () => {
    if (first) {
      first = false;
      return nowMs;
    }
    return real() + offset;
  };
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}

// A local stand-in for the tenant. `answer(request)` returns { status, headers, body } or
// 'hang' (never answers); every request is kept in `requests`, and the Management API ones
// also pushed on `record` while it is set.
async function startTenant(answer = defaultAnswer) {
  const tenant = { requests: [], record: null, answer };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const request = { method: req.method, path: req.url, headers: req.headers, body: body ? JSON.parse(body) : undefined };
      tenant.requests.push(request);
      if (tenant.record && req.url !== '/oauth/token') {
        const effect = { method: request.method, path: request.path };
        if (request.body !== undefined) effect.body = request.body;
        tenant.record.push({ management_api: effect });
      }
      const reply = tenant.answer(request, tenant);
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers || {}) });
      res.end(reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  tenant.baseUrl = `http://127.0.0.1:${server.address().port}`;
  tenant.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    });
  tenant.count = (p) => tenant.requests.filter((r) => r.path === p).length;
  return tenant;
}

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.test-token-never-logged.signature';

function defaultAnswer(request) {
  if (request.path === '/oauth/token') {
    return { status: 200, body: { access_token: TOKEN, token_type: 'Bearer', expires_in: 86400, scope: 'create:organization_member_roles' } };
  }
  return { status: 204 };
}

// Dummy credentials for the fixtures' Set_Default_Member_Role events, where they lack them.
const DUMMY_SECRETS = { domain: 'tenant.example.test', clientId: 'dummy-client-id', clientSecret: 'dummy-client-secret-never-logged' };

// Runs one handler of a bundle (its first by default) on one event, returning
// { record, lines, api }; `answers` are the fixture's answers for the calls that answer.
async function runBundle(bundle, event, { nowMs, api, tenant, handler, answers } = {}) {
  const record = [];
  const lines = [];
  const theApi = api ? api(record) : fakeApi(record, new Map(), answers || []);
  if (tenant) {
    tenant.record = record;
    bundle[TESTING].configure({ baseUrl: tenant.baseUrl, timeoutMs: 2000, budgetMs: 5000, retries: 2, backoffMs: 1 });
  }
  const name = handler || bundle[TESTING].action.handlers[0];
  try {
    await capturingLogs(record, lines, () => withNow(nowMs, () => bundle[name](event, theApi)));
  } finally {
    if (tenant) tenant.record = null;
  }
  return { record, lines, api: theApi };
}

// The event of a continuation: the login's, with the keys of the fixture's continue.event.
function continuationEvent(event, fixture) {
  return { ...structuredClone(event), ...structuredClone((fixture.continue && fixture.continue.event) || {}) };
}

// The M2M secrets an Action that calls the Management API needs, where the fixture lacks them.
function withManagementSecrets(name, event) {
  if (manifestOf(name).description.management_api) event.secrets = { ...DUMMY_SECRETS, ...(event.secrets || {}) };
  return event;
}

module.exports = {
  ACTIONS,
  continuationEvent,
  manifestOf,
  withManagementSecrets,
  DIST,
  DUMMY_SECRETS,
  TESTING,
  TOKEN,
  bundlePath,
  capturingLogs,
  fakeApi,
  fakeCache,
  fixtureEvent,
  fixtures,
  isShimLine,
  loadBundle,
  runBundle,
  startTenant,
  withNow,
};
