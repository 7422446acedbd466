'use strict';
// Every flow fixture of test-events/flows/ through the bundles, as Auth0 runs a post-login
// flow: the Actions in order, each seeing the metadata earlier ones set, `api.access.deny`
// ending the flow, claims collected per token. Stubs (`{name, effects}`) stand in for other
// Actions. The same `expect` (steps) and `expect_final` the runner's flow replay checks.

const assert = require('node:assert/strict');
const { after, before, test } = require('node:test');

const { DUMMY_SECRETS, fixtureEvent, fixtures, loadBundle, runBundle, startTenant } = require('./harness');

let tenant;
before(async () => {
  tenant = await startTenant();
});
after(() => tenant.close());

function setKey(metadata, key, value) {
  const object = metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? metadata : {};
  if (value === null) delete object[key];
  else object[key] = structuredClone(value);
  return object;
}

async function runFlow(fixture) {
  const event = fixtureEvent(fixture);
  if (fixture.flow.includes('Set_Default_Member_Role')) event.secrets = { ...DUMMY_SECRETS, ...(event.secrets || {}) };
  const nowMs = fixture.now === undefined ? undefined : Date.parse(fixture.now);
  const user = event.user;
  const userIsObject = user !== null && typeof user === 'object' && !Array.isArray(user);
  const metadata = (key) => (userIsObject && user[key] !== undefined ? structuredClone(user[key]) : {});
  const state = { app_metadata: metadata('app_metadata'), user_metadata: metadata('user_metadata'), id_token_claims: {}, access_token_claims: {} };
  const steps = [];
  for (const entry of fixture.flow) {
    const name = typeof entry === 'string' ? entry : entry.name;
    const effects = typeof entry === 'string' ? (await runBundle(loadBundle(name), structuredClone(event), { nowMs, tenant })).record : entry.effects;
    steps.push({ action: name, effects });
    let changed = false;
    for (const effect of effects) {
      const [key, value] = effect.args || [];
      if (effect.api === 'user.setAppMetadata') [state.app_metadata, changed] = [setKey(state.app_metadata, key, value), true];
      if (effect.api === 'user.setUserMetadata') [state.user_metadata, changed] = [setKey(state.user_metadata, key, value), true];
      if (effect.api === 'idToken.setCustomClaim') state.id_token_claims[key] = value;
      if (effect.api === 'accessToken.setCustomClaim') state.access_token_claims[key] = value;
      if (effect.api === 'access.deny' && state.denied === undefined) state.denied = key;
    }
    if (state.denied !== undefined) break;
    if (changed && userIsObject) {
      event.user.app_metadata = structuredClone(state.app_metadata);
      event.user.user_metadata = structuredClone(state.user_metadata);
    }
  }
  return { steps, final: state };
}

const flows = fixtures('flow');

test('test-events/ holds flow fixtures', () => {
  assert.ok(flows.length > 0, 'expected flow fixtures (*.json with "flow") under test-events/, found none');
});

for (const { file, fixture } of flows) {
  test(`${file}: ${fixture.description || ''}`, async () => {
    const { steps, final } = await runFlow(fixture);
    assert.deepEqual(steps, fixture.expect);
    if (fixture.expect_final !== undefined) assert.deepEqual(final, fixture.expect_final);
  });
}
