'use strict';
// Benchmarks of the bundles in Node, side by side with the reference port of the seed's
// JavaScript (test/seed-reference.js), in one run:
//   TZ=UTC node actions-shim/bench.js [calls]      (after `cargo xtask build`)
// - per login: the median of `calls` (default 100,000) timed calls of onExecutePostLogin,
//   after 10,000 warm-up calls, with a no-op `api`;
// - cold start: `require` of each code.js and its first call, each in a fresh process
//   (median of 21);
// - sizes of the files.
// Set_Default_Member_Role is timed on a login that is not the member's first (the decision
// only): on a first login the time is the Management API's round trips, not the code's.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const seed = require('./test/seed-reference');
const calls = Number(process.argv[2] || 100_000);
const NOW = Date.parse('2024-09-16T23:58:28.392Z');

const noop = () => {};
const api = { user: { setAppMetadata: noop, setUserMetadata: noop }, idToken: { setCustomClaim: noop }, accessToken: { setCustomClaim: noop }, access: { deny: noop }, cache: { get: noop, set: noop, delete: noop } };
class ManagementClient {
  constructor() {
    this.organizations = { addMemberRoles: async () => {} };
  }
}

const user = (app_metadata) => ({ user_id: 'auth0|6650f3c2a1b2c3d4e5f60718', email: 'jane.doe@example.com', app_metadata, user_metadata: {} });
const CASES = [
  {
    action: 'Manage_Subscription',
    what: 'existing subscription',
    event: { user: user({ subscription: 'team;2025-01-01T00:00:00.000Z;active' }), stats: { logins_count: 7 }, secrets: {} },
    seed: (event) => seed.manageSubscription(event, api, { now: NOW }),
  },
  {
    action: 'Manage_Subscription',
    what: 'new user, trial',
    event: { user: user({}), stats: { logins_count: 1 }, secrets: {} },
    seed: (event) => seed.manageSubscription(event, api, { now: NOW }),
  },
  {
    action: 'Set_Default_Member_Role',
    what: 'in an organization, not the first login',
    event: { user: user({}), organization: { id: 'org_1', name: 'acme', metadata: {} }, stats: { logins_count: 4 }, secrets: { ROLE_ID: 'rol_1', domain: 'd', clientId: 'c', clientSecret: 's' } },
    seed: (event) => seed.setDefaultMemberRole(event, api, { ManagementClient }),
  },
];

async function median(fn, event) {
  for (let i = 0; i < 10_000; i++) await fn(event);
  const times = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await fn(event);
    times[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  times.sort();
  return times[Math.floor(calls / 2)];
}

function coldStart(file) {
  const script = `
    const t0 = process.hrtime.bigint();
    const m = require(${JSON.stringify(file)});
    const t1 = process.hrtime.bigint();
    const noop = () => {};
    const api = { user: { setAppMetadata: noop }, idToken: { setCustomClaim: noop } };
    m.onExecutePostLogin({ user: { user_id: 'u', app_metadata: {} }, stats: { logins_count: 2 }, secrets: {} }, api).then(() => {
      const t2 = process.hrtime.bigint();
      console.log(JSON.stringify([Number(t1 - t0) / 1e6, Number(t2 - t1) / 1e6]));
    });`;
  const runs = [];
  for (let i = 0; i < 21; i++) runs.push(JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, TZ: 'UTC' } })));
  const mid = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { require: mid(runs.map((r) => r[0])), first: mid(runs.map((r) => r[1])) };
}

(async () => {
  console.log(`Node ${process.version}, ${calls} calls per row, median`);
  console.log('| Action | login | bundle (µs/call) | seed JavaScript (µs/call) |');
  console.log('|---|---|---|---|');
  const realLog = console.log;
  for (const c of CASES) {
    const bundle = require(path.join(ROOT, 'dist', c.action, 'code.js'));
    const realNow = Date.now;
    Date.now = () => NOW;
    console.log = noop;
    const ours = await median((event) => bundle.onExecutePostLogin(event, api), c.event);
    const theirs = await median(c.seed, c.event);
    console.log = realLog;
    Date.now = realNow;
    console.log(`| ${c.action} | ${c.what} | ${ours.toFixed(2)} | ${theirs.toFixed(2)} |`);
  }
  console.log('');
  console.log('| file | bytes | require (ms) | first call (ms) |');
  console.log('|---|---|---|---|');
  for (const action of ['Manage_Subscription', 'Set_Default_Member_Role']) {
    const file = path.join(ROOT, 'dist', action, 'code.js');
    const { require: req, first } = coldStart(file);
    console.log(`| dist/${action}/code.js | ${fs.statSync(file).size} | ${req.toFixed(2)} | ${first.toFixed(2)} |`);
  }
})();
