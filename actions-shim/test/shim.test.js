'use strict';
// The shim itself: what crosses into the module, what happens when loading fails or an input
// is refused, that nothing throws, and that one warm instance serves many logins in flat memory.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const zlib = require('node:zlib');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');

const { ACTIONS, TESTING, bundlePath, fakeApi, loadBundle, manifestOf } = require('./harness');

async function logsOf(fn) {
  const lines = [];
  const original = console.log;
  console.log = (...args) => lines.push(args.join(' '));
  try {
    await fn();
  } finally {
    console.log = original;
  }
  return lines;
}

const NEW_USER = { user: { user_id: 'auth0|1', app_metadata: {} }, stats: { logins_count: 3 }, request: { ip: '192.0.2.1' } };

test('only the decision\'s paths and secrets cross into the module, never the client secret', async () => {
  const seen = [];
  const Real = WebAssembly.Instance;
  WebAssembly.Instance = function Instance(module, imports) {
    const real = new Real(module, imports);
    const exports = { ...real.exports };
    for (const name of Object.keys(real.exports).filter((key) => key.startsWith('auth0_action:'))) {
      exports[name] = (handler, ptr, len, answersPtr, answersLen, now) => {
        seen.push({ name, input: Buffer.from(real.exports.memory.buffer, ptr, len).toString(), now });
        return real.exports[name](handler, ptr, len, answersPtr, answersLen, now);
      };
    }
    return { exports };
  };
  try {
    const event = {
      user: { user_id: 'auth0|1', email: 'a@example.com', user_metadata: { big: 'x'.repeat(100_000) }, app_metadata: { plan: [1, 2] } },
      organization: { id: 'org_1', name: 'acme', metadata: { other: 'y' } },
      stats: { logins_count: 2 },
      request: { ip: '192.0.2.1' },
      client: { client_id: 'c' },
      secrets: { ROLE_ID: 'rol_1', TRIAL_DAYS: '7', domain: 'd.example', clientId: 'id', clientSecret: 'shh-secret' },
    };
    await logsOf(async () => {
      for (const name of ['Manage_Subscription', 'Set_Default_Member_Role']) await loadBundle(name).onExecutePostLogin(structuredClone(event), fakeApi([]));
    });
  } finally {
    WebAssembly.Instance = Real;
  }
  assert.deepEqual(seen.map((s) => s.name), ['auth0_action:Manage_Subscription', 'auth0_action:Set_Default_Member_Role']);
  assert.equal(seen[0].input, '{"user":{"app_metadata":{}},"organization":{"id":"org_1","metadata":{}},"secrets":{"TRIAL_DAYS":"7"}}');
  assert.equal(seen[1].input, '{"organization":{"id":"org_1"},"stats":{"logins_count":2},"user":{"user_id":"auth0|1"},"secrets":{"ROLE_ID":"rol_1"}}');
  for (const { now } of seen) assert.ok(Math.abs(now - Date.now()) < 60_000);
});

test('without WebAssembly: every login logs one line and proceeds', async () => {
  const saved = globalThis.WebAssembly;
  let bundle;
  globalThis.WebAssembly = undefined;
  try {
    bundle = loadBundle('Manage_Subscription');
  } finally {
    globalThis.WebAssembly = saved;
  }
  const record = [];
  for (let i = 0; i < 2; i++) {
    const lines = await logsOf(() => bundle.onExecutePostLogin(structuredClone(NEW_USER), fakeApi(record)));
    assert.deepEqual(lines, ['Manage_Subscription [shim]: not run, login proceeds: the module could not be loaded (WebAssembly is not available here)']);
  }
  assert.deepEqual(record, []);
});

test('a damaged bundle: one line per login, and the login proceeds', async () => {
  const code = fs.readFileSync(bundlePath('Manage_Subscription'), 'utf8');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-test-'));
  try {
    const cases = {
      'not base64': code.replace(/\nconst MODULE = '(.{8})/, "\nconst MODULE = '~~~~~~~~"),
      'not brotli': code.replace(/\nconst MODULE = '(.{50})/, "\nconst MODULE = '" + '0'.repeat(50)),
      // Decodes, but is no module: the compile, in the background, fails.
      'not a module': code.replace(/\nconst MODULE = '[^']*'/, () => `\nconst MODULE = '${zlib.brotliCompressSync(Buffer.from('\0asm not a module')).toString('base64')}'`),
    };
    for (const [what, text] of Object.entries(cases)) {
      const file = path.join(dir, `${what.replace(' ', '-')}.js`);
      fs.writeFileSync(file, text);
      const bundle = require(file);
      const lines = await logsOf(() => bundle.onExecutePostLogin(structuredClone(NEW_USER), fakeApi([])));
      assert.equal(lines.length, 1, what);
      assert.match(lines[0], /^Manage_Subscription \[shim\]: not run, login proceeds: the module could not be loaded \(.+\)$/, what);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an input the module refuses is logged with its code, and the login proceeds', async () => {
  const bundle = loadBundle('Manage_Subscription');
  const real = Date.now;
  Date.now = () => NaN;
  let lines;
  try {
    lines = await logsOf(() => bundle.onExecutePostLogin(structuredClone(NEW_USER), fakeApi([])));
  } finally {
    Date.now = real;
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^Manage_Subscription \[shim\]: not run, login proceeds: module refused the event \(bad_now\): expected now as/);
});

test('nothing throws: odd events, a missing api, an api that throws', async () => {
  const throwing = { user: { setAppMetadata() { throw new Error('boom with ROLE-SECRET-VALUE'); } }, idToken: {} };
  const odd = [
    [null, fakeApi([])],
    [undefined, fakeApi([])],
    [{ user: { user_id: 1n } }, fakeApi([])],
    [structuredClone(NEW_USER), undefined],
    [structuredClone(NEW_USER), {}],
    [{ ...structuredClone(NEW_USER), secrets: { CLAIM_NAME: 'x', other: 'ROLE-SECRET-VALUE' } }, throwing],
  ];
  for (const name of ACTIONS) {
    const bundle = loadBundle(name);
    const handlers = bundle[TESTING].action.handlers;
    for (const [event, api] of odd) {
      const lines = await logsOf(async () => {
        for (const handler of handlers) await bundle[handler](event, api);
      });
      for (const line of lines) {
        assert.ok(line.length <= 256, line);
        assert.ok(!line.includes('ROLE-SECRET-VALUE'), line);
      }
    }
  }
  // And the instance still works afterwards.
  const record = [];
  await logsOf(() => loadBundle('Manage_Subscription').onExecutePostLogin(structuredClone(NEW_USER), fakeApi(record)));
  assert.equal(record.length, 2);
});

test('one warm instance serves 10,000 logins in flat memory', async () => {
  const bundle = loadBundle('Manage_Subscription');
  const hook = bundle[TESTING];
  const big = { ...structuredClone(NEW_USER), user: { user_id: 'auth0|1', app_metadata: { blob: 'x'.repeat(30_000), subscription: 'team;2030-01-01T00:00:00.000Z;active' } } };
  let baseline = 0;
  const lines = await logsOf(async () => {
    for (let i = 0; i < 10_000; i++) {
      await bundle.onExecutePostLogin(i % 10 === 0 ? big : NEW_USER, fakeApi([]));
      if (i === 99) baseline = hook.memoryBytes();
    }
  });
  assert.deepEqual(lines, []);
  assert.ok(baseline > 0);
  assert.equal(hook.memoryBytes(), baseline, `memory grew from ${baseline} to ${hook.memoryBytes()} bytes`);
});

test('one warm instance serves 5,000 redirects, each asking for an answer and run again, in flat memory', async () => {
  const bundle = loadBundle('Progressive_Profile');
  const hook = bundle[TESTING];
  const event = {
    user: { user_id: 'auth0|1', email: 'a@example.com', user_metadata: {} },
    stats: { logins_count: 3 },
    transaction: { protocol: 'oidc-basic-profile' },
    request: { query: {} },
    secrets: { PROFILE_URL: 'https://profile.example/form', PROFILE_SECRET: 'k3y-for-the-form' },
  };
  let baseline = 0;
  const lines = await logsOf(async () => {
    for (let i = 0; i < 5_000; i++) {
      const record = [];
      await bundle.onExecutePostLogin(event, fakeApi(record, new Map(), [{ api: 'redirect.encodeToken', returns: `tok${i}` }]));
      assert.equal(record.length, 2, 'encodeToken, then sendUserTo: each call made once');
      if (i === 99) baseline = hook.memoryBytes();
    }
  });
  assert.deepEqual(lines, []);
  assert.ok(baseline > 0);
  assert.equal(hook.memoryBytes(), baseline, `memory grew from ${baseline} to ${hook.memoryBytes()} bytes`);
});

test('the test hook is not enumerable: Auth0 sees the trigger\'s handlers, and nothing else', () => {
  for (const name of ACTIONS) {
    const bundle = loadBundle(name);
    const { trigger, handlers } = bundle[TESTING].action;
    assert.deepEqual(Object.keys(bundle), handlers, name);
    for (const handler of handlers) assert.equal(typeof bundle[handler], 'function');
    assert.equal(manifestOf(name).supported_triggers[0].id, trigger);
  }
});

test('the bundle inlines the module the manifest names', () => {
  for (const name of ACTIONS) {
    const manifest = manifestOf(name);
    const code = fs.readFileSync(bundlePath(name));
    assert.equal(manifest.name, name);
    assert.equal(manifest.code_bytes, code.length);
    assert.equal(manifest.code_sha256, require('node:crypto').createHash('sha256').update(code).digest('hex'));
    assert.equal(loadBundle(name)[TESTING].moduleSha256, manifest.module_sha256);
    assert.ok(code.length <= 100_000, `${name}: ${code.length} bytes`);
  }
});
