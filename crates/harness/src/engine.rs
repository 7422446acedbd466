//! All wasmtime set-up, in one place: each module is compiled once, checked against the ABI
//! (no imports, the expected exports), asked to describe its Actions, and every run of a
//! handler gets a fresh `Store` and instance with fuel, a memory cap and an epoch deadline,
//! so that no call can hang, exhaust the host, or see state left by another.
//!
//! A call that needs answers (`api.cache.get`, ...) is run again with each answer added, as
//! the shim runs it ([`auth0_actions::action`]); every run is a fresh instance, and the
//! call's limits hold for all its runs together.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use auth0_actions::abi::EXPORT_PREFIX;
use auth0_actions::action::ABI_VERSION;
use auth0_actions::effect::answers_json;
use auth0_actions::projection::{PathNode, path_tree, project_tree};
use auth0_actions::{ActionInfo, Answer, Effect, ErrorData, ModuleAnswer, Registered, Timestamp};
use serde::Serialize;
use serde_json::Value;
use wasmtime::{Config, Engine, InstancePre, Linker, Memory, Module, ResourceLimiter, Store, Trap, TypedFunc};

/// How often the epoch ticks; time budgets are whole multiples of it.
const EPOCH_TICK: Duration = Duration::from_millis(5);

/// How many answers one call may ask for before it is stopped (each is a run of its own).
pub const MAX_ANSWERS: usize = 64;

/// What one call may use before it is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wasm instructions (wasmtime fuel units), for all the runs of one call.
    pub fuel: u64,
    /// Linear memory, in bytes.
    pub memory_bytes: usize,
    /// Wall-clock time of one call.
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // A login takes about 10^5 instructions; 1,000 times that is a runaway module.
            fuel: 100_000_000,
            memory_bytes: 64 * 1024 * 1024,
            // Auth0 gives a whole flow 20 s.
            time: Duration::from_secs(20),
        }
    }
}

/// The identity of the bytes being run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ModuleInfo {
    /// The module's length in bytes (0 when native).
    pub size: usize,
    /// The module's lowercase hex SHA-256, as manifests give it (empty when native).
    pub sha256: String,
    /// True when no module runs: the Actions' Rust code compiled into the host (native).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub native: bool,
}

impl ModuleInfo {
    /// The identity of these module bytes.
    pub fn of(bytes: &[u8]) -> Self {
        ModuleInfo { size: bytes.len(), sha256: auth0_actions::sha256_hex(bytes), native: false }
    }

    fn native() -> Self {
        ModuleInfo { size: 0, sha256: String::new(), native: true }
    }
}

/// What one call used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
pub struct Usage {
    /// Wasm instructions executed (fuel consumed), over all the call's runs.
    pub instructions: u64,
    /// Peak linear memory, in bytes.
    pub memory_bytes: usize,
    /// Wall-clock time of the call, including instantiation.
    pub micros: u64,
}

/// The result of one call: what the module answered, or why it gave no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum CallOutcome {
    /// What the Action asked for, in order.
    Effects(Vec<Effect>),
    /// The module answered an error (an input it refused, a path read but not declared, an
    /// answer that did not fit its call): data, not a failure of the host.
    Refused(ErrorData),
    /// The module gave no answer.
    Failed(Failure),
}

/// The sentence for an error the module answered, as every report prints it.
pub fn refusal(error: &ErrorData) -> String {
    match error.code.as_str() {
        "undeclared_read" | "bad_answer" | "threw" => error.message.clone(),
        _ => format!("the module refused the event ({}): {}", error.code, error.message),
    }
}

/// Why a call gave no answer; each says which limit or rule was broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// [`Limits::fuel`] ran out.
    #[error("ran out of fuel: used all {limit} instructions allowed per call (--fuel)")]
    OutOfFuel {
        /// The instructions allowed.
        limit: u64,
    },
    /// The module asked for more than [`Limits::memory_bytes`].
    #[error("ran out of memory: needed more than the {limit} bytes allowed per call (--memory)")]
    OutOfMemory {
        /// The bytes allowed.
        limit: usize,
    },
    /// The call outlived [`Limits::time`] (or the flow's remaining budget).
    #[error("ran out of time: took longer than the {limit:?} allowed per call")]
    OutOfTime {
        /// The time allowed.
        limit: Duration,
    },
    /// The module trapped (wasmtime's description).
    #[error("trapped: {0}")]
    Trap(String),
    /// The answer broke the ABI (out of bounds, not JSON, not an outcome).
    #[error("broke the ABI: {0}")]
    BadAnswer(String),
    /// The decision asked for an answer the host could not give (a fixture without it).
    #[error("{0}")]
    NoAnswer(String),
}

/// One call's outcome and what it used.
#[derive(Debug, Clone, PartialEq)]
pub struct CallResult {
    /// What the module answered, or why it gave no answer.
    pub outcome: CallOutcome,
    /// Instructions, memory and time.
    pub usage: Usage,
    /// The answers the decision read, in the order it asked for them.
    pub answered: Vec<Answered>,
}

/// One answer a decision read: the effect it answers, and the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    /// The call that answered (`api.cache.get(...)`, a Management API GET).
    pub effect: Effect,
    /// What it returned or threw.
    pub answer: Answer,
}

/// Where a call's answers come from: the real `api` (the shim), a fixture (replay), or a
/// test. Asked once per answer, in the order the decisions ask.
pub trait Answers {
    /// The answer to `effect`, which `action` asks for; `Err` says why there is none, in a
    /// sentence naming the call.
    fn answer(&mut self, action: &str, effect: &Effect) -> Result<Answer, String>;
}

/// No answers: a decision that asks for one fails with a sentence naming the call.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAnswers;

impl Answers for NoAnswers {
    fn answer(&mut self, _action: &str, effect: &Effect) -> Result<Answer, String> {
        Err(format!("the decision asked for the answer of {}, and none was given", effect_call(effect)))
    }
}

/// An effect as a call, for messages: `api.cache.get("k")`.
pub fn effect_call(effect: &Effect) -> String {
    match effect {
        Effect::Api(call) => {
            let args: Vec<String> = call.args.iter().map(|arg| arg.to_string()).collect();
            format!("api.{}({})", call.path, args.join(", "))
        }
        Effect::ManagementApi(request) => format!("the Management API {} {}", request.method.as_str(), request.path),
        Effect::Log(_) => "console.log".to_owned(),
    }
}

/// Why a module could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Not WebAssembly wasmtime can compile.
    #[error("expected a WebAssembly module, found bytes wasmtime cannot compile: {0:#}")]
    Compile(wasmtime::Error),
    /// The module imports something; ours import nothing.
    #[error("expected a module with no imports, found {count} (first: {first})")]
    HasImports {
        /// How many imports.
        count: usize,
        /// The first, as `module::name`.
        first: String,
    },
    /// An export the ABI needs is missing or has another type.
    #[error("expected the export `{name}` of type {expected}, found {found}")]
    Export {
        /// The export.
        name: String,
        /// Its type in the ABI.
        expected: &'static str,
        /// What the module has under that name.
        found: String,
    },
    /// The module exports no Action.
    #[error("expected a module with at least one Action (an export {EXPORT_PREFIX}<Name>), found none")]
    NoAction,
    /// An Action's description is not ours.
    #[error("{action}: expected a description of ABI {ABI_VERSION}, found {found}")]
    Description {
        /// The export's Action.
        action: String,
        /// What the module answered, or why it did not.
        found: String,
    },
    /// Two modules (or crates) hold an Action of the same name.
    #[error("expected each Action once, found {name} twice")]
    Duplicate {
        /// The Action's name.
        name: String,
    },
    /// wasmtime could not be configured on this machine.
    #[error("could not set up wasmtime: {0:#}")]
    Engine(wasmtime::Error),
}

/// Compiled modules and the Actions they hold, ready to run any Action any number of times,
/// from any thread; or the same Actions compiled natively into the host
/// ([`ModuleRunner::native`]).
pub struct ModuleRunner {
    wasm: Option<Wasm>,
    modules: Vec<ModuleInfo>,
    actions: Vec<Loaded>,
    limits: Limits,
    /// The flow bare events run through, when set ([`ModuleRunner::set_default_flow`]).
    default_flow: Option<Vec<String>>,
}

struct Wasm {
    engine: Engine,
    /// One per module, in `modules` order.
    compiled: Vec<Compiled>,
    /// Dropping the sender stops the epoch ticker.
    _ticker: mpsc::Sender<()>,
}

/// A module, compiled at load (to describe itself) or on its first call (when its
/// description came with it: a bundle's manifest), so a runner that loads many modules
/// compiles only those it runs.
struct Compiled {
    bytes: Vec<u8>,
    /// The descriptions that came with the module (a manifest's), checked against the
    /// module's own when it compiles.
    expected: Vec<ActionInfo>,
    pre: std::sync::OnceLock<Result<InstancePre<CallState>, String>>,
}

impl Compiled {
    fn ready(bytes: Vec<u8>, pre: InstancePre<CallState>) -> Compiled {
        let cell = std::sync::OnceLock::new();
        let _ = cell.set(Ok(pre));
        Compiled { bytes, expected: Vec::new(), pre: cell }
    }

    /// The instance template, compiled the first time it is needed; a module that does not
    /// describe its Actions as the descriptions that came with it is refused then.
    fn pre(&self, engine: &Engine) -> Result<&InstancePre<CallState>, &str> {
        self.pre
            .get_or_init(|| {
                let (pre, _) = compile(engine, &self.bytes).map_err(|error| error.to_string())?;
                for expected in &self.expected {
                    let export = format!("{EXPORT_PREFIX}{}", expected.name);
                    let (answer, _, _) = describe_call(engine, &pre, &export);
                    let own = answer.map_err(|failure| failure.to_string()).and_then(|json| describe(&expected.name, &json).map_err(|error| error.to_string()))?;
                    if own != *expected {
                        return Err(format!(
                            "it describes {} otherwise than the description that came with it (its manifest): rebuild the bundle",
                            expected.name
                        ));
                    }
                }
                Ok(pre)
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

/// Handler 0 of an Action: its description. Within the default limits, whatever the calls'
/// are (a replay with `--fuel 5000` still loads its modules).
fn describe_call(engine: &Engine, pre: &InstancePre<CallState>, export: &str) -> (Result<Vec<u8>, Failure>, u64, usize) {
    let limits = Limits::default();
    run_wasm(engine, pre, export, 0, b"", b"", 0.0, limits, limits.time, limits.fuel)
}

/// Compiles a module and checks it against the ABI: its instance template and its Actions'
/// exports.
fn compile(engine: &Engine, bytes: &[u8]) -> Result<(InstancePre<CallState>, Vec<String>), LoadError> {
    let module = Module::new(engine, bytes).map_err(LoadError::Compile)?;
    let imports: Vec<String> = module.imports().map(|i| format!("{}::{}", i.module(), i.name())).collect();
    if let Some(first) = imports.first() {
        return Err(LoadError::HasImports { count: imports.len(), first: first.clone() });
    }
    let exports = check_exports(&module)?;
    let pre = Linker::new(engine).instantiate_pre(&module).map_err(LoadError::Engine)?;
    Ok((pre, exports))
}

/// One Action and how to run it.
struct Loaded {
    info: ActionInfo,
    /// Its projection's tree, built once.
    tree: Vec<PathNode>,
    /// Index into `modules` (and the wasm `pres`).
    module: usize,
    backend: Backend,
}

enum Backend {
    /// The module's export of this Action.
    Wasm { export: String },
    /// `auth0_actions::run` called directly, on the same projected bytes.
    Native(Registered),
}

impl std::fmt::Debug for ModuleRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.actions.iter().map(|action| action.info.name.as_str()).collect();
        f.debug_struct("ModuleRunner").field("modules", &self.modules).field("actions", &names).field("limits", &self.limits).finish()
    }
}

/// Expected export types, as the ABI (see `auth0_actions::abi`) defines them.
const ENTRY_TYPE: &str = "func(i32, i32, i32, i32, i32, f64) -> i32";

/// What one run of a handler left: its answer's JSON (or why there is none), the
/// instructions it executed and its peak memory.
type Run = (Result<Vec<u8>, Failure>, u64, usize);

impl ModuleRunner {
    /// Compiles a module (a bundle's, or `dist/<Action>/module.wasm`), checks it against the
    /// ABI (no imports, `memory`, `alloc`, `dealloc`, one export per Action) and reads each
    /// of its Actions' descriptions.
    pub fn new(bytes: &[u8], limits: Limits) -> Result<Self, LoadError> {
        let mut runner = ModuleRunner::empty(limits);
        runner.add_module(bytes)?;
        Ok(runner)
    }

    /// A runner with no module yet ([`ModuleRunner::add_module`]).
    pub fn empty(limits: Limits) -> Self {
        ModuleRunner { wasm: None, modules: Vec::new(), actions: Vec::new(), limits, default_flow: None }
    }

    /// Adds a module and its Actions; returns their names. An Action already loaded from
    /// another module is refused.
    pub fn add_module(&mut self, bytes: &[u8]) -> Result<Vec<String>, LoadError> {
        let wasm = match &mut self.wasm {
            Some(wasm) => wasm,
            slot @ None => slot.insert(Wasm::new(self.limits)?),
        };
        let (pre, exports) = compile(&wasm.engine, bytes)?;
        let mut described = Vec::new();
        for export in exports {
            let name = export.trim_start_matches(EXPORT_PREFIX).to_owned();
            let (answer, _, _) = describe_call(&wasm.engine, &pre, &export);
            match answer {
                Ok(json) => described.push((describe(&name, &json)?, export)),
                Err(failure) => return Err(LoadError::Description { action: name, found: format!("no answer: the module {failure}") }),
            }
        }
        wasm.compiled.push(Compiled::ready(bytes.to_vec(), pre));
        let index = self.modules.len();
        self.modules.push(ModuleInfo::of(bytes));
        described.into_iter().map(|(info, export)| self.push(info, index, Backend::Wasm { export })).collect()
    }

    /// Adds a module whose Actions' descriptions come with it (a bundle's manifest, written
    /// from the module's own): it is compiled, and checked against the ABI, on its first
    /// call, so loading a build of many Actions compiles only the ones that run.
    pub fn add_described(&mut self, bytes: &[u8], actions: Vec<ActionInfo>) -> Result<Vec<String>, LoadError> {
        if self.wasm.is_none() {
            self.wasm = Some(Wasm::new(self.limits)?);
        }
        let index = self.modules.len();
        let added = actions
            .iter()
            .map(|info| {
                let export = format!("{EXPORT_PREFIX}{}", info.name);
                self.push(info.clone(), index, Backend::Wasm { export })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(wasm) = &mut self.wasm {
            wasm.compiled.push(Compiled { bytes: bytes.to_vec(), expected: actions, pre: std::sync::OnceLock::new() });
        }
        self.modules.push(ModuleInfo::of(bytes));
        Ok(added)
    }

    /// The Actions of `crates` (each crate's `ACTIONS`) compiled into this host, with no
    /// module: the edit-and-test loop without a wasm build. It takes the same projection and
    /// writes the same answer bytes as the modules (a test holds the two equal on every
    /// fixture and on generated events), but counts no instructions and enforces no fuel
    /// or memory limit.
    pub fn native(crates: &[&[Registered]], limits: Limits) -> Result<Self, LoadError> {
        let mut runner = ModuleRunner { wasm: None, modules: vec![ModuleInfo::native()], actions: Vec::new(), limits, default_flow: None };
        for registered in crates.iter().flat_map(|actions| actions.iter()) {
            let json = auth0_actions::run(registered, 0, b"", b"", 0.0);
            let info = describe(registered.name, &json)?;
            runner.push(info, 0, Backend::Native(*registered))?;
        }
        Ok(runner)
    }

    fn push(&mut self, info: ActionInfo, module: usize, backend: Backend) -> Result<String, LoadError> {
        if self.actions.iter().any(|action| action.info.name == info.name) {
            return Err(LoadError::Duplicate { name: info.name });
        }
        let name = info.name.clone();
        self.actions.push(Loaded { tree: path_tree(&info), info, module, backend });
        Ok(name)
    }

    /// Every Action loaded, in load order.
    pub fn actions(&self) -> impl Iterator<Item = &ActionInfo> {
        self.actions.iter().map(|action| &action.info)
    }

    /// The Action named `name`, as its module describes it.
    pub fn action(&self, name: &str) -> Option<&ActionInfo> {
        self.find(name).map(|action| &action.info)
    }

    fn find(&self, name: &str) -> Option<&Loaded> {
        self.actions.iter().find(|action| action.info.name == name)
    }

    /// The Actions' names, comma-separated, for messages.
    pub fn names(&self) -> String {
        self.actions.iter().map(|action| action.info.name.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// Every module loaded (one entry, native, for the native loop).
    pub fn modules(&self) -> &[ModuleInfo] {
        &self.modules
    }

    /// The module that holds `name`.
    pub fn module_of(&self, name: &str) -> Option<&ModuleInfo> {
        self.find(name).and_then(|action| self.modules.get(action.module))
    }

    /// The flow a bare event runs through: the one set, else every post-login Action, in
    /// load order.
    pub fn default_flow(&self) -> Vec<String> {
        self.default_flow.clone().unwrap_or_else(|| {
            self.actions
                .iter()
                .filter(|action| action.info.known_trigger() == Some(auth0_actions::Trigger::PostLogin))
                .map(|action| action.info.name.clone())
                .collect()
        })
    }

    /// Sets the flow bare events run through (a tenant's flow: what deploy binds).
    pub fn set_default_flow(&mut self, flow: Vec<String>) {
        self.default_flow = Some(flow);
    }

    /// Whether the Actions run natively (no module).
    pub fn is_native(&self) -> bool {
        self.wasm.is_none()
    }

    /// What each call may use.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Runs `action`'s first handler (`onExecutePostLogin`, ...) on one event, with no
    /// answers. Only the paths the Action's decision reads cross into the module
    /// ([`auth0_actions::projection`]), exactly as the shim sends them: there is no way to
    /// hand the module a whole event.
    pub fn call(&self, action: &str, event: &Value, now: Timestamp) -> CallResult {
        let handler = self.action(action).map(|info| info.execute_handler().to_owned()).unwrap_or_default();
        self.run(&Call { action, handler: &handler, event, now, time: self.limits.time }, &mut NoAnswers)
    }

    /// Compiles the module of the Action `name`, if it is not yet.
    pub(crate) fn compile_for(&self, name: &str) {
        if let (Some(action), Some(wasm)) = (self.find(name), self.wasm.as_ref())
            && matches!(action.backend, Backend::Wasm { .. })
            && let Some(compiled) = wasm.compiled.get(action.module)
        {
            // A module that does not compile says so at the call, with its error.
            let _ = compiled.pre(&wasm.engine);
        }
    }

    /// Runs one handler of one Action, asking `answers` for what the decision needs, within
    /// `call.time` (never more than the runner's own limit).
    pub fn run(&self, call: &Call<'_>, answers: &mut dyn Answers) -> CallResult {
        // A module compiles at the first call of one of its Actions: not a part of the call's
        // time, nor of its limit.
        self.compile_for(call.action);
        let started = Instant::now();
        let time = call.time.min(self.limits.time);
        let mut usage = Usage::default();
        let mut answered: Vec<Answered> = Vec::new();
        let mut given: Vec<(usize, Answer)> = Vec::new();
        let done = |outcome: CallOutcome, mut usage: Usage, answered| {
            usage.micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            CallResult { outcome, usage, answered }
        };
        let Some(action) = self.find(call.action) else {
            let error = ErrorData { code: "no_action".to_owned(), message: format!("expected one of {}, found {:?}", self.names(), call.action) };
            return done(CallOutcome::Refused(error), usage, answered);
        };
        let Some(handler) = action.info.handler_number(call.handler) else {
            let error = ErrorData {
                code: "no_handler".to_owned(),
                message: format!("{} exports {}, not {}", action.info.name, action.info.handlers.join(" and "), call.handler),
            };
            return done(CallOutcome::Refused(error), usage, answered);
        };
        let input = project_tree(&action.tree, call.event);
        // JavaScript numbers are f64; every time value is exactly representable.
        #[allow(clippy::cast_precision_loss)]
        let now_ms = call.now.millis() as f64;
        loop {
            let answers_text = answers_json(&given);
            let left = time.saturating_sub(started.elapsed());
            let fuel = self.limits.fuel.saturating_sub(usage.instructions);
            let (answer, instructions, memory) = match &action.backend {
                Backend::Native(registered) => (Ok(auth0_actions::run(registered, handler, &input, &answers_text, now_ms)), 0, 0),
                Backend::Wasm { export } => match self.wasm.as_ref().and_then(|wasm| Some((wasm, wasm.compiled.get(action.module)?))) {
                    Some((wasm, compiled)) => match compiled.pre(&wasm.engine) {
                        Ok(pre) => run_wasm(&wasm.engine, pre, export, handler, &input, &answers_text, now_ms, self.limits, left, fuel),
                        Err(error) => (Err(Failure::BadAnswer(format!("the module does not load: {error}"))), 0, 0),
                    },
                    None => (Err(Failure::Trap("the module is not loaded".to_owned())), 0, 0),
                },
            };
            usage.instructions = usage.instructions.saturating_add(instructions);
            usage.memory_bytes = usage.memory_bytes.max(memory);
            let answer = match answer.and_then(|json| decode(&json)) {
                Ok(answer) => answer,
                Err(Failure::OutOfTime { .. }) => return done(CallOutcome::Failed(Failure::OutOfTime { limit: time }), usage, answered),
                Err(Failure::OutOfFuel { .. }) => {
                    return done(CallOutcome::Failed(Failure::OutOfFuel { limit: self.limits.fuel }), usage, answered);
                }
                Err(failure) => return done(CallOutcome::Failed(failure), usage, answered),
            };
            if let Some(error) = answer.error {
                return done(CallOutcome::Refused(error), usage, answered);
            }
            let effects = answer.effects.unwrap_or_default();
            let Some(pending) = answer.pending else {
                return done(CallOutcome::Effects(effects), usage, answered);
            };
            let Some(effect) = effects.get(pending) else {
                let failure = Failure::BadAnswer(format!("expected the pending effect {pending} among {} effects", effects.len()));
                return done(CallOutcome::Failed(failure), usage, answered);
            };
            if given.len() >= MAX_ANSWERS || given.iter().any(|(index, _)| *index == pending) {
                let failure = Failure::NoAnswer(format!(
                    "the decision asked for the answer of {} again after {} answer(s); a decision asks for each answer once",
                    effect_call(effect),
                    given.len()
                ));
                return done(CallOutcome::Failed(failure), usage, answered);
            }
            match answers.answer(call.action, effect) {
                Ok(reply) => {
                    answered.push(Answered { effect: effect.clone(), answer: reply.clone() });
                    given.push((pending, reply));
                }
                Err(sentence) => return done(CallOutcome::Failed(Failure::NoAnswer(sentence)), usage, answered),
            }
        }
    }
}

/// One run of a handler: which Action, which handler, on which event, when.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The Action's name.
    pub action: &'a str,
    /// `onExecutePostLogin`, `onContinuePostLogin`, …
    pub handler: &'a str,
    /// The whole event (its projection is taken here).
    pub event: &'a Value,
    /// "Now", as `Date.now()` gives it to the Action.
    pub now: Timestamp,
    /// Wall-clock time the call may take (a flow gives each Action what it has left).
    pub time: Duration,
}

impl Wasm {
    fn new(limits: Limits) -> Result<Wasm, LoadError> {
        // A pool of pre-mapped instance slots makes a fresh instance per call cheap (no mmap
        // per call; memory is reset copy-on-write from the module's image). Where the pool
        // cannot be set up (address space limited by ulimit -v, say) calls still work, slower.
        let engine = Engine::new(&config(true, limits)).or_else(|_| Engine::new(&config(false, limits))).map_err(LoadError::Engine)?;
        let (sender, receiver) = mpsc::channel::<()>();
        let ticking = engine.clone();
        thread::spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = receiver.recv_timeout(EPOCH_TICK) {
                ticking.increment_epoch();
            }
        });
        Ok(Wasm { engine, compiled: Vec::new(), _ticker: sender })
    }
}

/// A description's JSON, read strictly and checked against the export it came from.
fn describe(name: &str, json: &[u8]) -> Result<ActionInfo, LoadError> {
    let found = |found: String| LoadError::Description { action: name.to_owned(), found };
    let info: ActionInfo = serde_json::from_slice(json).map_err(|error| found(format!("JSON that does not decode: {error}")))?;
    if info.abi != ABI_VERSION {
        return Err(found(format!("ABI {}", info.abi)));
    }
    if info.name != name {
        return Err(found(format!("the description of {:?}", info.name)));
    }
    if info.known_trigger().is_none() {
        return Err(found(format!("the trigger {} {}, which this runner does not know", info.trigger.id, info.trigger.version)));
    }
    Ok(info)
}

/// The answer's JSON, as the module writes it (and the native backend too).
fn decode(json: &[u8]) -> Result<ModuleAnswer, Failure> {
    serde_json::from_slice::<ModuleAnswer>(json).map_err(|error| {
        Failure::BadAnswer(format!("expected {{\"effects\": [...]}} or {{\"error\": ...}}, found JSON that does not decode: {error}"))
    })
}

/// One run of a handler in a fresh instance.
#[allow(clippy::too_many_arguments)]
fn run_wasm(
    engine: &Engine,
    pre: &InstancePre<CallState>,
    export: &str,
    handler: u32,
    input: &[u8],
    answers: &[u8],
    now_ms: f64,
    limits: Limits,
    time: Duration,
    fuel: u64,
) -> Run {
    let mut store = Store::new(engine, CallState { limit: limits.memory_bytes, peak: 0, denied: false });
    store.limiter(|state| state);
    let result = call_in(pre, &mut store, export, handler, input, answers, now_ms, time, fuel);
    let remaining = store.get_fuel().unwrap_or(0);
    let instructions = fuel.saturating_sub(remaining);
    let peak = store.data().peak;
    let answer = match result {
        Ok(answer) => answer,
        Err(error) => Err(failure(&error, store.data(), limits, time)),
    };
    (answer, instructions, peak)
}

#[allow(clippy::too_many_arguments)]
fn call_in(
    pre: &InstancePre<CallState>,
    store: &mut Store<CallState>,
    export: &str,
    handler: u32,
    input: &[u8],
    answers: &[u8],
    now_ms: f64,
    time: Duration,
    fuel: u64,
) -> wasmtime::Result<Result<Vec<u8>, Failure>> {
    let limit = store.data().limit;
    store.set_fuel(fuel)?;
    let ticks = time.as_millis().div_ceil(EPOCH_TICK.as_millis()).max(1);
    store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
    store.epoch_deadline_trap();

    let instance = pre.instantiate(&mut *store)?;
    let memory =
        instance.get_memory(&mut *store, "memory").ok_or_else(|| wasmtime::Error::msg("the module exports no memory"))?;
    let alloc: TypedFunc<u32, u32> = instance.get_typed_func(&mut *store, "alloc")?;
    let entry: TypedFunc<(u32, u32, u32, u32, u32, f64), u32> = instance.get_typed_func(&mut *store, export)?;
    let region = |bytes: &[u8], store: &mut Store<CallState>| -> wasmtime::Result<Option<(u32, u32)>> {
        if bytes.is_empty() {
            return Ok(Some((0, 0)));
        }
        let Ok(len) = u32::try_from(bytes.len()) else { return Ok(None) };
        let ptr = alloc.call(&mut *store, len)?;
        if ptr == 0 {
            return Ok(None);
        }
        memory.write(&mut *store, ptr as usize, bytes)?;
        Ok(Some((ptr, len)))
    };
    let (Some((ptr, len)), Some((answers_ptr, answers_len))) = (region(input, store)?, region(answers, store)?) else {
        return Ok(Err(Failure::OutOfMemory { limit }));
    };
    let answer = entry.call(&mut *store, (handler, ptr, len, answers_ptr, answers_len, now_ms))?;
    if answer == 0 {
        return Ok(Err(Failure::OutOfMemory { limit }));
    }
    Ok(read_answer(store, memory, answer))
}

fn failure(error: &wasmtime::Error, state: &CallState, limits: Limits, time: Duration) -> Failure {
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => Failure::OutOfFuel { limit: limits.fuel },
        Some(Trap::Interrupt) => Failure::OutOfTime { limit: time },
        // Rust aborts (an `unreachable` trap) when its allocator cannot grow memory.
        Some(_) if state.denied => Failure::OutOfMemory { limit: limits.memory_bytes },
        Some(trap) => Failure::Trap(trap.to_string()),
        None if state.denied => Failure::OutOfMemory { limit: limits.memory_bytes },
        None => Failure::Trap(format!("{error:#}")),
    }
}

/// How many calls may hold a pooled instance at once; more than any machine has threads.
const POOLED_INSTANCES: u32 = 256;

fn config(pooling: bool, limits: Limits) -> Config {
    let mut config = Config::new();
    config.consume_fuel(true).epoch_interruption(true);
    if pooling {
        let mut pool = wasmtime::PoolingAllocationConfig::new();
        let page = 65_536;
        pool.total_core_instances(POOLED_INSTANCES)
            .total_memories(POOLED_INSTANCES)
            .total_tables(POOLED_INSTANCES)
            // The slot holds at least 64 MiB, so that a module whose memory is larger than a
            // small cap still loads and each call fails with "ran out of memory", as without
            // the pool; the cap itself is the limiter's.
            .max_memory_size(limits.memory_bytes.max(64 << 20).div_ceil(page).saturating_mul(page))
            // The module's whole memory (32 KiB stack, data, heap: 128 KiB) stays resident
            // and is reset with memset instead of madvise, which saves the page faults of the
            // next call (BENCHMARKS.md).
            .linear_memory_keep_resident(128 * 1024)
            .table_keep_resident(64 * 1024);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

fn read_answer(store: &mut Store<CallState>, memory: Memory, answer: u32) -> Result<Vec<u8>, Failure> {
    let mut header = [0_u8; 4];
    if memory.read(&mut *store, answer as usize, &mut header).is_err() {
        return Err(Failure::BadAnswer(format!("expected an answer inside memory, found a pointer {answer} past its end")));
    }
    let len = u32::from_le_bytes(header) as usize;
    let start = answer as usize + 4;
    match memory.data(&*store).get(start..start.saturating_add(len)) {
        Some(json) => Ok(json.to_vec()),
        None => Err(Failure::BadAnswer(format!("expected {len} bytes of answer at {start}, found the end of memory"))),
    }
}

/// The names a module exports, for checks outside the engine (wasmtime only parses).
pub fn module_exports(bytes: &[u8]) -> Result<Vec<String>, LoadError> {
    let engine = Engine::new(&Config::new()).map_err(LoadError::Engine)?;
    let module = Module::new(&engine, bytes).map_err(LoadError::Compile)?;
    Ok(module.exports().map(|export| export.name().to_owned()).collect())
}

/// Checks the ABI's exports; returns the Actions' exports.
fn check_exports(module: &Module) -> Result<Vec<String>, LoadError> {
    let wanted: [(&str, &'static str); 4] = [
        ("memory", "memory"),
        ("abi_version", "func() -> i32"),
        ("alloc", "func(i32) -> i32"),
        ("dealloc", "func(i32, i32) -> "),
    ];
    for (name, expected) in wanted {
        let found = module.get_export(name).map_or_else(|| "nothing".to_owned(), |ty| describe_type(&ty));
        if found != expected {
            return Err(LoadError::Export { name: name.to_owned(), expected, found });
        }
    }
    let mut actions = Vec::new();
    for export in module.exports().filter(|export| export.name().starts_with(EXPORT_PREFIX)) {
        let found = describe_type(&export.ty());
        if found != ENTRY_TYPE {
            return Err(LoadError::Export { name: export.name().to_owned(), expected: ENTRY_TYPE, found });
        }
        actions.push(export.name().to_owned());
    }
    if actions.is_empty() {
        return Err(LoadError::NoAction);
    }
    Ok(actions)
}

fn describe_type(ty: &wasmtime::ExternType) -> String {
    match ty {
        wasmtime::ExternType::Func(func) => {
            let list = |types: Vec<String>| types.join(", ");
            let params = list(func.params().map(|p| p.to_string()).collect());
            let results: Vec<String> = func.results().map(|r| r.to_string()).collect();
            format!("func({params}) -> {}", list(results))
        }
        wasmtime::ExternType::Memory(_) => "memory".to_owned(),
        other => format!("{other:?}").split('(').next().unwrap_or("another kind").to_lowercase(),
    }
}

/// Per-call state: the memory cap, and what growth the module asked for.
struct CallState {
    limit: usize,
    peak: usize,
    /// Set when a growth past the cap was refused, so that the abort it causes is reported
    /// as running out of memory rather than as an unexplained trap.
    denied: bool,
}

impl ResourceLimiter for CallState {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.denied = true;
            return Ok(false);
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 10_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WASM_PAGE: usize = 65_536;

    /// A description the loader accepts, as the data of a module that answers it.
    const DESCRIPTION: &str = r#"{"abi":2,"name":"A","trigger":{"id":"post-login","version":"v3"},"handlers":["onExecutePostLogin"],"event_paths":[],"secrets":[],"management_api":null}"#;

    /// A module with the ABI's shape whose entry describes itself properly and misbehaves
    /// as `body` says on every handler.
    fn misbehaving(body: &str) -> String {
        let len = DESCRIPTION.len();
        let escaped = DESCRIPTION.replace('"', "\\\"");
        format!(
            r#"(module
                (memory (export "memory") 1)
                (data (i32.const 1024) "{header}{escaped}")
                (func (export "abi_version") (result i32) i32.const 2)
                (func (export "alloc") (param i32) (result i32) i32.const 16)
                (func (export "dealloc") (param i32 i32))
                (func (export "auth0_action:A") (param i32 i32 i32 i32 i32 f64) (result i32)
                  (if (result i32) (i32.eqz (local.get 0)) (then i32.const 1024) (else {body}))))"#,
            header = le_bytes(len),
        )
    }

    fn le_bytes(len: usize) -> String {
        (len as u32).to_le_bytes().iter().map(|b| format!("\\{b:02x}")).collect()
    }

    fn runner(wat: &str, limits: Limits) -> ModuleRunner {
        ModuleRunner::new(&wat::parse_str(wat).unwrap(), limits).unwrap()
    }

    fn now() -> Timestamp {
        Timestamp::from_millis(0).unwrap()
    }

    fn empty() -> Value {
        Value::Object(serde_json::Map::new())
    }

    #[test]
    fn a_module_describes_its_actions() {
        let runner = runner(&misbehaving("i32.const 0"), Limits::default());
        assert_eq!(runner.names(), "A");
        assert_eq!(runner.action("A").unwrap().execute_handler(), "onExecutePostLogin");
    }

    #[test]
    fn an_endless_loop_runs_out_of_fuel() {
        let runner = runner(&misbehaving("(loop br 0) i32.const 0"), Limits { fuel: 10_000, ..Limits::default() });
        let result = runner.call("A", &empty(), now());
        assert_eq!(result.outcome, CallOutcome::Failed(Failure::OutOfFuel { limit: 10_000 }));
        assert_eq!(result.usage.instructions, 10_000);
    }

    #[test]
    fn an_endless_loop_runs_out_of_time_when_fuel_is_plenty() {
        let limits = Limits { fuel: u64::MAX / 2, time: Duration::from_millis(50), ..Limits::default() };
        let runner = runner(&misbehaving("(loop br 0) i32.const 0"), limits);
        let result = runner.call("A", &empty(), now());
        assert!(matches!(result.outcome, CallOutcome::Failed(Failure::OutOfTime { .. })), "{result:?}");
    }

    #[test]
    fn growing_past_the_cap_runs_out_of_memory() {
        let body = "(drop (memory.grow (i32.const 100))) unreachable";
        let runner = runner(&misbehaving(body), Limits { memory_bytes: 4 * WASM_PAGE, ..Limits::default() });
        let result = runner.call("A", &empty(), now());
        assert_eq!(result.outcome, CallOutcome::Failed(Failure::OutOfMemory { limit: 4 * WASM_PAGE }));
    }

    #[test]
    fn an_answer_outside_memory_breaks_the_abi() {
        let runner = runner(&misbehaving("i32.const 70000"), Limits::default());
        let result = runner.call("A", &empty(), now());
        assert!(matches!(result.outcome, CallOutcome::Failed(Failure::BadAnswer(_))), "{result:?}");
    }

    #[test]
    fn a_module_with_imports_is_refused() {
        let wat = r#"(module (import "env" "f" (func)) (memory (export "memory") 1))"#;
        let error = ModuleRunner::new(&wat::parse_str(wat).unwrap(), Limits::default()).unwrap_err();
        assert_eq!(error.to_string(), "expected a module with no imports, found 1 (first: env::f)");
    }

    #[test]
    fn a_module_without_actions_is_refused() {
        let wat = r#"(module (memory (export "memory") 1)
            (func (export "abi_version") (result i32) i32.const 2)
            (func (export "alloc") (param i32) (result i32) i32.const 0)
            (func (export "dealloc") (param i32 i32)))"#;
        let error = ModuleRunner::new(&wat::parse_str(wat).unwrap(), Limits::default()).unwrap_err();
        assert_eq!(error.to_string(), "expected a module with at least one Action (an export auth0_action:<Name>), found none");
        let wat = r#"(module (memory (export "memory") 1))"#;
        let error = ModuleRunner::new(&wat::parse_str(wat).unwrap(), Limits::default()).unwrap_err();
        assert_eq!(error.to_string(), "expected the export `abi_version` of type func() -> i32, found nothing");
    }

    #[test]
    fn bytes_that_are_not_wasm_are_refused() {
        let error = ModuleRunner::new(b"not wasm", Limits::default()).unwrap_err();
        assert!(error.to_string().starts_with("expected a WebAssembly module"), "{error}");
    }

    #[test]
    fn a_module_that_describes_itself_otherwise_than_its_manifest_is_refused_when_it_runs() {
        let bytes = wat::parse_str(misbehaving("i32.const 0")).unwrap();
        let mut manifest: ActionInfo = serde_json::from_str(DESCRIPTION).unwrap();
        manifest.event_paths = vec!["user.email".to_owned()];
        let mut runner = ModuleRunner::empty(Limits::default());
        runner.add_described(&bytes, vec![manifest]).unwrap();
        let result = runner.call("A", &empty(), now());
        let CallOutcome::Failed(failure) = result.outcome else { panic!("{:?}", result.outcome) };
        assert!(failure.to_string().contains("it describes A otherwise than the description that came with it"), "{failure}");
    }

    #[test]
    fn the_same_action_twice_is_refused() {
        let bytes = wat::parse_str(misbehaving("i32.const 0")).unwrap();
        let mut runner = ModuleRunner::new(&bytes, Limits::default()).unwrap();
        let error = runner.add_module(&bytes).unwrap_err();
        assert_eq!(error.to_string(), "expected each Action once, found A twice");
    }
}
