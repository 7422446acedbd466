'use strict';
// Cold start in Node: each FILE (a code.js, or any Action file) is required in a fresh
// process, N times (default 21), the files alternating so that all see the same machine; then
// its first login on one fixture's event, awaited, with an `api` that does nothing. Prints the
// medians of `require` and of `require` + the first call, in milliseconds.
//   TZ=UTC node benches/node-cold.js [--runs N] FIXTURE.json FILE...
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const args = process.argv.slice(2);
let runs = 21;
if (args[0] === '--runs') { runs = Number(args[1]); args.splice(0, 2); }
const [fixture, ...files] = args;

const child = `
const fs = require('node:fs');
const fixture = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
const event = { ...fixture.event, secrets: { ...(fixture.event.secrets || {}), ...(fixture.secrets || {}) } };
const noop = () => {};
const api = { user: { setAppMetadata: noop, setUserMetadata: noop }, idToken: { setCustomClaim: noop }, accessToken: { setCustomClaim: noop }, access: { deny: noop }, multifactor: { enable: noop } };
const log = console.log;
console.log = noop;
const started = process.hrtime.bigint();
const action = require(process.argv[2]);
const required = process.hrtime.bigint();
Promise.resolve(action.onExecutePostLogin(event, api)).then(() => {
  const called = process.hrtime.bigint();
  log(JSON.stringify([Number(required - started) / 1e6, Number(called - started) / 1e6]));
});`;
const median = (values) => {
  const sorted = Float64Array.from(values).sort();
  const half = sorted.length >> 1;
  return sorted.length % 2 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
};
const times = files.map(() => ({ require: [], first: [] }));
for (let run = 0; run < runs; run++) {
  files.forEach((file, at) => {
    const out = execFileSync(process.execPath, ['-e', child, path.resolve(fixture), path.resolve(file)], { env: { ...process.env, TZ: 'UTC' } });
    const [required, first] = JSON.parse(String(out));
    times[at].require.push(required);
    times[at].first.push(first);
  });
}
console.log(`Node ${process.version}, ${runs} fresh processes per file, load average ${require('node:os').loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('| file | require, median ms | require + first call, median ms |');
console.log('|---|---|---|');
files.forEach((file, at) => {
  console.log(`| ${file} | ${median(times[at].require).toFixed(2)} | ${median(times[at].first).toFixed(2)} |`);
});
