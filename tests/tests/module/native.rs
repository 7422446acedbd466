//! The native loop (`cargo xtask replay --native`, [`ModuleRunner::native`]) is only worth
//! having if it answers exactly as the modules do: every fixture and thousands of events
//! generated from each Action's declaration (odd values included) go through both, with the
//! same answers to the calls that answer, and their effects must be identical.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use auth0_actions::{Answer, Effect, Timestamp};
use harness::{Answers, Call, Case, ModuleRunner, ReplayOptions, discover, replay_one};
use serde_json::json;
use tests::{NOW, Rng, deployed, event_for, native, root};

fn now() -> Timestamp {
    Timestamp::parse_js(NOW).unwrap()
}

#[test]
fn every_fixture_gives_the_same_result_natively_and_in_the_modules() {
    let paths = discover(&[root().join("test-events")]).unwrap();
    for path in paths {
        let run = |runner: &ModuleRunner| replay_one(runner, Case::load(&path), path.clone(), ReplayOptions { now: now() });
        let (a, b) = (run(deployed()), run(native()));
        let shown = |r: &harness::FixtureResult| (r.status, r.actual.clone(), r.actual_continue.clone(), r.actual_flow.clone(), r.message.clone(), r.warnings.clone());
        assert_eq!(shown(&a), shown(&b), "{}", path.display());
    }
}

/// Answers of every shape a call can get, the same for both runners.
struct Synthetic(Rng);

impl Answers for Synthetic {
    fn answer(&mut self, _action: &str, effect: &Effect) -> Result<Answer, String> {
        let rng = &mut self.0;
        Ok(match effect {
            Effect::Api(call) => match call.path.as_str() {
                "redirect.encodeToken" => Answer::Returns(json!("eyJ.tok.en")),
                "redirect.validateToken" if rng.chance(30) => Answer::Throws("the token expired".into()),
                "redirect.validateToken" => Answer::Returns(json!({"company": rng.pick(&[json!(" Acme "), json!(""), json!(7), json!("x".repeat(101))]).clone()})),
                "rules.wasExecuted" => Answer::Returns(json!(rng.chance(50))),
                "cache.get" if rng.chance(50) => Answer::Returns(json!(null)),
                "cache.get" => Answer::Returns(json!({"value": "v", "expires_at": 1})),
                _ if rng.chance(10) => Answer::Returns(json!(5)),
                _ => Answer::Returns(json!({"type": "success"})),
            },
            Effect::ManagementApi(_) => Answer::Returns(json!({"status": 200, "body": {"ok": true}})),
            Effect::Log(_) => return Err("a log line answers nothing".into()),
        })
    }
}

#[test]
fn generated_events_give_the_same_effects_and_refusals_natively_and_in_the_modules() {
    let mut rng = Rng::new(5);
    let mut calls = 0;
    for action in native().actions() {
        for round in 0..400_u64 {
            let event = event_for(&mut rng, action);
            for handler in &action.handlers {
                let call = Call { action: &action.name, handler, event: &event, now: now(), time: deployed().limits().time };
                let wasm = deployed().run(&call, &mut Synthetic(Rng::new(round)));
                let natively = native().run(&call, &mut Synthetic(Rng::new(round)));
                assert_eq!(wasm.outcome, natively.outcome, "{} ({handler})\n  event: {event}", action.name);
                assert_eq!(wasm.answered, natively.answered, "{} ({handler})", action.name);
                calls += 1;
            }
        }
    }
    assert!(calls > 0);
}
