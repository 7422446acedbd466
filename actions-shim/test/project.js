'use strict';
// Prints, as JSON Lines, what each bundle's shim would pass into the module for every fixture
// of test-events/ (single-Action and flow fixtures alike, with the fixture's secrets merged):
// {"file", "action", "input"}, where `input` is the exact text the module receives.
// tests/tests/module/projection.rs compares it, byte for byte, with the runner's projection.

const { ACTIONS, TESTING, fixtureEvent, fixtures, loadBundle } = require('./harness');

const bundles = ACTIONS.map((name) => [name, loadBundle(name)[TESTING]]);
for (const { file, fixture } of [...fixtures('action'), ...fixtures('flow')]) {
  const event = fixtureEvent(fixture);
  for (const [action, testing] of bundles) {
    process.stdout.write(`${JSON.stringify({ file, action, input: testing.project(event) })}\n`);
  }
}
