//! The native loop (`runner replay --native`, [`ModuleRunner::native`]) is only worth having
//! if it answers exactly as the module does: every fixture, 200,000 generated events and
//! generated malformed ones go through both, and their effects must be identical.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use actions_core::{Action, Timestamp};
use harness::{Case, Limits, ModuleRunner, ReplayOptions, discover, replay_one};
use runner::generate::{Rng, event};
use serde_json::{Value, json};
use tests::{NOW, module_runner, root};

fn now() -> Timestamp {
    Timestamp::parse_js(NOW).unwrap()
}

#[test]
fn every_fixture_gives_the_same_result_natively_and_in_the_module() {
    let (wasm, native) = (module_runner(), ModuleRunner::native(Limits::default()));
    let paths = discover(&[root().join("test-events")]).unwrap();
    assert!(paths.len() >= 100, "{}", paths.len());
    for path in paths {
        let run = |runner: &ModuleRunner| replay_one(runner, Case::load(&path), path.clone(), ReplayOptions { now: now() });
        let (a, b) = (run(&wasm), run(&native));
        let shown = |r: &harness::FixtureResult| (r.status, r.actual.clone(), r.actual_flow.clone(), r.message.clone(), r.warnings.clone());
        assert_eq!(shown(&a), shown(&b), "{}", path.display());
        assert!(b.module.native && !a.module.native);
    }
}

/// A value of a surprising type or content, for a path a decision reads.
fn odd(rng: &mut Rng) -> Value {
    match rng.below(16) {
        0 => Value::Null,
        1 => json!(rng.next_u64() as i64),
        2 => json!(-1.5e300),
        3 => json!(rng.chance(50)),
        4 => json!("trial;not-a-date;active"),
        5 => json!(";;"),
        6 => json!("enterprise;2024-02-30T00:00:00.000Z"),
        7 => json!("team;+275760-09-13T00:00:00.000Z;active"),
        8 => json!("x".repeat(rng.below(5000) as usize)),
        9 => json!("ünïcødé;2024-09-17T23:58:28.392Z;\u{1F600}\u{0}"),
        10 => json!([1, "a", null]),
        11 => json!({"nested": {"deeper": [{}]}}),
        12 => json!({}),
        13 => json!(""),
        14 => json!("rol_A, rol_B,,rol_A ,"),
        _ => json!(0),
    }
}

/// Replaces the value at a dotted path (or at one of its prefixes) with an odd one.
fn mutate(event: &mut Value, rng: &mut Rng) {
    let spec = Action::ALL[rng.below(Action::ALL.len() as u64) as usize].spec();
    let mut paths: Vec<String> = spec.event_paths.iter().map(|p| (*p).to_owned()).collect();
    paths.extend(spec.decision_secrets.iter().map(|s| format!("secrets.{}", s.name)));
    let path = &paths[rng.below(paths.len() as u64) as usize];
    let parts: Vec<&str> = path.split('.').collect();
    let depth = 1 + rng.below(parts.len() as u64) as usize;
    let mut at = event;
    for (i, part) in parts[..depth].iter().enumerate() {
        if !at.is_object() {
            *at = json!({});
        }
        let object = at.as_object_mut().unwrap();
        if i + 1 == depth {
            object.insert((*part).to_owned(), odd(rng));
            return;
        }
        at = object.entry((*part).to_owned()).or_insert_with(|| json!({}));
    }
}

/// Both backends on `count` events from `make`, on two threads, every Action each.
fn differential(count: u64, make: impl Fn(u64) -> Value + Sync) {
    let (wasm, native) = (module_runner(), ModuleRunner::native(Limits::default()));
    let now = now();
    std::thread::scope(|scope| {
        for part in 0..2u64 {
            let (wasm, native, make) = (&wasm, &native, &make);
            scope.spawn(move || {
                for index in (part..count).step_by(2) {
                    let event = make(index);
                    for action in Action::ALL {
                        let (a, b) = (wasm.call(action, &event, now), native.call(action, &event, now));
                        assert_eq!(a.outcome, b.outcome, "event {index}, {}:\n{event:#}", action.name());
                    }
                }
            });
        }
    });
}

#[test]
fn two_hundred_thousand_generated_events_give_the_same_effects() {
    let now = now();
    differential(200_000, |index| event(&mut Rng::new(42 ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15)), index, now));
}

#[test]
fn generated_malformed_events_give_the_same_effects_and_refusals() {
    let now = now();
    differential(20_000, |index| {
        let mut rng = Rng::new(7 ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut event = event(&mut rng, index, now);
        for _ in 0..1 + rng.below(3) {
            mutate(&mut event, &mut rng);
        }
        event
    });
}
