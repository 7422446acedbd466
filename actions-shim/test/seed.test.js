'use strict';
// The bundles against a reference port of the seed's two JavaScript Actions
// (seed-reference.js), on every fixture: where the seed neither throws nor is documented to
// differ (`seed_differs`), the bundle must make exactly the seed's calls; elsewhere it must
// make the fixture's documented better calls.

const assert = require('node:assert/strict');
const { after, before, test } = require('node:test');

const { fixtureEvent, fixtures, loadBundle, runBundle, startTenant, withManagementSecrets } = require('./harness');
const seed = require('./seed-reference');

// Stands in for the `auth0` SDK's ManagementClient: records what the seed asks for, as the
// Management API request the SDK would send.
function recordingManagementClient(record) {
  return class ManagementClient {
    constructor({ domain, clientId, clientSecret }) {
      assert.ok(domain && clientId && clientSecret, 'the seed reads domain, clientId, clientSecret');
      this.organizations = {
        addMemberRoles: async ({ id, user_id }, { roles }) => {
          const path = `/api/v2/organizations/${encodeURIComponent(id)}/members/${encodeURIComponent(user_id)}/roles`;
          record.push({ management_api: { method: 'POST', path, body: { roles } } });
        },
      };
    }
  };
}

// The seed's calls on `api` and the Management API, or { threw } when it throws.
async function runSeed(fixture, event, nowMs) {
  const record = [];
  const api = {
    user: { setAppMetadata: (...args) => record.push({ api: 'user.setAppMetadata', args }) },
    idToken: { setCustomClaim: (...args) => record.push({ api: 'idToken.setCustomClaim', args }) },
  };
  try {
    await SEEDS[fixture.action](event, api, { now: nowMs, ManagementClient: recordingManagementClient(record) });
  } catch (error) {
    return { threw: error };
  }
  return { record: structuredClone(record) };
}

const calls = (record) => record.filter((effect) => !effect.log);

// The Actions the seed holds, by name: only their fixtures are compared with it (the other
// Actions of the build have no seed to agree with).
const SEEDS = { Manage_Subscription: seed.manageSubscription, Set_Default_Member_Role: seed.setDefaultMemberRole };

let tenant;
before(async () => {
  tenant = await startTenant();
});
after(() => tenant.close());

const tally = { same: 0, seedThrows: 0, documented: 0 };

for (const { file, fixture } of fixtures().filter(({ fixture }) => SEEDS[fixture.action])) {
  test(`${file}: as the seed, or better where documented`, async () => {
    const nowMs = fixture.now === undefined ? Date.now() : Date.parse(fixture.now);
    const event = withManagementSecrets(fixture.action, fixtureEvent(fixture));
    const ours = await runBundle(loadBundle(fixture.action), structuredClone(event), { nowMs, tenant });
    const theirs = await runSeed(fixture, structuredClone(event), nowMs);
    tally[theirs.threw ? 'seedThrows' : fixture.seed_differs ? 'documented' : 'same']++;
    if (theirs.threw || fixture.seed_differs) {
      // Where the seed fails the login or is documented to be wrong: the fixture's behaviour.
      // (A `seed_differs` may be about log lines only: the calls can still be the seed's.)
      assert.deepEqual(ours.record, fixture.expect);
    } else {
      assert.deepEqual(calls(ours.record), theirs.record);
    }
  });
}

test('tally', (t) => {
  t.diagnostic(`same calls as the seed: ${tally.same}; seed throws: ${tally.seedThrows}; documented difference: ${tally.documented}`);
  assert.ok(tally.same > 0, 'expected some fixtures on which the seed and the bundle agree');
});
