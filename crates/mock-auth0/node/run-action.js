'use strict';
// The mock tenant's runner for POST /api/v2/actions/actions/{id}/test: runs one Action's code
// on one event in this Node process, as Auth0's sandbox would, and prints what happened as
// one JSON object: {"calls": [{"target", "name", "args"}], "logs": ["..."], "error": null or
// {"message", "name", "stack"}, "duration_ms"}.
// Input on stdin: {"code": "...", "trigger": "post-login", "event": {...}, "secrets": {"NAME": "value"}};
// the trigger's handler runs (onExecutePostLogin, onExecuteCredentialsExchange, ...).
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
const cacheApi = {
  get: (key) => cache.get(key),
  set: (key, value, options = {}) => {
    cache.set(key, { value, expires_at: options.expires_at });
    return { type: 'success' };
  },
  delete: (key) => {
    cache.delete(key);
    return { type: 'success' };
  },
};
// Every namespace of every trigger's api records its calls (api.user, api.access, ...).
const namespaces = new Map();
const api = new Proxy({}, {
  get(_, name) {
    if (name === 'cache') return cacheApi;
    if (!namespaces.has(name)) namespaces.set(name, recorder(String(name)));
    return namespaces.get(name);
  },
});
const HANDLERS = {
  'post-login': 'onExecutePostLogin',
  'credentials-exchange': 'onExecuteCredentialsExchange',
  'pre-user-registration': 'onExecutePreUserRegistration',
  'post-user-registration': 'onExecutePostUserRegistration',
  'post-change-password': 'onExecutePostChangePassword',
  'send-phone-message': 'onExecuteSendPhoneMessage',
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
    const handler = HANDLERS[input.trigger || 'post-login'];
    if (typeof action[handler] !== 'function') throw new Error(`the code exports no ${handler}`);
    await action[handler](event, api);
  } catch (thrown) {
    error = { message: String((thrown && thrown.message) || thrown), name: String((thrown && thrown.name) || 'Error'), stack: String((thrown && thrown.stack) || '') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify({ calls, logs, error, duration_ms: Date.now() - started }));
})();
