//! What crosses into the module: only the paths a decision reads.
//!
//! Each Action declares, in [`crate::SPECS`], the dotted paths of the event its decision reads
//! (`user.app_metadata.subscription`, `stats.logins_count`, …) and the secrets it reads (each
//! becomes the path `secrets.NAME`). Both hosts derive the module's input from that one
//! declaration with the same rule, so a login costs the same whatever else the user's profile
//! holds, and no unrelated value (a deep `user_metadata`, a megabyte of `app_metadata`) can
//! make the module refuse an event:
//!
//! - an object on a path crosses as an object holding only the declared keys it has, in the
//!   order the declaration first names them;
//! - any other value crosses with its type kept, so the decision still sees what it would
//!   have seen ("expected an object, found an array"): `null`, booleans, numbers and strings
//!   as they are; an array as `[]`; an object at the end of a path as `{}` (a decision reads
//!   scalars at the ends of its paths, so only the kind of a container there matters, and its
//!   content could be of any size and depth);
//! - a key that is absent stays absent.
//!
//! The JavaScript shim (`actions-shim/shim.js`, `project`) implements the same rule over the
//! same declaration, which the bundler writes into every `code.js`; a conformance test holds
//! the two byte for byte on every fixture. The bytes are JSON as `JSON.stringify` writes it:
//! no spaces, numbers as JavaScript prints them.

use serde_json::Value;

use crate::ActionSpec;
use crate::json::write_str;

/// One key of the declaration's tree, with the keys read below it (none at a path's end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathNode {
    pub key: &'static str,
    pub children: Vec<PathNode>,
}

/// The tree of every path `spec` reads, secrets included, keys in declaration order.
pub fn path_tree(spec: &ActionSpec) -> Vec<PathNode> {
    let mut roots: Vec<PathNode> = Vec::new();
    for path in spec.paths() {
        let mut level = &mut roots;
        for key in path {
            let at = match level.iter().position(|node| node.key == key) {
                Some(at) => at,
                None => {
                    level.push(PathNode { key, children: Vec::new() });
                    level.len() - 1
                }
            };
            let Some(node) = level.get_mut(at) else { break };
            level = &mut node.children;
        }
    }
    roots
}

/// The same rule in JavaScript, for the shim: an expression whose value is a function from
/// an event to the module's input (JSON text). One function per object on a path, defined
/// once, each reading its declared keys by name; `leaf(value)` and `isObject(value)` are the
/// shim's.
pub fn javascript(spec: &ActionSpec) -> String {
    /// Defines the function for an object whose declared keys are `children`; its name.
    fn define(out: &mut String, count: &mut usize, children: &[PathNode]) -> String {
        let mut body = String::from("if (!isObject(v)) return leaf(v); let o = '', t; ");
        for child in children {
            let read = if child.children.is_empty() { "leaf".to_owned() } else { define(out, count, &child.children) };
            let mut key = Vec::new();
            write_str(&mut key, child.key);
            let key = String::from_utf8(key).unwrap_or_default();
            // JSON strings are JavaScript string literals: the key, and its text with ':'.
            let prefix = serde_json::to_string(&format!("{key}:")).unwrap_or_default();
            body.push_str(&format!("t = {read}(v[{key}]); if (t !== undefined) o += (o && ',') + {prefix} + t; "));
        }
        body.push_str("return `{${o}}`;");
        *count += 1;
        let name = format!("p{count}");
        out.push_str(&format!("  const {name} = (v) => {{ {body} }};\n"));
        name
    }
    let mut out = String::from("(() => {\n");
    let root = define(&mut out, &mut 0, &path_tree(spec));
    out.push_str(&format!("  return {root};\n}})()"));
    out
}

/// The module's input for `event`: the JSON bytes of its projection onto `spec`'s paths.
pub fn project(spec: &ActionSpec, event: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_node(&mut out, event, &path_tree(spec));
    out
}

fn write_node(out: &mut Vec<u8>, value: &Value, children: &[PathNode]) {
    let Value::Object(object) = value else {
        return write_leaf(out, value);
    };
    if children.is_empty() {
        return out.extend_from_slice(b"{}");
    }
    out.push(b'{');
    let mut first = true;
    for child in children {
        let Some(inner) = object.get(child.key) else { continue };
        if !first {
            out.push(b',');
        }
        first = false;
        write_str(out, child.key);
        out.push(b':');
        write_node(out, inner, &child.children);
    }
    out.push(b'}');
}

fn write_leaf(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => out.extend_from_slice(js_number(number.as_f64().unwrap_or(0.0)).as_bytes()),
        Value::String(text) => write_str(out, text),
        Value::Array(_) => out.extend_from_slice(b"[]"),
        Value::Object(_) => out.extend_from_slice(b"{}"),
    }
}

/// A number as JavaScript's `Number.prototype.toString()` (and so `JSON.stringify`) prints
/// it (ECMA-262 §6.1.6.1.20): the shortest digits that read back to the same double, in
/// plain notation from 1e-6 up to 1e21 and in exponent notation (`1e+21`, `1.5e-7`) beyond.
/// Integers past 2^53 lose precision exactly as `JSON.parse` loses it.
pub fn js_number(value: f64) -> String {
    if !value.is_finite() {
        // `JSON.stringify` writes `null` for NaN and the infinities; JSON cannot hold them.
        return "null".to_owned();
    }
    if value == 0.0 {
        return "0".to_owned(); // -0 too
    }
    // Rust's `{:e}` prints the shortest round-trip digits: "1.5e-7", "-1.2345e4", "1e21".
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = i64::try_from(digits.len()).unwrap_or(1);
    // The value is 0.d1…dk × 10^n.
    let n = exponent + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat(usize::try_from(n - k).unwrap_or(0)))
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(usize::try_from(n).unwrap_or(0));
        format!("{int}.{frac}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat(usize::try_from(-n).unwrap_or(0)))
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let point = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let e = n - 1;
        format!("{first}{point}e{}{e}", if e >= 0 { "+" } else { "" })
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Action;
    use serde_json::json;

    fn projected(action: Action, event: Value) -> String {
        String::from_utf8(project(action.spec(), &event)).unwrap()
    }

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        let cases: [(f64, &str); 14] = [
            (1.0, "1"),
            (-0.0, "0"),
            (0.1, "0.1"),
            (1.5e-7, "1.5e-7"),
            (0.000_001, "0.000001"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123_456.789, "123456.789"),
            (-2.5, "-2.5"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (12_345_678_901_234_567_890.0, "12345678901234567000"),
            (f64::NAN, "null"),
            (100.0, "100"),
        ];
        for (value, text) in cases {
            assert_eq!(js_number(value), text, "{value}");
        }
    }

    #[test]
    fn only_the_declared_paths_cross_in_declaration_order() {
        let event = json!({
            "stats": {"logins_count": 1.0, "other": 2},
            "user": {"user_id": "auth0|1", "email": "a@b", "user_metadata": {"deep": [[[]]]}},
            "organization": {"name": "acme", "id": "org_1", "metadata": {"x": "y"}},
            "request": {"ip": "1.2.3.4"},
            "secrets": {"clientSecret": "shh", "ROLE_ID": "rol_1"}
        });
        assert_eq!(
            projected(Action::SetDefaultMemberRole, event),
            r#"{"organization":{"id":"org_1"},"stats":{"logins_count":1},"user":{"user_id":"auth0|1"},"secrets":{"ROLE_ID":"rol_1"}}"#
        );
    }

    #[test]
    fn types_survive_the_projection() {
        let event = json!({
            "user": {"app_metadata": [1, 2, {"a": 1}]},
            "organization": "acme",
            "secrets": null
        });
        assert_eq!(
            projected(Action::ManageSubscription, event),
            r#"{"user":{"app_metadata":[]},"organization":"acme","secrets":null}"#
        );
        let event = json!({"user": null, "organization": {"metadata": {"subscription": {"plan": "team"}}}});
        assert_eq!(
            projected(Action::ManageSubscription, event),
            r#"{"user":null,"organization":{"metadata":{"subscription":{}}}}"#
        );
        assert_eq!(projected(Action::ManageSubscription, json!([1])), "[]");
    }

    #[test]
    fn strings_are_escaped_as_json_stringify_escapes_them() {
        let event = json!({"user": {"app_metadata": {"subscription": "a\"b\\c\n\u{1}\u{7f}é\u{2028}"}}});
        assert_eq!(
            projected(Action::ManageSubscription, event),
            "{\"user\":{\"app_metadata\":{\"subscription\":\"a\\\"b\\\\c\\n\\u0001\u{7f}é\u{2028}\"}}}"
        );
    }
}

/// The declaration is complete: on any event, every decision asks for the same effects
/// whether it is given the whole event or only its projection. A decision that read a path
/// it does not declare would see it in the one and not in the other, and fail this.
#[cfg(test)]
mod declaration_is_complete {
    use super::*;
    use crate::{Action, run_json};
    use proptest::prelude::*;
    use serde_json::{Map, json};

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            prop_oneof![Just(1.0), Just(2.0), Just(0.0), Just(1.5), any::<f64>().prop_filter("finite", |n| n.is_finite())]
                .prop_map(|n| json!(n)),
            prop_oneof![
                Just("team;2025-01-31T00:00:00.000Z;active".to_owned()),
                Just("trial;2024-02-29;active".to_owned()),
                Just("rol_1, rol_2,rol_1".to_owned()),
                Just("14".to_owned()),
                Just("https://example.com/sub".to_owned()),
                Just(String::new()),
                "[a-z0-9;|:. -]{0,24}",
            ]
            .prop_map(Value::String),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        scalar().prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..4).prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    /// Keys the decisions read, keys they do not, and keys close to both.
    fn key() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "user", "user_id", "app_metadata", "user_metadata", "subscription", "organization", "id", "metadata",
            "stats", "logins_count", "secrets", "ROLE_ID", "TRIAL_DAYS", "CLAIM_NAME", "clientSecret", "name",
            "email", "identities", "request", "client",
        ])
        .prop_map(str::to_owned)
    }

    /// An event shaped like Auth0's, any part of it possibly of another type or holding more.
    fn event() -> impl Strategy<Value = Value> {
        let metadata = prop_oneof![
            3 => (prop::option::of(scalar()), prop::collection::vec((key(), value()), 0..3)).prop_map(|(subscription, rest)| {
                let mut object: Map<String, Value> = rest.into_iter().collect();
                if let Some(subscription) = subscription {
                    object.insert("subscription".into(), subscription);
                }
                Value::Object(object)
            }),
            1 => value(),
        ];
        let user = prop_oneof![
            4 => (scalar(), metadata.clone(), value()).prop_map(|(user_id, app_metadata, user_metadata)| {
                json!({"user_id": user_id, "app_metadata": app_metadata, "user_metadata": user_metadata, "email": "a@b.c"})
            }),
            1 => value(),
        ];
        let organization = prop_oneof![
            3 => (scalar(), metadata).prop_map(|(id, metadata)| json!({"id": id, "name": "acme", "metadata": metadata})),
            1 => value(),
        ];
        let stats = prop_oneof![3 => scalar().prop_map(|count| json!({"logins_count": count})), 1 => value()];
        let secrets = prop::collection::vec((key(), scalar()), 0..5).prop_map(|entries| Value::Object(entries.into_iter().collect()));
        (prop::option::of(user), prop::option::of(organization), prop::option::of(stats), prop::option::of(secrets), value())
            .prop_map(|(user, organization, stats, secrets, request)| {
                let mut event = Map::new();
                for (key, part) in [("user", user), ("organization", organization), ("stats", stats), ("secrets", secrets)] {
                    if let Some(part) = part {
                        event.insert(key.into(), part);
                    }
                }
                event.insert("request".into(), request);
                Value::Object(event)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn decisions_read_only_what_they_declare(event in event(), now in 0.0..4e12_f64) {
            for action in Action::ALL {
                let whole = serde_json::to_vec(&event).unwrap_or_default();
                let projected = project(action.spec(), &event);
                prop_assert_eq!(run_json(action, &whole, now), run_json(action, &projected, now), "{}", action);
            }
        }
    }
}
