'use strict';
// The mock tenant's runner for POST /api/v2/actions/actions/{id}/test: runs one Action's code
// on one event in this Node process, as Auth0's sandbox would, and prints what happened as
// one JSON object: {"calls": [{"target", "name", "args"}], "logs": ["..."], "error": null or
// {"message", "name", "stack"}, "duration_ms"}.
// Input on stdin: {"code": "...", "event": {...}, "secrets": {"NAME": "value"}}.
// Nothing leaves this machine: `fetch` is replaced by one that answers 503 and records the
// request (a test run on a real tenant would really send it; the verify never sends such an
// event).

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const calls = [];
const logs = [];
const recorder = (target) =>
  new Proxy({}, {
    get(_, name) {
      return (...args) => {
        calls.push({ target, name: String(name), args: JSON.parse(JSON.stringify(args)) });
      };
    },
  });
const cache = new Map();
const api = {
  user: recorder('user'),
  idToken: recorder('idToken'),
  accessToken: recorder('accessToken'),
  access: recorder('access'),
  multifactor: recorder('multifactor'),
  redirect: recorder('redirect'),
  cache: {
    get: (key) => cache.get(key),
    set: (key, value, options = {}) => {
      cache.set(key, { value, expires_at: options.expires_at });
      return { type: 'success' };
    },
    delete: (key) => {
      cache.delete(key);
      return { type: 'success' };
    },
  },
};
globalThis.fetch = async (url, options = {}) => {
  calls.push({ target: 'fetch', name: String((options && options.method) || 'GET'), args: [String(url).replace(/^https?:\/\/[^/]+/, '')] });
  return new Response('{"statusCode":503,"error":"Service Unavailable","message":"the mock tenant sends nothing out"}', { status: 503 });
};
console.log = (...args) => logs.push(args.map(String).join(' '));

(async () => {
  const started = Date.now();
  let error = null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mock-auth0-action-'));
  try {
    const file = path.join(dir, 'code.js');
    fs.writeFileSync(file, input.code);
    const action = require(file);
    const event = { ...input.event, secrets: { ...(input.secrets || {}) } };
    await action.onExecutePostLogin(event, api);
  } catch (thrown) {
    error = { message: String((thrown && thrown.message) || thrown), name: String((thrown && thrown.name) || 'Error'), stack: String((thrown && thrown.stack) || '') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify({ calls, logs, error, duration_ms: Date.now() - started }));
})();
