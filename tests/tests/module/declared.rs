//! The declaration is complete: on events generated from what each Action declares (every
//! path, with odd values now and then, and data it does not declare beside them), every
//! handler asks for the same effects whether it is given the whole event or only its
//! projection, and never reads a path it does not declare. A decision that read an undeclared
//! path would see it in the whole event and not in the projection, and fail this.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use auth0_actions::projection::project;
use auth0_actions::{ModuleAnswer, Registered};
use tests::{CRATES, Rng, event_for, native};

const EVENTS_PER_ACTION: usize = 1_500;

fn registered(name: &str) -> &'static Registered {
    CRATES.iter().flat_map(|actions| actions.iter()).find(|action| action.name == name).unwrap()
}

fn answer(json: &[u8]) -> ModuleAnswer {
    serde_json::from_slice(json).unwrap()
}

#[test]
fn every_handler_reads_only_what_it_declares() {
    let mut rng = Rng::new(20_240_916);
    let mut checked = 0;
    for action in native().actions() {
        let registered = registered(&action.name);
        for _ in 0..EVENTS_PER_ACTION {
            let event = event_for(&mut rng, action);
            let whole = serde_json::to_vec(&event).unwrap();
            let projected = project(action, &event);
            let now = 1_726_531_108_392.0;
            for handler in 1..=u32::try_from(action.handlers.len()).unwrap() {
                let (a, b) = (answer(&auth0_actions::run(registered, handler, &whole, b"", now)), answer(&auth0_actions::run(registered, handler, &projected, b"", now)));
                if let Some(error) = &b.error {
                    assert_ne!(error.code, "undeclared_read", "{}: {}\n  event: {event}", action.name, error.message);
                }
                assert_eq!(a, b, "{} ({}) on the whole event and on its projection\n  event: {event}", action.name, action.handlers[handler as usize - 1]);
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
}

#[test]
fn every_declared_path_is_reached_by_the_generated_events() {
    // The generator sets every declared path: a projection of a generated event holds each
    // path's first key in most events.
    let mut rng = Rng::new(7);
    for action in native().actions() {
        for path in &action.event_paths {
            let first = path.split(['.', '[']).next().unwrap();
            let present = (0..200).filter(|_| {
                let projected: serde_json::Value = serde_json::from_slice(&project(action, &event_for(&mut rng, action))).unwrap();
                projected.get(first).is_some()
            });
            assert!(present.count() > 100, "{}: {path} is rarely generated", action.name);
        }
    }
}
