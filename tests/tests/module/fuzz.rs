//! The modules' promise: every input gives an answer as data. Each Action's entry in its
//! module is fed arbitrary bytes, arbitrary JSON, generated events with odd values, huge
//! strings, deep nesting, arbitrary answers and any JavaScript number as `now`, directly
//! (unprojected: a host that breaks the contract); every call must come back as effects,
//! a pending answer or an error, never as a trap or a broken limit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::OnceLock;

use auth0_actions::ModuleAnswer;
use harness::Limits;
use serde_json::{Value, json};
use tests::{Rng, deployed, event_for, module_files};

/// Every module, compiled once for direct calls.
struct Raw {
    engine: wasmtime::Engine,
    modules: Vec<(String, wasmtime::Module)>,
}

fn raw() -> &'static Raw {
    static RAW: OnceLock<Raw> = OnceLock::new();
    RAW.get_or_init(|| {
        let mut config = wasmtime::Config::new();
        config.consume_fuel(true);
        let engine = wasmtime::Engine::new(&config).unwrap();
        let modules = module_files()
            .into_iter()
            .map(|path| {
                let name = path.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
                (name, wasmtime::Module::new(&engine, std::fs::read(&path).unwrap()).unwrap())
            })
            .collect();
        Raw { engine, modules }
    })
}

/// Runs the entry of `action` with these bytes and `now_ms` as given; `Err` says why the
/// module gave no answer. Handler 0's answer (the description) is checked, and read as no
/// effects.
fn call(action: &str, handler: u32, input: &[u8], answers: &[u8], now_ms: f64) -> Result<ModuleAnswer, String> {
    let Raw { engine, modules } = raw();
    let module = &modules.iter().find(|(name, _)| name == action).ok_or("no module")?.1;
    let mut store = wasmtime::Store::new(engine, ());
    store.set_fuel(Limits::default().fuel).map_err(|e| e.to_string())?;
    let instance = wasmtime::Instance::new(&mut store, module, &[]).map_err(|e| format!("{e:#}"))?;
    let memory = instance.get_memory(&mut store, "memory").ok_or("no memory export")?;
    let alloc = instance.get_typed_func::<u32, u32>(&mut store, "alloc").map_err(|e| e.to_string())?;
    let entry = instance
        .get_typed_func::<(u32, u32, u32, u32, u32, f64), u32>(&mut store, &format!("auth0_action:{action}"))
        .map_err(|e| e.to_string())?;
    let region = |bytes: &[u8], store: &mut wasmtime::Store<()>| -> Result<(u32, u32), String> {
        if bytes.is_empty() {
            return Ok((0, 0));
        }
        let len = u32::try_from(bytes.len()).map_err(|e| e.to_string())?;
        let ptr = alloc.call(&mut *store, len).map_err(|e| format!("alloc: {e:#}"))?;
        memory.write(&mut *store, ptr as usize, bytes).map_err(|e| e.to_string())?;
        Ok((ptr, len))
    };
    let (ptr, len) = region(input, &mut store)?;
    let (answers_ptr, answers_len) = region(answers, &mut store)?;
    let answer = entry.call(&mut store, (handler, ptr, len, answers_ptr, answers_len, now_ms)).map_err(|e| format!("entry: {e:#}"))?;
    let data = memory.data(&store);
    let header: [u8; 4] = data.get(answer as usize..answer as usize + 4).and_then(|h| h.try_into().ok()).ok_or("answer pointer outside memory")?;
    let start = answer as usize + 4;
    let json = data.get(start..start + u32::from_le_bytes(header) as usize).ok_or("answer outside memory")?;
    if handler == 0 {
        // Handler 0 describes the Action, whatever the input.
        let described: harness::ActionInfo = serde_json::from_slice(json).map_err(|e| format!("the description is not the ABI's: {e}"))?;
        if described.name != action {
            return Err(format!("the description names {:?}", described.name));
        }
        return Ok(ModuleAnswer { effects: Some(Vec::new()), pending: None, error: None });
    }
    serde_json::from_slice(json).map_err(|e| format!("the answer is not the ABI's: {e}"))
}

fn assert_answers(action: &str, handler: u32, input: &[u8], answers: &[u8], now_ms: f64) {
    if let Err(failure) = call(action, handler, input, answers, now_ms) {
        let shown = String::from_utf8_lossy(input);
        panic!("{action} (handler {handler}) gave no answer: {failure}\n  now: {now_ms}\n  input ({} bytes): {}", input.len(), shown.chars().take(400).collect::<String>());
    }
}

fn any_json(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 5 { 4 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => json!(rng.next_u64() as i64),
        3 => json!(["a", "é", "\u{0}", "team;2025-01-31;active", "https://x.example", "admin"][rng.below(6)]),
        4 => Value::Array((0..rng.below(5)).map(|_| any_json(rng, depth + 1)).collect()),
        _ => Value::Object(
            (0..rng.below(5))
                .map(|_| (["user", "secrets", "authorization", "roles", "metadata", "x", "effect", "returns"][rng.below(8)].to_owned(), any_json(rng, depth + 1)))
                .collect(),
        ),
    }
}

fn any_now(rng: &mut Rng) -> f64 {
    [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 8.64e15, 8.64e15 + 1.0, f64::MAX, 1.726_531_108_392e12, f64::from_bits(rng.next_u64())][rng.below(9)]
}

#[test]
fn arbitrary_inputs_and_answers_get_an_answer() {
    let mut rng = Rng::new(1);
    for action in deployed().actions() {
        let handlers = u32::try_from(action.handlers.len()).unwrap();
        for _ in 0..300 {
            let handler = u32::try_from(rng.below(handlers as usize + 2)).unwrap();
            let input: Vec<u8> = match rng.below(3) {
                0 => (0..rng.below(300)).map(|_| rng.next_u64() as u8).collect(),
                1 => serde_json::to_vec(&any_json(&mut rng, 0)).unwrap(),
                _ => serde_json::to_vec(&event_for(&mut rng, action)).unwrap(),
            };
            let answers: Vec<u8> = match rng.below(4) {
                0 => Vec::new(),
                1 => (0..rng.below(50)).map(|_| rng.next_u64() as u8).collect(),
                _ => serde_json::to_vec(&json!([{"effect": rng.below(3), "returns": any_json(&mut rng, 3)}, {"effect": 1, "throws": "x"}])).unwrap(),
            };
            let now = if rng.chance(80) { 1.726_531_108_392e12 } else { any_now(&mut rng) };
            assert_answers(&action.name, handler, &input, &answers, now);
        }
    }
}

#[test]
fn deep_nesting_huge_strings_and_odd_nows_get_an_answer() {
    let mut rng = Rng::new(2);
    for action in deployed().actions() {
        for depth in [1_usize, 31, 32, 33, 400, 5_000] {
            for open in ["[", "{\"a\":", "{\"user\":"] {
                assert_answers(&action.name, 1, open.repeat(depth).as_bytes(), b"", 0.0);
            }
        }
        for repeat in [1_000_usize, 40_000] {
            let mut event = event_for(&mut rng, action);
            for secret in &action.secrets {
                event["secrets"][secret.name.as_str()] = json!("rol_A, ".repeat(repeat));
            }
            assert_answers(&action.name, 1, &serde_json::to_vec(&event).unwrap(), b"", 1.726_531_108_392e12);
        }
        for now in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 8.64e15 + 1.0] {
            let refused = call(&action.name, 1, b"{}", b"", now).unwrap();
            assert_eq!(refused.error.map(|e| e.code).as_deref(), Some("bad_now"), "{} with now {now}", action.name);
        }
    }
}
