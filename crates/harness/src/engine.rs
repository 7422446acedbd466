//! All wasmtime set-up, in one place: the module is compiled once, checked against the ABI
//! (no imports, the expected exports), and every call gets a fresh `Store` and instance with
//! fuel, a memory cap and an epoch deadline, so that no call can hang, exhaust the host, or
//! see state left by another.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use actions_core::projection::project;
use actions_core::{Action, Effect, InputErrorData, Outcome, Timestamp};
use serde_json::Value;
use serde::Serialize;
use wasmtime::{
    Config, Engine, InstancePre, Linker, Memory, Module, ResourceLimiter, Store, Trap, TypedFunc,
};

/// How often the epoch ticks; time budgets are whole multiples of it.
const EPOCH_TICK: Duration = Duration::from_millis(5);

/// What one call may use before it is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wasm instructions (wasmtime fuel units).
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
    /// True when no module runs: the Actions' Rust code compiled into the runner (`--native`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub native: bool,
}

impl ModuleInfo {
    /// The identity of these module bytes.
    pub fn of(bytes: &[u8]) -> Self {
        ModuleInfo { size: bytes.len(), sha256: actions_core::sha256_hex(bytes), native: false }
    }
}

/// What one call used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
pub struct Usage {
    /// Wasm instructions executed (fuel consumed).
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
    /// The module refused the input and said why (an error as data, not a failure).
    Refused(InputErrorData),
    /// The module gave no answer.
    Failed(Failure),
}

/// The sentence for an input the module refused, as every report prints it.
pub fn refusal(error: &InputErrorData) -> String {
    format!("the module refused the event ({}): {}", error.code, error.message)
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
}

/// One call's outcome and what it used.
#[derive(Debug, Clone, PartialEq)]
pub struct CallResult {
    /// What the module answered, or why it gave no answer.
    pub outcome: CallOutcome,
    /// Instructions, memory and time.
    pub usage: Usage,
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
        name: &'static str,
        /// Its type in the ABI.
        expected: &'static str,
        /// What the module has under that name.
        found: String,
    },
    /// wasmtime could not be configured on this machine.
    #[error("could not set up wasmtime: {0:#}")]
    Engine(wasmtime::Error),
}

/// The compiled module, ready to run any Action any number of times, from any thread; or
/// the same Actions compiled natively into the runner ([`ModuleRunner::native`]).
pub struct ModuleRunner {
    backend: Backend,
    info: ModuleInfo,
    limits: Limits,
}

enum Backend {
    Wasm {
        engine: Engine,
        pre: InstancePre<CallState>,
        /// Dropping the sender stops the epoch ticker.
        _ticker: mpsc::Sender<()>,
    },
    /// `actions_core::run_json` called directly, on the same projected bytes.
    Native,
}

impl std::fmt::Debug for ModuleRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleRunner").field("info", &self.info).field("limits", &self.limits).finish()
    }
}

/// Expected export types, as the ABI (see `actions-wasm/src/abi.rs`) defines them.
const ENTRY_TYPE: &str = "func(i32, i32, f64) -> i32";

impl ModuleRunner {
    /// Compiles a module (`dist/actions.wasm`, or the one a bundle inlines) and checks it
    /// against the ABI: no imports, `memory`, `alloc` and one export per Action.
    pub fn new(bytes: &[u8], limits: Limits) -> Result<Self, LoadError> {
        // A pool of pre-mapped instance slots makes a fresh instance per call cheap (no mmap
        // per call; memory is reset copy-on-write from the module's image). Where the pool
        // cannot be set up (address space limited by ulimit -v, say) calls still work, slower.
        let engine = Engine::new(&config(true, limits))
            .or_else(|_| Engine::new(&config(false, limits)))
            .map_err(LoadError::Engine)?;
        let module = Module::new(&engine, bytes).map_err(LoadError::Compile)?;
        let imports: Vec<String> =
            module.imports().map(|i| format!("{}::{}", i.module(), i.name())).collect();
        if let Some(first) = imports.first() {
            return Err(LoadError::HasImports { count: imports.len(), first: first.clone() });
        }
        check_exports(&module)?;
        let pre = Linker::new(&engine).instantiate_pre(&module).map_err(LoadError::Engine)?;
        let (sender, receiver) = mpsc::channel::<()>();
        let ticking = engine.clone();
        thread::spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = receiver.recv_timeout(EPOCH_TICK) {
                ticking.increment_epoch();
            }
        });
        Ok(ModuleRunner { backend: Backend::Wasm { engine, pre, _ticker: sender }, info: ModuleInfo::of(bytes), limits })
    }

    /// The Actions' Rust code compiled into this runner, with no module: the edit-and-test
    /// loop without a wasm build. It takes the same projection and writes the same answer
    /// bytes as the module (a test holds the two equal on every fixture and on generated
    /// events), but counts no instructions and enforces no fuel or memory limit.
    pub fn native(limits: Limits) -> Self {
        let info = ModuleInfo { size: 0, sha256: String::new(), native: true };
        ModuleRunner { backend: Backend::Native, info, limits }
    }

    /// Which bytes run (or that none do: native).
    pub fn info(&self) -> &ModuleInfo {
        &self.info
    }

    /// What each call may use.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Runs `action` on one event in a fresh instance. Only the paths the Action's decision
    /// reads cross into the module ([`actions_core::projection`]), exactly as the shim sends
    /// them: there is no way to hand the module a whole event.
    pub fn call(&self, action: Action, event: &Value, now: Timestamp) -> CallResult {
        self.call_within(action, event, now, self.limits.time)
    }

    /// As [`ModuleRunner::call`], with at most `time` of wall-clock time (never more than the
    /// runner's own limit): a flow gives each Action what the flow has left.
    pub fn call_within(&self, action: Action, event: &Value, now: Timestamp, time: Duration) -> CallResult {
        let time = time.min(self.limits.time);
        let started = Instant::now();
        let event_json = project(action.spec(), event);
        let event_json = event_json.as_slice();
        let Backend::Wasm { engine, pre, .. } = &self.backend else {
            // JavaScript numbers are f64; every time value is exactly representable.
            #[allow(clippy::cast_precision_loss)]
            let answer = actions_core::run_json(action, event_json, now.millis() as f64).to_json();
            let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            return CallResult { outcome: decode_answer(&answer), usage: Usage { micros, ..Usage::default() } };
        };
        let mut store = Store::new(
            engine,
            CallState { limit: self.limits.memory_bytes, peak: 0, denied: false },
        );
        store.limiter(|state| state);
        let result = self.call_in(pre, &mut store, action, event_json, now, time);
        let remaining = store.get_fuel().unwrap_or(0);
        let usage = Usage {
            instructions: self.limits.fuel.saturating_sub(remaining),
            memory_bytes: store.data().peak,
            micros: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        };
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(error) => CallOutcome::Failed(self.failure(&error, store.data(), time)),
        };
        CallResult { outcome, usage }
    }

    fn call_in(
        &self,
        pre: &InstancePre<CallState>,
        store: &mut Store<CallState>,
        action: Action,
        event_json: &[u8],
        now: Timestamp,
        time: Duration,
    ) -> wasmtime::Result<CallOutcome> {
        store.set_fuel(self.limits.fuel)?;
        let ticks = time.as_millis().div_ceil(EPOCH_TICK.as_millis()).max(1);
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
        store.epoch_deadline_trap();

        let instance = pre.instantiate(&mut *store)?;
        let memory = instance
            .get_memory(&mut *store, "memory")
            .ok_or_else(|| wasmtime::Error::msg("the module exports no memory"))?;
        let alloc: TypedFunc<u32, u32> = instance.get_typed_func(&mut *store, "alloc")?;
        let entry: TypedFunc<(u32, u32, f64), u32> =
            instance.get_typed_func(&mut *store, action.spec().export)?;

        let Ok(len) = u32::try_from(event_json.len()) else {
            return Ok(CallOutcome::Failed(Failure::OutOfMemory { limit: self.limits.memory_bytes }));
        };
        let ptr = alloc.call(&mut *store, len)?;
        if ptr == 0 {
            return Ok(CallOutcome::Failed(Failure::OutOfMemory { limit: self.limits.memory_bytes }));
        }
        memory.write(&mut *store, ptr as usize, event_json)?;
        // JavaScript numbers are f64; every time value is exactly representable.
        #[allow(clippy::cast_precision_loss)]
        let now_ms = now.millis() as f64;
        let answer = entry.call(&mut *store, (ptr, len, now_ms))?;
        if answer == 0 {
            return Ok(CallOutcome::Failed(Failure::OutOfMemory { limit: self.limits.memory_bytes }));
        }
        Ok(read_answer(store, memory, answer))
    }

    fn failure(&self, error: &wasmtime::Error, state: &CallState, time: Duration) -> Failure {
        match error.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => Failure::OutOfFuel { limit: self.limits.fuel },
            Some(Trap::Interrupt) => Failure::OutOfTime { limit: time },
            // Rust aborts (an `unreachable` trap) when its allocator cannot grow memory.
            Some(_) if state.denied => Failure::OutOfMemory { limit: self.limits.memory_bytes },
            Some(trap) => Failure::Trap(trap.to_string()),
            None if state.denied => Failure::OutOfMemory { limit: self.limits.memory_bytes },
            None => Failure::Trap(format!("{error:#}")),
        }
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
            // next call (measured with the older 256 KiB module: a fresh instance 13-14 µs
            // instead of 17-19; with this one, keeping 128 KiB rather than 256 KiB: 10.2-10.4
            // µs instead of 10.7; see BENCHMARKS.md). With the old 1 MiB stack, 1.3 MiB kept
            // was slower (38 µs) than none.
            .linear_memory_keep_resident(128 * 1024)
            .table_keep_resident(64 * 1024);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

fn read_answer(store: &mut Store<CallState>, memory: Memory, answer: u32) -> CallOutcome {
    let bad = |message: String| CallOutcome::Failed(Failure::BadAnswer(message));
    let mut header = [0_u8; 4];
    if memory.read(&mut *store, answer as usize, &mut header).is_err() {
        return bad(format!("expected an answer inside memory, found a pointer {answer} past its end"));
    }
    let len = u32::from_le_bytes(header) as usize;
    let start = answer as usize + 4;
    let Some(json) = memory.data(&*store).get(start..start.saturating_add(len)) else {
        return bad(format!("expected {len} bytes of answer at {start}, found the end of memory"));
    };
    decode_answer(json)
}

/// The answer's JSON, as the module writes it (and the native backend too).
fn decode_answer(json: &[u8]) -> CallOutcome {
    match serde_json::from_slice::<Outcome>(json) {
        Ok(Outcome::Effects(effects)) => CallOutcome::Effects(effects),
        Ok(Outcome::Error(error)) => CallOutcome::Refused(error),
        Err(error) => CallOutcome::Failed(Failure::BadAnswer(format!(
            "expected {{\"effects\": [...]}} or {{\"error\": ...}}, found JSON that does not decode: {error}"
        ))),
    }
}

/// The names a module exports, for checks outside the engine (wasmtime only parses).
pub fn module_exports(bytes: &[u8]) -> Result<Vec<String>, LoadError> {
    let engine = Engine::new(&Config::new()).map_err(LoadError::Engine)?;
    let module = Module::new(&engine, bytes).map_err(LoadError::Compile)?;
    Ok(module.exports().map(|export| export.name().to_owned()).collect())
}

fn check_exports(module: &Module) -> Result<(), LoadError> {
    let mut wanted: Vec<(&'static str, &'static str)> =
        vec![("memory", "memory"), ("alloc", "func(i32) -> i32")];
    wanted.extend(Action::ALL.iter().map(|action| (action.spec().export, ENTRY_TYPE)));
    for (name, expected) in wanted {
        let found = match module.get_export(name) {
            None => "nothing".to_owned(),
            Some(ty) => describe(&ty),
        };
        if found != expected {
            return Err(LoadError::Export { name, expected, found });
        }
    }
    Ok(())
}

fn describe(ty: &wasmtime::ExternType) -> String {
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
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.denied = true;
            return Ok(false);
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 10_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WASM_PAGE: usize = 65_536;

    fn runner(wat: &str, limits: Limits) -> ModuleRunner {
        ModuleRunner::new(&wat::parse_str(wat).unwrap(), limits).unwrap()
    }

    /// A module with the ABI's shape whose entries misbehave as `body` says.
    fn misbehaving(body: &str) -> String {
        format!(
            r#"(module
                (memory (export "memory") 1)
                (func (export "alloc") (param i32) (result i32) i32.const 16)
                (func $entry (param i32 i32 f64) (result i32) {body})
                {})"#,
            Action::ALL.map(|action| format!("(export \"{}\" (func $entry))", action.spec().export)).join(" ")
        )
    }

    fn now() -> Timestamp {
        Timestamp::from_millis(0).unwrap()
    }

    #[test]
    fn an_endless_loop_runs_out_of_fuel() {
        let runner = runner(&misbehaving("(loop br 0) i32.const 0"), Limits { fuel: 10_000, ..Limits::default() });
        let result = runner.call(Action::ManageSubscription, &Value::Object(serde_json::Map::new()), now());
        assert_eq!(result.outcome, CallOutcome::Failed(Failure::OutOfFuel { limit: 10_000 }));
        assert_eq!(result.usage.instructions, 10_000);
    }

    #[test]
    fn an_endless_loop_runs_out_of_time_when_fuel_is_plenty() {
        let limits = Limits { fuel: u64::MAX / 2, time: Duration::from_millis(50), ..Limits::default() };
        let runner = runner(&misbehaving("(loop br 0) i32.const 0"), limits);
        let result = runner.call(Action::ManageSubscription, &Value::Object(serde_json::Map::new()), now());
        assert!(matches!(result.outcome, CallOutcome::Failed(Failure::OutOfTime { .. })), "{result:?}");
    }

    #[test]
    fn growing_past_the_cap_runs_out_of_memory() {
        let body = "(drop (memory.grow (i32.const 100))) unreachable";
        let runner = runner(&misbehaving(body), Limits { memory_bytes: 4 * WASM_PAGE, ..Limits::default() });
        let result = runner.call(Action::ManageSubscription, &Value::Object(serde_json::Map::new()), now());
        assert_eq!(result.outcome, CallOutcome::Failed(Failure::OutOfMemory { limit: 4 * WASM_PAGE }));
    }

    #[test]
    fn an_answer_outside_memory_breaks_the_abi() {
        let runner = runner(&misbehaving("i32.const 70000"), Limits::default());
        let result = runner.call(Action::ManageSubscription, &Value::Object(serde_json::Map::new()), now());
        assert!(matches!(result.outcome, CallOutcome::Failed(Failure::BadAnswer(_))), "{result:?}");
    }

    #[test]
    fn a_module_with_imports_is_refused() {
        let wat = r#"(module (import "env" "f" (func)) (memory (export "memory") 1))"#;
        let error = ModuleRunner::new(&wat::parse_str(wat).unwrap(), Limits::default()).unwrap_err();
        assert_eq!(error.to_string(), "expected a module with no imports, found 1 (first: env::f)");
    }

    #[test]
    fn a_module_without_the_entries_is_refused() {
        let wat = r#"(module (memory (export "memory") 1) (func (export "alloc") (param i32) (result i32) i32.const 0))"#;
        let error = ModuleRunner::new(&wat::parse_str(wat).unwrap(), Limits::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "expected the export `manage_subscription` of type func(i32, i32, f64) -> i32, found nothing"
        );
    }

    #[test]
    fn bytes_that_are_not_wasm_are_refused() {
        let error = ModuleRunner::new(b"not wasm", Limits::default()).unwrap_err();
        assert!(error.to_string().starts_with("expected a WebAssembly module"), "{error}");
    }
}


