//! Where the time of one event goes (run with `cargo test --release -p tests --test qa_bench
//! -- --ignored --nocapture`): a fresh instance that does almost nothing, one Action on a
//! typical event, and the default flow on it.

// Helpers outside #[test] functions may fail loudly too: this is a test crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Instant;

use actions_core::{Action, Timestamp};
use harness::{DEFAULT_FLOW, FlowAction, Limits, ModuleRunner, run_flow};
use runner::generate::{Rng, event};

fn module() -> Vec<u8> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = std::env::var_os("QA_MODULE").map_or_else(|| root.join("dist/actions.wasm"), std::path::PathBuf::from);
    std::fs::read(path).expect("dist/actions.wasm: run `cargo xtask build` first")
}

fn per_call(label: &str, n: u32, mut f: impl FnMut()) {
    let started = Instant::now();
    for _ in 0..n {
        f();
    }
    let micros = started.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("{label:<48} {micros:>8.1} µs  ({:.0}/s)", 1e6 / micros);
}

#[test]
#[ignore = "a benchmark: run it in release"]
fn where_the_time_goes() {
    let runner = ModuleRunner::new(&module(), Limits::default()).unwrap();
    let now = Timestamp::parse_js("2024-09-16T00:00:00.000Z").unwrap();
    let mut rng = Rng::new(1);
    let event = event(&mut rng, 0, now);
    let line = serde_json::to_vec(&event).unwrap();
    let flow: Vec<FlowAction> = DEFAULT_FLOW.into_iter().map(FlowAction::Module).collect();
    let n = 20_000;
    per_call("fresh instance, input refused (\"[]\")", n, || {
        runner.call(Action::ManageSubscription, &serde_json::json!([]), now);
    });
    per_call("Manage_Subscription on a typical event", n, || {
        runner.call(Action::ManageSubscription, &event, now);
    });
    per_call("parse one JSON line (1.3 KB)", n, || {
        let _: serde_json::Value = serde_json::from_slice(&line).unwrap();
    });
    per_call("default flow (2 Actions) on it", n, || {
        run_flow(&runner, &flow, &event, now, std::time::Duration::from_secs(20));
    });
    for threads in [1, 2] {
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    for _ in 0..n * 10 {
                        let _: serde_json::Value = serde_json::from_slice(&line).unwrap();
                    }
                });
            }
        });
        let rate = f64::from(n) * 10.0 * f64::from(threads) / started.elapsed().as_secs_f64();
        println!("JSON parse only on {threads} thread(s)                  {rate:>8.0} lines/s");
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    for _ in 0..n {
                        run_flow(&runner, &flow, &event, now, std::time::Duration::from_secs(20));
                    }
                });
            }
        });
        let rate = f64::from(n) * f64::from(threads) / started.elapsed().as_secs_f64();
        println!("default flow on {threads} thread(s)                      {rate:>8.0} events/s");
    }
}

/// Instructions each Action executes on every event of `test-events/` (every fixture's event
/// through both Actions), as fuel counts them: the median, the smallest and the largest.
#[test]
#[ignore = "a benchmark: run it with --ignored --nocapture"]
fn instructions_per_action_over_test_events() {
    use harness::CallOutcome;
    use harness::{Case, discover};

    let runner = ModuleRunner::new(&module(), Limits::default()).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let now = Timestamp::parse_js("2024-09-16T23:58:28.392Z").unwrap();
    let cases: Vec<Case> =
        discover(&[root.join("test-events")]).unwrap().iter().map(|path| Case::load(path).unwrap()).collect();
    let mut all = Vec::new();
    for action in Action::ALL {
        let mut counts: Vec<u64> = cases
            .iter()
            .map(|case| {
                let call = runner.call(action, &case.event, case.now.unwrap_or(now));
                assert!(matches!(call.outcome, CallOutcome::Effects(_)), "{}: {:?}", case.path.display(), call.outcome);
                call.usage.instructions
            })
            .collect();
        counts.sort_unstable();
        all.extend_from_slice(&counts);
        println!(
            "{action:<24} events {:>4}  median {:>7}  min {:>7}  max {:>7}",
            counts.len(),
            counts[counts.len() / 2],
            counts[0],
            counts[counts.len() - 1]
        );
    }
    all.sort_unstable();
    println!("{:<24} calls  {:>4}  median {:>7}", "both Actions", all.len(), all[all.len() / 2]);
}
