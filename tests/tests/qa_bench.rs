//! Where the time of one event goes, and what each Action costs (run with `cargo test
//! --release -p tests --test qa_bench -- --ignored --nocapture`): a fresh instance that does
//! almost nothing, each Action on its own fixtures, and the default flow on generated events.

// Helpers outside #[test] functions may fail loudly too: this is a test crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Instant;

use auth0_actions::Timestamp;
use harness::{CallOutcome, Case, FlowAction, FlowRequest, NoAnswers, discover, run_flow};
use runner::generate::{Rng, event};
use tests::{deployed, fixtures_folder, root};

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
    let runner = deployed();
    let now = Timestamp::parse_js("2024-09-16T00:00:00.000Z").unwrap();
    let mut rng = Rng::new(1);
    let event = event(&mut rng, 0, now);
    let flow: Vec<FlowAction> = runner.default_flow().into_iter().map(FlowAction::Named).collect();
    let n = 20_000;
    let first = runner.actions().next().unwrap().name.clone();
    per_call(&format!("fresh instance, input refused ({first}, \"[]\")"), n, || {
        runner.call(&first, &serde_json::json!([]), now);
    });
    for name in runner.default_flow() {
        per_call(&format!("{name} on a generated event"), n, || {
            runner.call(&name, &event, now);
        });
    }
    per_call(&format!("the default flow ({} Actions) on it", flow.len()), n, || {
        run_flow(runner, FlowRequest { actions: &flow, event: &event, now, budget: std::time::Duration::from_secs(20), resume: None }, &mut NoAnswers);
    });
}

/// Instructions each Action executes on its own fixtures (their first handler, where they
/// need no answer), as fuel counts them: the median, the smallest and the largest.
#[test]
#[ignore = "a benchmark: run it with --ignored --nocapture"]
fn instructions_per_action_over_its_fixtures() {
    let runner = deployed();
    let now = Timestamp::parse_js("2024-09-16T23:58:28.392Z").unwrap();
    let mut all = Vec::new();
    for action in runner.actions() {
        let folder = fixtures_folder(action).unwrap();
        let mut counts: Vec<u64> = discover(&[folder])
            .unwrap()
            .iter()
            .filter_map(|path| {
                let case = Case::load(path).unwrap();
                let call = runner.call(&action.name, &case.event, case.now.unwrap_or(now));
                matches!(call.outcome, CallOutcome::Effects(_)).then_some(call.usage.instructions)
            })
            .collect();
        counts.sort_unstable();
        all.extend_from_slice(&counts);
        println!(
            "{:<24} events {:>4}  median {:>7}  min {:>7}  max {:>7}",
            action.name,
            counts.len(),
            counts[counts.len() / 2],
            counts[0],
            counts[counts.len() - 1]
        );
    }
    all.sort_unstable();
    println!("{:<24} calls  {:>4}  median {:>7}", "all Actions", all.len(), all[all.len() / 2]);
    assert!(root().is_dir());
}
