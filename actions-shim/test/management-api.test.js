'use strict';
// The Management API effect against a real HTTP server on 127.0.0.1, reached through the
// shim's test-only hook (production always uses https://{domain}). In every case the login
// proceeds (nothing throws), the shim logs exactly one line, no secret and no token appear in
// any line, and the number of requests is what the policy says. No case depends on timing:
// waits are 0 or 1 ms, and the only timeout is a server that never answers.

const assert = require('node:assert/strict');
const { after, before, beforeEach, test } = require('node:test');

const { TESTING, TOKEN, fakeApi, loadBundle, startTenant } = require('./harness');

const SECRETS = { ROLE_ID: 'rol_member', domain: 'tenant.example.test', clientId: 'client-id-42', clientSecret: 'client-secret-never-logged' };
const ROLES_PATH = '/api/v2/organizations/org_1/members/auth0%7C1/roles';
const EVENT = {
  user: { user_id: 'auth0|1', app_metadata: {} },
  organization: { id: 'org_1', name: 'acme', metadata: {} },
  stats: { logins_count: 1 },
  secrets: SECRETS,
};

const tokenOk = { status: 200, body: { access_token: TOKEN, token_type: 'Bearer', expires_in: 86400 } };

let bundle;
let tenant;
before(async () => {
  bundle = loadBundle('Set_Default_Member_Role');
  tenant = await startTenant();
});
after(() => tenant.close());
beforeEach(() => {
  tenant.requests = [];
});

// One login with the test policy; `answers` maps a path to the replies given in turn (the
// last one repeats).
function login(answers, { cache = new Map() } = {}) {
  return loginWith({}, answers, cache);
}

async function loginWith(policy, answers, cache = new Map()) {
  const given = {};
  tenant.answer = (request) => {
    const list = answers[request.path] || [{ status: 404 }];
    const i = Math.min(given[request.path] || 0, list.length - 1);
    given[request.path] = (given[request.path] || 0) + 1;
    return list[i];
  };
  const record = [];
  const lines = [];
  const original = console.log;
  console.log = (...args) => lines.push(args.join(' '));
  try {
    bundle[TESTING].configure({ baseUrl: tenant.baseUrl, timeoutMs: 2000, budgetMs: 5000, retries: 2, backoffMs: 1, ...policy });
    await bundle.onExecutePostLogin(structuredClone(EVENT), fakeApi(record, cache));
  } finally {
    console.log = original;
  }
  return checked({ record, lines });
}

// What every case must satisfy; returns the shim's one line.
function checked({ lines }) {
  assert.equal(lines.length, 1, `expected one log line, found ${JSON.stringify(lines)}`);
  const [line] = lines;
  assert.ok(line.startsWith('Set_Default_Member_Role [shim]: Management API '), line);
  assert.ok(line.length <= 256, line);
  for (const secret of [SECRETS.clientSecret, TOKEN]) assert.ok(!line.includes(secret), line);
  return line;
}

test('success: a token, then the roles request with it', async () => {
  const cache = new Map();
  const line = await login({ '/oauth/token': [tokenOk], [ROLES_PATH]: [{ status: 204 }] }, { cache });
  assert.match(line, /done: POST HTTP 204 \(2 request\(s\)\), new token$/);
  const [token, roles] = tenant.requests;
  assert.deepEqual(token.body, {
    grant_type: 'client_credentials',
    client_id: 'client-id-42',
    client_secret: 'client-secret-never-logged',
    audience: 'https://tenant.example.test/api/v2/',
  });
  assert.equal(roles.method, 'POST');
  assert.equal(roles.path, ROLES_PATH);
  assert.equal(roles.headers.authorization, `Bearer ${TOKEN}`);
  assert.deepEqual(roles.body, { roles: ['rol_member'] });
  // Cached within api.cache's limits: key ≤ 64 bytes, value ≤ 4 KB, expiring before the token.
  const [[key, entry]] = [...cache];
  assert.ok(Buffer.byteLength(key) <= 64);
  assert.equal(entry.value, TOKEN);
  assert.ok(entry.expires_at < Date.now() + 86400 * 1000 && entry.expires_at > Date.now());
});

test('a cached token is reused on the next login: no token request', async () => {
  const cache = new Map();
  const answers = { '/oauth/token': [tokenOk], [ROLES_PATH]: [{ status: 204 }] };
  await login(answers, { cache });
  tenant.requests = [];
  const line = await login(answers, { cache });
  assert.match(line, /done: POST HTTP 204 \(1 request\(s\)\), cached token$/);
  assert.equal(tenant.count('/oauth/token'), 0);
  assert.equal(tenant.count(ROLES_PATH), 1);
});

test('a cached token that is refused (401) is dropped and replaced, once', async () => {
  const cache = new Map();
  await login({ '/oauth/token': [tokenOk], [ROLES_PATH]: [{ status: 204 }] }, { cache });
  tenant.requests = [];
  const line = await login({ '/oauth/token': [tokenOk], [ROLES_PATH]: [{ status: 401 }, { status: 204 }] }, { cache });
  assert.match(line, /done: POST HTTP 204 \(3 request\(s\)\), cached token refused, new token$/);
  assert.deepEqual(tenant.requests.map((r) => r.path), [ROLES_PATH, '/oauth/token', ROLES_PATH]);
});

test('429 with Retry-After, then success: retried after the wait it names', async () => {
  const line = await login({
    '/oauth/token': [tokenOk],
    [ROLES_PATH]: [{ status: 429, headers: { 'retry-after': '0' } }, { status: 204 }],
  });
  assert.match(line, /done: POST HTTP 204 \(3 request\(s\)\), new token$/);
  assert.equal(tenant.count(ROLES_PATH), 2);
});

test('429 with x-ratelimit-reset in the past, then success', async () => {
  const reset = String(Math.floor(Date.now() / 1000) - 1);
  const line = await login({
    '/oauth/token': [tokenOk],
    [ROLES_PATH]: [{ status: 429, headers: { 'x-ratelimit-reset': reset } }, { status: 204 }],
  });
  assert.match(line, /done: POST HTTP 204/);
  assert.equal(tenant.count(ROLES_PATH), 2);
});

test('a 429 whose Retry-After passes the time budget is not waited for', async () => {
  const line = await loginWith({ budgetMs: 5000 }, {
    '/oauth/token': [tokenOk],
    [ROLES_PATH]: [{ status: 429, headers: { 'retry-after': '60' } }],
  });
  assert.match(line, /failed: POST HTTP 429, next try would pass the time budget \(2 request\(s\)\), new token$/);
  assert.equal(tenant.count(ROLES_PATH), 1);
});

test('5xx on every try: retried the policy\'s number of times, then given up', async () => {
  const line = await loginWith({ retries: 3 }, { '/oauth/token': [tokenOk], [ROLES_PATH]: [{ status: 503 }] });
  assert.match(line, /failed: POST HTTP 503, retries used up \(5 request\(s\)\), new token$/);
  assert.equal(tenant.count(ROLES_PATH), 4);
});

test('5xx until the time budget runs out: no try starts after it', async () => {
  // Each wait (backoff 400 ms, then 800 ms) is checked against a 1 s budget before sleeping.
  const line = await loginWith({ retries: 10, backoffMs: 400, budgetMs: 1000 }, { '/oauth/token': [tokenOk], [ROLES_PATH]: [{ status: 500 }] });
  assert.match(line, /failed: POST HTTP 500, next try would pass the time budget/);
  assert.ok(tenant.count(ROLES_PATH) >= 1 && tenant.count(ROLES_PATH) <= 2, `${tenant.count(ROLES_PATH)} requests`);
});

test('a hanging server: the per-request timeout fires, no retry', async () => {
  const line = await loginWith({ timeoutMs: 200 }, { '/oauth/token': [tokenOk], [ROLES_PATH]: ['hang'] });
  assert.match(line, /failed: POST timed out after 200 ms \(2 request\(s\)\), new token$/);
  assert.equal(tenant.count(ROLES_PATH), 1);
});

test('401 on the token request: not retried, no roles request', async () => {
  const line = await login({
    '/oauth/token': [{ status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } }],
  });
  assert.match(line, /failed: token request HTTP 401 access_denied \(1 request\(s\)\)$/);
  assert.equal(tenant.count(ROLES_PATH), 0);
});

test('a token answer that is not JSON', async () => {
  const line = await login({ '/oauth/token': [{ status: 200, body: '{"access_token": "abc' }] });
  assert.match(line, /failed: token answer is not JSON with an access_token \(1 request\(s\)\)$/);
  assert.equal(tenant.count(ROLES_PATH), 0);
});

test('403 on the roles request (missing scope): not retried, the error code is named', async () => {
  const line = await login({
    '/oauth/token': [tokenOk],
    [ROLES_PATH]: [{ status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope', errorCode: 'insufficient_scope' } }],
  });
  assert.match(line, /failed: POST HTTP 403 insufficient_scope \(2 request\(s\)\), new token$/);
  assert.equal(tenant.count(ROLES_PATH), 1);
});

test('missing M2M secrets: nothing is sent, the line says which to set', async () => {
  const lines = [];
  const original = console.log;
  console.log = (line) => lines.push(line);
  try {
    const event = structuredClone(EVENT);
    delete event.secrets.clientSecret;
    await bundle.onExecutePostLogin(event, fakeApi([]));
  } finally {
    console.log = original;
  }
  assert.deepEqual(lines, ['Set_Default_Member_Role [shim]: Management API not sent: set the secrets domain, clientId, clientSecret']);
  assert.equal(tenant.requests.length, 0);
});
