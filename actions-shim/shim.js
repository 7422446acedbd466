'use strict';
// An Auth0 Action: the shim around one Action's WebAssembly module (actions-shim/shim.js).
// The module decides; this file only feeds it the event and applies what it asks for:
// - at load: decode the inlined module and start its compile in the background (the first
//   execution awaits it); if either fails, every execution logs one line and proceeds;
// - per execution: pass only the event's paths and secrets the decision reads (never the M2M
//   client secret) and Date.now(); apply the effects it returns to `api`, in order, each once;
// - a call whose answer the decision reads (api.cache.get, api.redirect.encodeToken, ...):
//   make it on the real `api`, then run the decision again with the answers so far (the
//   module stays pure and imports nothing); the effects it repeats are not applied again;
// - a Management API effect: a client-credentials token (cached in api.cache), then the
//   request, with a per-request timeout, a total budget and bounded retries;
// - nothing here throws: each failure is one log line, and the login proceeds.
// `runner bundle` fills in the four __PLACEHOLDERS__ and drops whole-line comments, and the
// lines between `// @management_api {` and `// @management_api }` when the Action declares
// no Management API (so each code.js carries only what its Action uses).

const zlib = require('zlib');

// { name, export, trigger, handlers }: the Action, as its module describes it.
const ACTION = __ACTION__;
const MODULE_SHA256 = '__MODULE_SHA256__';
// The module, brotli-compressed, then in base64 (which Node decodes natively).
const MODULE = '__MODULE__';

// The shim's own log lines carry this tag; lines without it are the module's.
const TAG = `${ACTION.name} [shim]: `;

// @management_api {
// One Management API effect: a request may take timeoutMs, all of them with their waits
// budgetMs; a 429, a 5xx or a network error is retried `retries` times, after the wait the
// answer names (Retry-After, x-ratelimit-reset) or backoffMs doubled per attempt.
const POLICY = { timeoutMs: 3000, budgetMs: 8000, retries: 3, backoffMs: 300 };
// @management_api }
// How many answers one execution may ask for (each a run of the decision).
const MAX_ANSWERS = 64;
// Set only by tests (see the end of this file): a local base URL and smaller times.
let testing = null;

// The module compiles in the background from `require` on (V8 compiles off the main thread),
// so loading the file does not wait for it; the first execution awaits it if it is not done.
let wasm = null; // { module, instance, bytes }; module is null until compiled
let compiling = null;
let loadError = null;
const unloadable = (error) => `the module could not be loaded (${short(error)})`;
try {
  if (typeof WebAssembly !== 'object') throw new Error('WebAssembly is not available here');
  const bytes = zlib.brotliDecompressSync(Buffer.from(MODULE, 'base64'));
  wasm = { module: null, instance: null, bytes: null };
  compiling = WebAssembly.compile(bytes).then(
    (module) => { wasm.module = module; },
    (error) => { loadError = unloadable(error); },
  );
} catch (error) {
  loadError = unloadable(error);
}

// exports.onExecutePostLogin (and onContinuePostLogin), onExecuteCredentialsExchange, ...:
// handler number N + 1 of the module is the Action's N-th handler.
ACTION.handlers.forEach((handler, index) => {
  exports[handler] = async (event, api) => execute(index + 1, event, api);
});

async function execute(handler, event, api) {
  try {
    if (!loadError && !wasm.module) await compiling;
    if (loadError) return log(`${TAG}not run, login proceeds: ${loadError}`);
    const input = PROJECT(event);
    const now = Date.now();
    let answers = '';
    let applied = 0;
    for (let round = 0; round <= MAX_ANSWERS; round++) {
      const answer = call(handler, input, answers, now);
      if (answer.error) {
        return log(`${TAG}not run, login proceeds: module refused the event (${answer.error.code}): ${answer.error.message}`, event);
      }
      // The effects before the one awaited are applied before its call is made, in order, as
      // a JavaScript Action makes them; a later run that is refused leaves them applied, as a
      // JavaScript Action that throws after them would.
      const { effects, pending } = answer;
      let asked;
      for (; applied < effects.length; applied++) {
        const effect = effects[applied];
        if (applied === pending) asked = await answerOf(effect, event, api);
        else if (!(await perform(effect, event, api))) return;
      }
      if (pending === undefined) return;
      if (asked === undefined) return log(`${TAG}internal error, login proceeds: the module asked again for an answer it was given`, event);
      const entry = JSON.stringify({ effect: pending, ...asked });
      answers = answers ? `${answers.slice(0, -1)},${entry}]` : `[${entry}]`;
    }
    log(`${TAG}not run further, login proceeds: the module asked for more than ${MAX_ANSWERS} answers`, event);
  } catch (error) {
    log(`${TAG}internal error, login proceeds: ${short(error)}`, event);
  }
}

// Applies an effect whose answer the decision does not read; false when it threw (nothing
// after it runs, as in an Action that throws, but the login proceeds).
async function perform(effect, event, api) {
  if (typeof effect.api === 'string') {
    try {
      callApi(api, effect.api, effect.args);
    } catch (error) {
      log(`${TAG}internal error, login proceeds: api.${effect.api} threw (${short(error)}); nothing after it ran`, event);
      return false;
    }
  } else if (typeof effect.log === 'string') {
    log(effect.log, event);
// @management_api {
  } else if (effect.management_api) {
    log(`${TAG}Management API ${(await managementApi(effect.management_api, event, api)).line}`, event);
// @management_api }
  }
  return true;
}

// Makes the call whose answer the decision reads: { returns } or { throws }.
async function answerOf(effect, event, api) {
// @management_api {
  if (effect.management_api) {
    const done = await managementApi(effect.management_api, event, api);
    log(`${TAG}Management API ${done.line}`, event);
    return { returns: { status: done.status, body: done.body } };
  }
// @management_api }
  try {
    const value = callApi(api, effect.api, effect.args);
    return { returns: value === undefined ? null : value };
  } catch (error) {
    return { throws: short(error) };
  }
}

// The module's input for an event: a function `runner bundle` writes from the paths the
// Action declares (crates/auth0-actions/src/projection.rs, `javascript`), one function per
// object on a path, each reading its declared keys by name (V8 caches such reads, where a
// loop over the keys read them by value, 1.6 times slower). Its rule, which the runner
// applies too (a test holds both byte for byte): an object on a path keeps only the
// declared keys it has, in the declaration's order; any other value keeps its type (see
// `leaf`). It returns JSON text.
const PROJECT = __PROJECT__;

// A value at the end of a path, or anything but an object on one: null, booleans, numbers
// and strings as JSON.stringify writes them, an array as [], an object as {}; undefined (and
// what JSON cannot hold) is absent: undefined is returned.
function leaf(value) {
  switch (typeof value) {
    case 'string':
      // Quoted directly when nothing needs escaping (lone surrogates included), which is
      // most of the time and several times faster than JSON.stringify.
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? '[]' : '{}';
    default:
      return undefined;
  }
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

// The answer with no effects, the most common one, is not parsed again each time.
const NO_EFFECTS_TEXT = '{"effects":[]}';
const NO_EFFECTS = Object.freeze({ effects: Object.freeze([]) });

// One run of a handler through the module's ABI (crates/auth0-actions/src/abi.rs). One
// instance serves every execution; after a trap it is dropped, as its state cannot be
// trusted. `wasm.bytes` is a Buffer over the instance's memory, made again when the memory
// grows (its old buffer is then detached).
function call(handler, text, answers, now) {
  if (!wasm.instance) wasm.instance = new WebAssembly.Instance(wasm.module, {});
  const w = wasm.instance.exports;
  try {
    const input = write(w, text);
    const given = answers ? write(w, answers) : { ptr: 0, room: 0, length: 0 };
    const answer = w[ACTION.export](handler, input.ptr, input.length, given.ptr, given.length, now) >>> 0;
    if (answer === 0) throw new Error('module out of memory');
    const bytes = bytesOf(w);
    const n = bytes.readUInt32LE(answer);
    const result = bytes.toString('utf8', answer + 4, answer + 4 + n);
    w.dealloc(answer, 4 + n);
    if (given.ptr !== 0) w.dealloc(given.ptr, given.room);
    w.dealloc(input.ptr, input.room);
    return result === NO_EFFECTS_TEXT ? NO_EFFECTS : JSON.parse(result);
  } catch (error) {
    wasm.instance = null;
    wasm.bytes = null;
    throw error;
  }
}

// Writes `text` into the module's memory. Room for the worst case (3 UTF-8 bytes per UTF-16
// unit), so the text is encoded once, straight into memory, and not measured first.
function write(w, text) {
  const room = Math.max(text.length * 3, 1);
  const ptr = w.alloc(room);
  if (ptr === 0) throw new Error('module out of memory');
  return { ptr, room, length: bytesOf(w).write(text, ptr, room, 'utf8') };
}

function bytesOf(w) {
  if (!wasm.bytes || wasm.bytes.buffer !== w.memory.buffer) wasm.bytes = Buffer.from(w.memory.buffer);
  return wasm.bytes;
}

// `api.user.setAppMetadata(...args)` for the path "user.setAppMetadata", and what it
// returns; paths are split once (an Action names a handful).
const API_PATHS = new Map();
function callApi(api, path, args) {
  let names = API_PATHS.get(path);
  if (!names) API_PATHS.set(path, (names = path.split('.')));
  const method = names[names.length - 1];
  let target = api;
  for (let i = 0; i < names.length - 1 && target != null; i++) target = target[names[i]];
  if (target == null || typeof target[method] !== 'function') {
    log(`${TAG}api.${path} missing, skipped`);
    return undefined;
  }
  return target[method](...args);
}

// @management_api {
// Performs one request: { line } (how it went, the end of a log line), and the answer's
// { status, body } (status 0 when none came; body parsed when it is JSON).
async function managementApi(request, event, api) {
  const { domain, clientId, clientSecret } = event.secrets || {};
  if (!domain || !clientId || !clientSecret) return { line: 'not sent: set the secrets domain, clientId, clientSecret', status: 0, body: null };
  const policy = { ...POLICY, ...testing };
  const host = String(domain).replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const base = (testing && testing.baseUrl) || `https://${host}`;
  const run = { deadline: Date.now() + policy.budgetMs, policy, requests: 0 };
  const key = `m2m-token:${require('crypto').createHash('sha256').update(`${host} ${clientId}`).digest('hex').slice(0, 32)}`;
  const cached = api.cache && api.cache.get(key);
  let token = cached && typeof cached.value === 'string' && !(cached.expires_at <= Date.now()) ? cached.value : null;
  let via = token ? 'cached token' : 'new token';
  for (;;) {
    if (!token) {
      const got = await send(run, `${base}/oauth/token`, 'POST', null, {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        audience: `https://${host}/api/v2/`,
      });
      if (got.error || got.status !== 200) return { line: `failed: token request ${outcome(got, run)}`, status: 0, body: null };
      let body;
      try {
        body = JSON.parse(got.text);
      } catch {
        body = null;
      }
      if (!body || typeof body.access_token !== 'string') {
        return { line: `failed: token answer is not JSON with an access_token (${run.requests} request(s))`, status: 0, body: null };
      }
      token = body.access_token;
      // Kept a minute less than the token lives, at most 24 h, if under 4 KB.
      const ttl = Math.min(Number(body.expires_in) * 1000, 86400_000) - 60_000;
      if (api.cache && ttl > 0 && token.length <= 4000) api.cache.set(key, token, { expires_at: Date.now() + ttl });
    }
    const got = await send(run, base + request.path, request.method, token, request.body);
    if (got.status === 401 && via === 'cached token') {
      // A cached token may be revoked before it expires: drop it, try once with a new one.
      if (api.cache) api.cache.delete(key);
      token = null;
      via = 'cached token refused, new token';
      continue;
    }
    const done = got.status >= 200 && got.status < 300;
    return { line: `${done ? 'done' : 'failed'}: ${request.method} ${outcome(got, run)}, ${via}`, status: got.status || 0, body: parsed(got.text) };
  }
}

// An answer's body: JSON when it is, else its text, and null when empty.
function parsed(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function outcome(got, run) {
  const what = got.error || `HTTP ${got.status}${errorCode(got.text)}`;
  return `${what} (${run.requests} request(s))`;
}

// One request, with the policy's retries. Resolves to { status, text } or { error }.
async function send(run, url, method, token, body) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  for (let attempt = 0; ; attempt++) {
    const timeout = Math.min(run.policy.timeoutMs, run.deadline - Date.now());
    if (timeout <= 0) return { error: 'time budget spent' };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    run.requests++;
    let response = null;
    let text = '';
    try {
      response = await fetch(url, { method, headers, body: body == null ? undefined : JSON.stringify(body), signal: controller.signal });
      text = await response.text();
    } catch (error) {
      if (controller.signal.aborted) return { error: `timed out after ${timeout} ms` };
    } finally {
      clearTimeout(timer);
    }
    const status = response ? response.status : 0; // 0: a network error
    if (status !== 0 && status !== 429 && status < 500) return { status, text };
    const what = status ? `HTTP ${status}` : 'network error';
    if (attempt >= run.policy.retries) return { error: `${what}, retries used up` };
    const wait = retryDelay(response, run.policy.backoffMs * 2 ** attempt);
    if (Date.now() + wait >= run.deadline) return { error: `${what}, next try would pass the time budget` };
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

// The wait an answer asks for: Retry-After (seconds or a date), else x-ratelimit-reset (Unix
// seconds), else `backoff` with up to half again of jitter.
function retryDelay(response, backoff) {
  const after = response && response.headers.get('retry-after');
  const reset = response && response.headers.get('x-ratelimit-reset');
  let ms = NaN;
  if (after) ms = Number.isFinite(Number(after)) ? Number(after) * 1000 : Date.parse(after) - Date.now();
  else if (reset) ms = Number(reset) * 1000 - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : backoff + Math.floor(Math.random() * backoff * 0.5);
}

// Auth0's error bodies are {statusCode, error, message, errorCode?}: only the short code is kept.
function errorCode(text) {
  try {
    const code = JSON.parse(text).errorCode || JSON.parse(text).error;
    return /^[\w.:-]{1,64}$/.test(code) ? ` ${code}` : '';
  } catch {
    return '';
  }
}
// @management_api }

// One console.log line of at most 256 characters, with every secret value of `event` masked.
function log(line, event) {
  let text = String(line);
  const secrets = (event && event.secrets) || {};
  for (const value of Object.values(secrets)) {
    if (typeof value === 'string' && value.length >= 4) text = text.split(value).join('***');
  }
  console.log(text.length <= 256 ? text : `${text.slice(0, 255)}…`);
}

function short(error) {
  return String((error && error.message) || error).split('\n')[0].slice(0, 160);
}

// Test-only hook, under a symbol and not enumerable, so that nothing in Auth0 reaches it by
// accident: configure({ baseUrl, timeoutMs, budgetMs, retries, backoffMs }) replaces the
// Management API base URL and the policy (null restores production); memoryBytes() is the
// size of the module instance's memory; project(event) is the module's input for an event;
// action is the Action as the module describes it (name, export, trigger, handlers).
Object.defineProperty(exports, Symbol.for('auth0-actions-rs.shim.testing'), {
  value: Object.freeze({
    configure: (overrides) => { testing = overrides || null; },
    memoryBytes: () => (wasm && wasm.instance ? wasm.instance.exports.memory.buffer.byteLength : 0),
    moduleSha256: MODULE_SHA256,
    project: (event) => PROJECT(event),
    action: ACTION,
  }),
});
