'use strict';
// Every flow fixture of test-events/ through the bundles, as Auth0 runs a flow: the Actions in
// order, each seeing the metadata earlier ones set (and the transaction's metadata),
// `api.access.deny` (or `api.validation.error`, `api.session.revoke`) ending the flow, claims
// collected per token, a redirect pausing the flow and its `continue` resuming it with the
// same Action's onContinuePostLogin. Stubs (`{name, effects}`) stand in for other Actions. The
// same `expect` (steps) and `expect_final` the runner's flow replay checks.

const assert = require('node:assert/strict');
const { after, before, test } = require('node:test');

const { TESTING, continuationEvent, fixtureEvent, fixtures, loadBundle, manifestOf, runBundle, startTenant, withManagementSecrets } =
  require('./harness');

let tenant;
before(async () => {
  tenant = await startTenant();
});
after(() => tenant.close());

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

function setKey(metadata, key, value) {
  const object = isObject(metadata) ? metadata : {};
  if (value === null) delete object[key];
  else object[key] = structuredClone(value);
  return object;
}

async function runFlow(fixture) {
  let event = fixtureEvent(fixture);
  for (const entry of fixture.flow) if (typeof entry === 'string') withManagementSecrets(entry, event);
  const trigger = manifestOf(fixture.flow.find((entry) => typeof entry === 'string')).description.trigger.id;
  let nowMs = fixture.now === undefined ? undefined : Date.parse(fixture.now);
  const userIsObject = isObject(event.user);
  const metadata = (key) => (userIsObject && event.user[key] !== undefined ? structuredClone(event.user[key]) : {});
  const state = { app_metadata: metadata('app_metadata'), user_metadata: metadata('user_metadata'), id_token_claims: {}, access_token_claims: {} };
  let transactionMetadata = null;
  let answers = [...(fixture.answers || [])];
  const steps = [];
  // Applies one step's effects; says where it redirected, if it did.
  const apply = (effects) => {
    let changed = false;
    let redirect;
    for (const effect of effects) {
      const [key, value] = effect.args || [];
      if (effect.api === 'user.setAppMetadata') [state.app_metadata, changed] = [setKey(state.app_metadata, key, value), true];
      if (effect.api === 'user.setUserMetadata') [state.user_metadata, changed] = [setKey(state.user_metadata, key, value), true];
      if (effect.api === 'transaction.setMetadata') [transactionMetadata, changed] = [setKey(transactionMetadata || {}, key, value), true];
      if (effect.api === 'idToken.setCustomClaim') state.id_token_claims[key] = value;
      if (effect.api === 'accessToken.setCustomClaim') state.access_token_claims[key] = value;
      const refuses = ['access.deny', 'validation.error', 'session.revoke'].includes(effect.api);
      if (refuses && state.denied === undefined) {
        const one = trigger === 'post-login' && effect.api === 'access.deny';
        state.denied = one ? key : effect.args.filter((arg) => typeof arg === 'string').join(': ');
      }
      if (effect.api === 'redirect.sendUserTo') redirect = key;
      if (effect.api === 'prompt.render') redirect = `form ${key}`;
    }
    if (changed && userIsObject) {
      event.user.app_metadata = structuredClone(state.app_metadata);
      event.user.user_metadata = structuredClone(state.user_metadata);
    }
    if (changed && transactionMetadata) event.transaction = { ...(isObject(event.transaction) ? event.transaction : {}), metadata: structuredClone(transactionMetadata) };
    return redirect;
  };
  // Runs one handler of the Action `name`, with the answers it asks for from the queue.
  const run = async (name, handler) => {
    const bundle = loadBundle(name);
    const count = answers.length;
    const ran = await runBundle(bundle, structuredClone(event), { nowMs, tenant, handler, answers });
    answers = answers.slice(count - ran.api.unanswered());
    return ran.record;
  };
  let resumed = false;
  for (const entry of fixture.flow) {
    const name = typeof entry === 'string' ? entry : entry.name;
    const effects = typeof entry === 'string' ? await run(name) : entry.effects;
    steps.push({ action: name, effects });
    const redirect = apply(effects);
    if (state.denied !== undefined) break;
    if (redirect === undefined) continue;
    if (!fixture.continue || resumed) {
      state.redirect = redirect;
      break;
    }
    resumed = true;
    event = continuationEvent(event, fixture);
    if (fixture.continue.now !== undefined) nowMs = Date.parse(fixture.continue.now);
    answers = [...answers, ...(fixture.continue.answers || [])];
    if (typeof entry !== 'string') continue;
    const handler = loadBundle(name)[TESTING].action.handlers[1];
    const after = await run(name, handler);
    steps.push({ action: name, handler, effects: after });
    const again = apply(after);
    if (again !== undefined) {
      state.redirect = again;
      break;
    }
    if (state.denied !== undefined) break;
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
