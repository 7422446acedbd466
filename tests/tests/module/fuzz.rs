//! Property tests of the module's promise: every input gives an answer as data. Each entry of
//! the real module (`dist/actions.wasm`) is fed arbitrary bytes, arbitrary JSON, event-shaped
//! JSON with a wrong type in any slot, huge strings, deep nesting and any `now`; every call
//! must come back as effects or as a refusal, never as a trap or a broken limit.

// Helpers outside `#[test]` functions fail a test the way a test does: by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;

use actions_core::{Action, Outcome, Timestamp};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use harness::{CallOutcome, Limits, ModuleRunner};
use serde_json::{Map, Number, Value, json};

/// JavaScript's Date range, in milliseconds either side of 1970.
const MAX_MS: i64 = 8_640_000_000_000_000;

fn module_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        tests::module_bytes()
    })
}

fn module() -> &'static ModuleRunner {
    static RUNNER: OnceLock<ModuleRunner> = OnceLock::new();
    RUNNER.get_or_init(|| {
        ModuleRunner::new(module_bytes(), Limits::default()).expect("the module loads")
    })
}

/// Calls `action` on `input` (the bytes as they reach the entry, unprojected: a host that
/// breaks the contract) and fails the property unless the module answered with data.
fn assert_answers(action: Action, input: &[u8], now: Timestamp) -> Result<(), TestCaseError> {
    #[allow(clippy::cast_precision_loss)]
    match call_with_number(action, input, now.millis() as f64) {
        Ok(_) => Ok(()),
        Err(failure) => Err(TestCaseError::fail(format!(
            "{action} gave no answer: {failure}\n  now: {}\n  input ({} bytes): {}",
            now.to_iso_string(),
            input.len(),
            shorten(&String::from_utf8_lossy(input)),
        ))),
    }
}

/// Runs `action` on `event` as the runner and the shim do (only the declared paths cross)
/// and fails the property unless the module asked for effects: the projection of an object
/// is always an object the module reads, whatever the rest of the event holds.
fn assert_effects(action: Action, event: &Value, now: Timestamp) -> Result<(), TestCaseError> {
    match module().call(action, event, now).outcome {
        CallOutcome::Effects(_) => Ok(()),
        // An event that is not an object crosses as its type, and is refused as data.
        CallOutcome::Refused(error) if !event.is_object() && error.code == "not_an_object" => Ok(()),
        other => Err(TestCaseError::fail(format!(
            "{action} on a projected event: expected effects, found {other:?}\n  event: {}",
            shorten(&event.to_string()),
        ))),
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= 600 {
        return text.to_owned();
    }
    let head: String = text.chars().take(300).collect();
    let tail: String = text
        .chars()
        .rev()
        .take(200)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head} … {tail}")
}

fn config(cases: u32) -> Config {
    let default = Config::default();
    // The same cases on every run, so that a failure is never a matter of luck; set
    // PROPTEST_RNG_SEED to explore others. No regression files are written into the source
    // tree: a failure prints its input instead.
    let rng_seed = if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
        default.rng_seed
    } else {
        RngSeed::Fixed(20_240_916)
    };
    Config {
        cases,
        rng_seed,
        failure_persistence: None,
        ..default
    }
}

fn actions() -> impl Strategy<Value = Action> {
    prop::sample::select(Action::ALL.to_vec())
}

fn any_now() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        4 => (1_600_000_000_000_i64..1_900_000_000_000).prop_map(|ms| Timestamp::from_millis(ms).unwrap()),
        1 => (-MAX_MS..=MAX_MS).prop_map(|ms| Timestamp::from_millis(ms).unwrap()),
        1 => prop::sample::select(vec![-MAX_MS, MAX_MS, MAX_MS - 1, 0]).prop_map(|ms| Timestamp::from_millis(ms).unwrap()),
    ]
}

/// Keys the Actions read, so that random objects reach the logic and not just the decoder.
const KEYS: &[&str] = &[
    "user",
    "organization",
    "stats",
    "secrets",
    "app_metadata",
    "metadata",
    "subscription",
    "logins_count",
    "user_id",
    "id",
    "ROLE_ID",
    "TRIAL_DAYS",
    "CLAIM_NAME",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => "\\PC{0,8}"]
}

/// Strings near the ones the Actions parse: subscriptions, dates, role lists, claim names.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        "\\PC{0,40}",
        "(trial|team|personal|enterprise|)(;[-+0-9TtZz:. ]{0,30}){0,4}",
        "(trial|team);[+-]?[0-9]{4,6}(-[0-9]{2}){0,2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?(;(active|activation|))?",
        "[ ,]{0,3}(rol_[A-Za-z0-9]{1,6}[ ,]{0,3}){0,6}",
        "(https?|ftp)://[a-z.]{0,20}(auth0\\.com|webtask\\.run|example\\.com)?/[a-z]{0,10}",
        "-?[0-9]{0,4}",
        prop::sample::select(vec!["sub", "org_id", "", " ", "1", "365", "366", "NaN", "\u{0}", "é;\n;\u{2028}"]).prop_map(str::to_owned),
    ]
    .boxed()
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        prop::sample::select(vec![0.0, 1.0, -1.0, 1.5, 1e308, -0.0]).prop_map(|f| json!(f)),
    ]
}

/// Any JSON value of bounded depth.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A slot that is usually well typed, sometimes absent, sometimes anything at all.
fn slot(well_typed: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        5 => well_typed.prop_map(Some),
        1 => Just(None),
        1 => json_value().prop_map(Some),
    ]
    .boxed()
}

fn object(entries: Vec<(&'static str, Option<Value>)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .filter_map(|(key, value)| Some((key.to_owned(), value?)))
            .collect(),
    )
}

fn metadata() -> impl Strategy<Value = Value> {
    slot(text().prop_map(Value::String))
        .prop_map(|subscription| object(vec![("subscription", subscription)]))
}

/// Events shaped as Auth0 sends them, with any part missing or of the wrong type.
fn event() -> impl Strategy<Value = Value> {
    let user = (slot(text().prop_map(Value::String)), slot(metadata())).prop_map(
        |(user_id, app_metadata)| {
            object(vec![("user_id", user_id), ("app_metadata", app_metadata)])
        },
    );
    let organization =
        (slot(text().prop_map(Value::String)), slot(metadata())).prop_map(|(id, metadata)| {
            object(vec![
                ("id", id),
                ("name", Some(json!("acme"))),
                ("metadata", metadata),
            ])
        });
    let stats = slot(prop_oneof![Just(json!(1)), Just(json!(2)), number()])
        .prop_map(|count| object(vec![("logins_count", count)]));
    let secrets = (
        slot(text().prop_map(Value::String)),
        slot(text().prop_map(Value::String)),
        slot(text().prop_map(Value::String)),
    )
        .prop_map(|(role, days, claim)| {
            object(vec![
                ("ROLE_ID", role),
                ("TRIAL_DAYS", days),
                ("CLAIM_NAME", claim),
            ])
        });
    (slot(user), slot(organization), slot(stats), slot(secrets)).prop_map(
        |(user, organization, stats, secrets)| {
            object(vec![
                ("user", user),
                ("organization", organization),
                ("stats", stats),
                ("secrets", secrets),
            ])
        },
    )
}

/// `value` at the place in a well-formed event named by `place`.
fn place_in_event(place: usize, value: Value) -> Value {
    let mut event = json!({
        "user": {"user_id": "auth0|1", "app_metadata": {"subscription": "team;2025-01-31;active"}},
        "organization": {"id": "org_1", "metadata": {}},
        "stats": {"logins_count": 1},
        "secrets": {"ROLE_ID": "rol_1"}
    });
    match place % 9 {
        0 => event["user"]["app_metadata"]["subscription"] = value,
        1 => event["organization"]["metadata"]["subscription"] = value,
        2 => event["user"]["user_id"] = value,
        3 => event["organization"]["id"] = value,
        4 => event["secrets"]["ROLE_ID"] = value,
        5 => event["secrets"]["TRIAL_DAYS"] = value,
        6 => event["secrets"]["CLAIM_NAME"] = value,
        7 => event["user"]["app_metadata"] = value,
        _ => event = value,
    }
    event
}

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_get_an_answer(action in actions(), input in prop::collection::vec(any::<u8>(), 0..512), now in any_now()) {
        assert_answers(action, &input, now)?;
    }

    #[test]
    fn arbitrary_json_gets_an_answer(action in actions(), value in json_value(), now in any_now()) {
        assert_answers(action, &bytes(&value), now)?;
    }

    #[test]
    fn event_shaped_json_gets_an_answer(action in actions(), event in event(), now in any_now()) {
        assert_answers(action, &bytes(&event), now)?;
        assert_effects(action, &event, now)?;
    }

    #[test]
    fn nesting_hundreds_deep_gets_an_answer(
        action in actions(),
        depth in 1_usize..=400,
        as_objects in any::<bool>(),
        place in 0_usize..9,
    ) {
        let mut value = json!("team;2025-01-31;active");
        for _ in 0..depth {
            value = if as_objects { json!({"subscription": value}) } else { json!([value]) };
        }
        let event = place_in_event(place, value);
        assert_answers(action, &bytes(&event), Timestamp::from_millis(1_726_531_108_392).unwrap())?;
        assert_effects(action, &event, Timestamp::from_millis(1_726_531_108_392).unwrap())?;
    }

    #[test]
    fn raw_deep_nesting_gets_an_answer(action in actions(), depth in 1_usize..=5_000, open in prop::sample::select(vec!["[", "{\"a\":"])) {
        // Unbalanced on purpose too: only the opening half, as a truncated upload would be.
        let input = open.repeat(depth);
        assert_answers(action, input.as_bytes(), Timestamp::from_millis(0).unwrap())?;
    }
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn huge_strings_get_an_answer(
        action in actions(),
        unit in "[a-z0-9;:, T.Z+-]{1,12}",
        repeat in 1_000_usize..40_000,
        place in 0_usize..9,
    ) {
        let value = Value::String(unit.repeat(repeat));
        assert_answers(action, &bytes(&place_in_event(place, value)), Timestamp::from_millis(1_726_531_108_392).unwrap())?;
    }
}

#[test]
fn a_long_list_of_distinct_role_ids_gets_an_answer() {
    // Deduplication must not be quadratic enough to run out of fuel on a long secret.
    for count in [100_usize, 1_000, 10_000] {
        let roles: Vec<String> = (0..count).map(|i| format!("rol_{i:08}")).collect();
        let event = place_in_event(4, Value::String(roles.join(",")));
        assert_answers(Action::SetDefaultMemberRole, &bytes(&event), Timestamp::from_millis(0).unwrap()).unwrap();
    }
}

#[test]
fn a_long_user_id_gets_an_answer() {
    // Every character of this id must be percent-encoded in the request's path.
    for repeat in [1_000_usize, 10_000, 40_000] {
        let event = place_in_event(2, Value::String("+aTaTTa0 +".repeat(repeat)));
        assert_answers(Action::SetDefaultMemberRole, &bytes(&event), Timestamp::from_millis(0).unwrap()).unwrap();
    }
}

// --- `now` as any JavaScript number, which `ModuleRunner::call` cannot express (it takes a
// `Timestamp`): the entry is called directly, as the shim calls it with `Date.now()`.

struct Raw {
    engine: wasmtime::Engine,
    module: wasmtime::Module,
}

fn raw() -> &'static Raw {
    static RAW: OnceLock<Raw> = OnceLock::new();
    RAW.get_or_init(|| {
        let mut config = wasmtime::Config::new();
        config.consume_fuel(true);
        let engine = wasmtime::Engine::new(&config).unwrap();
        let module = wasmtime::Module::new(&engine, module_bytes()).unwrap();
        Raw { engine, module }
    })
}

/// Runs one entry with `now_ms` as given; `Err` says why the module gave no answer.
fn call_with_number(action: Action, input: &[u8], now_ms: f64) -> Result<Outcome, String> {
    let Raw { engine, module } = raw();
    let mut store = wasmtime::Store::new(engine, ());
    store
        .set_fuel(Limits::default().fuel)
        .map_err(|e| e.to_string())?;
    let instance =
        wasmtime::Instance::new(&mut store, module, &[]).map_err(|e| format!("{e:#}"))?;
    let memory = instance
        .get_memory(&mut store, "memory")
        .ok_or("no memory export")?;
    let alloc = instance
        .get_typed_func::<u32, u32>(&mut store, "alloc")
        .map_err(|e| e.to_string())?;
    let entry = instance
        .get_typed_func::<(u32, u32, f64), u32>(&mut store, action.spec().export)
        .map_err(|e| e.to_string())?;
    let len = u32::try_from(input.len()).map_err(|e| e.to_string())?;
    let ptr = alloc
        .call(&mut store, len)
        .map_err(|e| format!("alloc: {e:#}"))?;
    memory
        .write(&mut store, ptr as usize, input)
        .map_err(|e| e.to_string())?;
    let answer = entry
        .call(&mut store, (ptr, len, now_ms))
        .map_err(|e| format!("entry: {e:#}"))?;
    let data = memory.data(&store);
    let header: [u8; 4] = data
        .get(answer as usize..answer as usize + 4)
        .and_then(|h| h.try_into().ok())
        .ok_or("answer pointer outside memory")?;
    let start = answer as usize + 4;
    let json = data
        .get(start..start + u32::from_le_bytes(header) as usize)
        .ok_or("answer outside memory")?;
    serde_json::from_slice(json).map_err(|e| format!("answer is not an outcome: {e}"))
}

fn any_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(8.64e15),
        Just(8.64e15 + 1.0),
        Just(-8.64e15 - 1.0),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        any::<f64>(),
        (1.6e12..1.9e12_f64),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_number_as_now_gets_an_answer(action in actions(), event in event(), now_ms in any_number()) {
        let outcome = call_with_number(action, &bytes(&event), now_ms);
        match outcome {
            Ok(Outcome::Effects(_)) => {
                // Only a time value JavaScript's Date could hold is taken as now.
                prop_assert!(Timestamp::from_js_number(now_ms).is_some(), "now {now_ms} was accepted");
            }
            Ok(Outcome::Error(error)) => {
                prop_assert!(
                    error.code == "bad_now" || Timestamp::from_js_number(now_ms).is_some(),
                    "now {now_ms}: {error:?}"
                );
            }
            Err(failure) => prop_assert!(false, "now {now_ms}, event {event}: no answer: {failure}"),
        }
    }
}

#[test]
fn nan_and_infinite_now_are_refused_as_data() {
    for now_ms in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 8.64e15 + 1.0] {
        for action in Action::ALL {
            match call_with_number(action, br#"{"user": {"app_metadata": {}}}"#, now_ms) {
                Ok(Outcome::Error(error)) => assert_eq!(error.code, "bad_now", "{now_ms}"),
                other => panic!(
                    "{action} with now {now_ms}: expected a bad_now refusal, found {other:?}"
                ),
            }
        }
    }
}
