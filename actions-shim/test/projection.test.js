'use strict';
// Only the paths a decision reads cross into the module, so data no decision reads changes
// nothing: every single-Action fixture, with a deep user_metadata, a large list and a deep
// object beside app_metadata.subscription, many organization metadata keys and deep parts at
// the top level added, gives exactly the fixture's expected effects through each code.js.
// (tests/tests/module/projection.rs adds the same kinds of data on the wasmtime side.)

const assert = require('node:assert/strict');
const { after, before, test } = require('node:test');

const { TESTING, fixtureEvent, fixtures, loadBundle, runBundle, startTenant, withManagementSecrets } = require('./harness');

function nested(levels) {
  let value = { theme: 'dark' };
  for (let level = 1; level < levels; level++) value = level % 3 === 0 ? [value] : { [`level_${level}`]: value };
  return value;
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function withUnrelatedData(event) {
  const noisy = structuredClone(event);
  noisy.unrelated_deep = nested(300);
  const request = isObject(noisy.request) ? noisy.request : {};
  noisy.request = { ...request, body: nested(150), query: { ...(isObject(request.query) ? request.query : {}), x: [1, 2, 3] } };
  if (isObject(noisy.user)) {
    if (isObject(noisy.user.user_metadata)) noisy.user.user_metadata.unrelated_deep = nested(250);
    else if (noisy.user.user_metadata === undefined) noisy.user.user_metadata = nested(250);
    noisy.user.identities = [{ provider: 'samlp', profileData: nested(140) }];
    if (isObject(noisy.user.app_metadata)) {
      noisy.user.app_metadata.unrelated_activity = Array.from({ length: 2000 }, (_, n) => ({ at: '2024-01-01T00:00:00.000Z', event: 'export', n }));
      noisy.user.app_metadata.unrelated_preferences = nested(200);
    }
  }
  if (isObject(noisy.organization) && isObject(noisy.organization.metadata)) {
    for (let i = 0; i < 300; i++) noisy.organization.metadata[`unrelated_setting_${i}`] = 'x'.repeat(200);
  }
  return noisy;
}

const cases = fixtures();
let tenant;
before(async () => {
  tenant = await startTenant();
});
after(() => tenant.close());

for (const { file, fixture } of cases) {
  test(`${file}: unrelated data changes nothing`, async () => {
    const bundle = loadBundle(fixture.action);
    const event = fixtureEvent(fixture);
    withManagementSecrets(fixture.action, event);
    const noisy = withUnrelatedData(event);
    assert.equal(bundle[TESTING].project(noisy), bundle[TESTING].project(event), 'the module input is the same');
    const nowMs = fixture.now === undefined ? undefined : Date.parse(fixture.now);
    const { record, lines } = await runBundle(bundle, noisy, { nowMs, tenant, answers: fixture.answers });
    assert.deepEqual(record, fixture.expect);
    for (const line of lines) assert.ok(!line.includes('not run'), line);
  });
}
