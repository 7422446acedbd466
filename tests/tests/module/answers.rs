//! Calls that answer, through the modules: a decision that asks is run again with each
//! answer, in the order it asks; a fixture without the answer fails with a sentence naming
//! the call; an answer of another shape is the module's error, as data. The Actions that ask
//! are found by running them, not by name.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use auth0_actions::Timestamp;
use harness::{Call, CallOutcome, Failure, NoAnswers};
use tests::{NOW, Rng, deployed, event_for};

/// For each Action, an event on which it asks for an answer, if it ever does on generated
/// events.
fn askers() -> Vec<(String, String, serde_json::Value)> {
    let mut rng = Rng::new(11);
    let mut found = Vec::new();
    for action in deployed().actions() {
        for handler in &action.handlers {
            for _ in 0..400 {
                let event = event_for(&mut rng, action);
                let call = Call { action: &action.name, handler, event: &event, now: Timestamp::parse_js(NOW).unwrap(), time: deployed().limits().time };
                if matches!(deployed().run(&call, &mut NoAnswers).outcome, CallOutcome::Failed(Failure::NoAnswer(_))) {
                    found.push((action.name.clone(), handler.clone(), event));
                    break;
                }
            }
        }
    }
    found
}

#[test]
fn a_missing_answer_names_the_call_and_a_wrong_one_is_data() {
    let askers = askers();
    assert!(!askers.is_empty(), "expected some Action of the build to ask for an answer");
    let now = Timestamp::parse_js(NOW).unwrap();
    for (action, handler, event) in askers {
        let call = Call { action: &action, handler: &handler, event: &event, now, time: deployed().limits().time };
        let CallOutcome::Failed(Failure::NoAnswer(sentence)) = deployed().run(&call, &mut NoAnswers).outcome else { panic!("it asks") };
        assert!(sentence.contains("the decision asked for the answer of api.") || sentence.contains("Management API"), "{sentence}");
        // An answer of a shape no call answers: a number where an object or a string is due.
        struct Five;
        impl harness::Answers for Five {
            fn answer(&mut self, _: &str, _: &harness::Effect) -> Result<harness::Answer, String> {
                Ok(harness::Answer::Returns(serde_json::json!([5])))
            }
        }
        match deployed().run(&call, &mut Five).outcome {
            CallOutcome::Refused(error) => assert_eq!(error.code, "bad_answer", "{action}: {}", error.message),
            // A call whose answer may be anything (validateToken's payload) goes on.
            CallOutcome::Effects(_) => {}
            other => panic!("{action} ({handler}) with a wrong answer: {other:?}"),
        }
    }
}
