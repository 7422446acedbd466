'use strict';
// Benchmarks of the bundles in Node, side by side with the reference port of the seed's
// JavaScript (test/seed-reference.js), in one process, on the same events:
//   TZ=UTC node actions-shim/bench.js [calls]      (after `cargo xtask build`)
// - per login: `rounds` interleaved rounds (bundle, then seed, then bundle, ...) of `calls`
//   (default 20,000) timed calls each, after 10,000 warm-up calls of both, with a no-op `api`;
//   the median over every timed call of each;
// - the events are whole post-login events as Auth0 sends them (identities, metadata,
//   request, client, ...): fixtures of test-events/, one of them a user with 78 KB of
//   app_metadata beside `subscription`;
// - cold start: `require` of each code.js and its first call, each in a fresh process
//   (median of 21); sizes of the files.
// Set_Default_Member_Role is timed on a login that is not the member's first (the decision
// only): on a first login the time is the Management API's round trips, not the code's.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const seed = require('./test/seed-reference');
const calls = Number(process.argv[2] || 20_000);
const rounds = 5;
const NOW = Date.parse('2024-09-16T23:58:28.392Z');

const noop = () => {};
const api = { user: { setAppMetadata: noop, setUserMetadata: noop }, idToken: { setCustomClaim: noop }, accessToken: { setCustomClaim: noop }, access: { deny: noop }, cache: { get: noop, set: noop, delete: noop } };
class ManagementClient {
  constructor() {
    this.organizations = { addMemberRoles: async () => {} };
  }
}

// A fixture's event with its secrets merged, as the tests build it.
function eventOf(file) {
  const fixture = JSON.parse(fs.readFileSync(path.join(ROOT, 'test-events', file), 'utf8'));
  return { ...fixture.event, secrets: { ...(fixture.event.secrets || {}), ...(fixture.secrets || {}) } };
}

const manage = (event) => seed.manageSubscription(event, api, { now: NOW });
const role = (event) => seed.setDefaultMemberRole(event, api, { ManagementClient });
const CASES = [
  { action: 'Manage_Subscription', what: 'existing subscription', event: eventOf('manage-subscription/personal-trial-plan-active.json'), seed: manage },
  { action: 'Manage_Subscription', what: 'user with 78 KB of app_metadata beside subscription', event: eventOf('manage-subscription/unrelated-app-metadata-78kb-beside-subscription.json'), seed: manage },
  { action: 'Manage_Subscription', what: 'new user, trial', event: eventOf('manage-subscription/new-user-one-day-trial.json'), seed: manage },
  { action: 'Manage_Subscription', what: 'in an organization', event: eventOf('manage-subscription/organization-team-plan.json'), seed: manage },
  { action: 'Set_Default_Member_Role', what: 'in an organization, not the first login', event: eventOf('set-default-member-role/second-login.json'), seed: role },
];

async function timed(fn, event, times, at) {
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await fn(event);
    times[at + i] = Number(process.hrtime.bigint() - start) / 1000;
  }
}

function median(times) {
  const sorted = Float64Array.from(times).sort();
  return sorted[Math.floor(sorted.length / 2)];
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
  console.log(`Node ${process.version}, ${rounds} interleaved rounds of ${calls} calls per row, median of all timed calls`);
  console.log('| Action | login | bundle (µs/call) | seed JavaScript (µs/call) | ratio |');
  console.log('|---|---|---|---|---|');
  const realLog = console.log;
  const realNow = Date.now;
  for (const c of CASES) {
    const bundle = require(path.join(ROOT, 'dist', c.action, 'code.js'));
    const ours = (event) => bundle.onExecutePostLogin(event, api);
    Date.now = () => NOW;
    console.log = noop;
    for (let i = 0; i < 10_000; i++) {
      await ours(c.event);
      await c.seed(c.event);
    }
    const mine = new Float64Array(calls * rounds);
    const theirs = new Float64Array(calls * rounds);
    for (let round = 0; round < rounds; round++) {
      await timed(ours, c.event, mine, round * calls);
      await timed(c.seed, c.event, theirs, round * calls);
    }
    console.log = realLog;
    Date.now = realNow;
    const [a, b] = [median(mine), median(theirs)];
    console.log(`| ${c.action} | ${c.what} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(a / b).toFixed(1)}× |`);
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
