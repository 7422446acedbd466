'use strict';
// What a QA engineer could write instead of `runner replay`: read JSON Lines, JSON.parse each
// line, and call the seed's JavaScript Actions (actions-shim/test/seed-reference.js) with a
// recording `api`, in one process. Prints the events per second, as a runner's summary does.
//   TZ=UTC node benches/node-loop.js FILE.jsonl ACTIONS NOW
// ACTIONS: `Manage_Subscription`, or `Manage_Subscription,Set_Default_Member_Role` (the
// default flow: app_metadata written by the first is seen by the second). NOW: ISO 8601.
const fs = require('node:fs');
const { StringDecoder } = require('node:string_decoder');
const seed = require('../actions-shim/test/seed-reference');

const [file, actions = 'Manage_Subscription', nowText] = process.argv.slice(2);
const now = Date.parse(nowText);
const flow = actions.split(',');

class ManagementClient {
  constructor() {
    this.organizations = { addMemberRoles: async (params, data) => { calls.push(['management.organizations.addMemberRoles', params, data]); } };
  }
}
let calls = [];
function recordingApi(event) {
  return {
    user: {
      setAppMetadata: (key, value) => { calls.push(['user.setAppMetadata', key, value]); event.user.app_metadata = { ...event.user.app_metadata, [key]: value }; },
      setUserMetadata: (key, value) => { calls.push(['user.setUserMetadata', key, value]); event.user.user_metadata = { ...event.user.user_metadata, [key]: value }; },
    },
    idToken: { setCustomClaim: (key, value) => calls.push(['idToken.setCustomClaim', key, value]) },
    accessToken: { setCustomClaim: (key, value) => calls.push(['accessToken.setCustomClaim', key, value]) },
    access: { deny: (reason) => calls.push(['access.deny', reason]) },
  };
}
const run = {
  Manage_Subscription: (event, api) => seed.manageSubscription(event, api, { now }),
  Set_Default_Member_Role: (event, api) => seed.setDefaultMemberRole(event, api, { ManagementClient }),
};

async function main() {
  const started = process.hrtime.bigint();
  let events = 0, failed = 0, effects = 0;
  // Read in chunks and split on newlines, as a stream reader does (no whole-file string).
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(1 << 20);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const line = async (text) => {
    if (!text.trim()) return;
    events += 1;
    calls = [];
    try {
      const event = JSON.parse(text);
      const api = recordingApi(event);
      for (const action of flow) await run[action](event, api);
    } catch {
      failed += 1;
    }
    effects += calls.length;
  };
  for (;;) {
    const read = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) break;
    const lines = (rest + decoder.write(chunk.subarray(0, read))).split('\n');
    rest = lines.pop();
    for (const text of lines) await line(text);
  }
  await line(rest + decoder.end());
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${events} event(s) in ${seconds.toFixed(2)} s (${Math.round(events / seconds)} events/s), ${effects} call(s), ${failed} threw`);
}
main();
