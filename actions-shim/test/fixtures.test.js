'use strict';
// Every single-Action fixture of test-events/, replayed through the generated code.js with a
// recording fake `api` and the fixture's `now`: the same expectations the wasmtime replay
// checks (`runner replay`), read from the same files.

const assert = require('node:assert/strict');
const { after, before, test } = require('node:test');

const { continuationEvent, fixtureEvent, fixtures, loadBundle, runBundle, startTenant, withManagementSecrets } = require('./harness');

const cases = fixtures();
let tenant;

before(async () => {
  tenant = await startTenant();
});
after(() => tenant.close());

test('test-events/ holds single-Action fixtures', () => {
  assert.ok(cases.length > 0, 'expected fixtures (*.json with "action") under test-events/, found none');
});

for (const { file, fixture } of cases) {
  test(`${file}: ${fixture.description || ''}`, async () => {
    const bundle = loadBundle(fixture.action);
    // The Management API goes to the local tenant: give the M2M secrets where absent.
    const event = withManagementSecrets(fixture.action, fixtureEvent(fixture));
    const nowMs = fixture.now === undefined ? undefined : Date.parse(fixture.now);
    const { record, lines, api } = await runBundle(bundle, event, { nowMs, tenant, answers: fixture.answers });
    assert.deepEqual(record, fixture.expect);
    assert.equal(api.unanswered(), 0, 'every answer of the fixture was asked for');
    if (fixture.continue) {
      const resumed = fixture.continue;
      const later = resumed.now === undefined ? nowMs : Date.parse(resumed.now);
      const handler = bundle[Symbol.for('auth0-actions-rs.shim.testing')].action.handlers[1];
      assert.ok(handler, `${fixture.action} has a continuation handler`);
      const after = await runBundle(bundle, continuationEvent(event, fixture), { nowMs: later, tenant, handler, answers: resumed.answers });
      assert.deepEqual(after.record, resumed.expect);
    }
    // The shim's own lines: at most one per Management API request, and never a secret.
    const requests = fixture.expect.filter((effect) => effect.management_api).length;
    const shimLines = lines.filter((line) => line.includes(' [shim]: '));
    assert.equal(shimLines.length, requests, `shim lines: ${JSON.stringify(shimLines)}`);
    for (const line of shimLines) assert.match(line, / \[shim\]: Management API done: /);
    for (const line of lines) assert.ok(!line.includes(event.secrets && event.secrets.clientSecret || '\0'), line);
  });
}
