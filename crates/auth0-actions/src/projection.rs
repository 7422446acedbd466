//! What crosses into the module: only the paths a decision reads.
//!
//! Each Action declares the dotted paths of the event its decision reads
//! (`user.app_metadata.subscription`, `authorization.roles[]`,
//! `authentication.methods[].name`, …) and the secrets it reads (each becomes the path
//! `secrets.NAME`); its module describes them ([`crate::describe::ActionInfo`]). Both hosts
//! derive the module's input from that one declaration with the same rule, so a login costs
//! the same whatever else the user's profile holds, and no unrelated value (a deep
//! `user_metadata`, a megabyte of `app_metadata`) can make the module refuse an event:
//!
//! - an object crosses as an object holding only the declared keys it has, in the order the
//!   declaration first names them (none at a path's end: `{}`);
//! - a list crosses element by element where the declaration says `[]` after its key, each
//!   element by the same rule; anywhere else it crosses as `[]`;
//! - any other value crosses as it is: `null`, booleans, numbers and strings;
//! - a key that is absent stays absent.
//!
//! So the decision still sees what it would have seen ("expected an object, found an
//! array"), and a list it did not declare reaches it empty, which its read reports as
//! undeclared ([`crate::event`]), never as a silent empty list.
//!
//! The JavaScript shim implements the same rule over the same declaration, as a function the
//! bundler writes into every `code.js` ([`javascript`]); a conformance test holds the two
//! byte for byte on every fixture. The bytes are JSON as `JSON.stringify` writes it: no
//! spaces, numbers as JavaScript prints them.

use serde_json::Value;

use crate::describe::ActionInfo;
use crate::event::ELEMENTS;
use crate::json::{js_number, write_str};

/// One key of the declaration's tree (`[]` for a list's elements), with the keys read below it
/// (none at a path's end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathNode {
    pub key: String,
    pub children: Vec<PathNode>,
}

/// The tree of every path `action` reads, secrets included, keys in declaration order.
pub fn path_tree(action: &ActionInfo) -> Vec<PathNode> {
    let mut roots: Vec<PathNode> = Vec::new();
    for path in action.crossing_paths() {
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
/// an event to the module's input (JSON text). One function per place on a path, defined
/// once, each reading its declared keys by name; `leaf(value)` and `isObject(value)` are the
/// shim's.
pub fn javascript(action: &ActionInfo) -> String {
    /// Defines the function for a place whose declared keys are `children`; its name.
    fn define(out: &mut String, count: &mut usize, children: &[PathNode]) -> String {
        if children.is_empty() {
            return "leaf".to_owned();
        }
        let mut body = String::new();
        match children.iter().find(|child| child.key == ELEMENTS) {
            Some(elements) => {
                let item = define(out, count, &elements.children);
                body.push_str(&format!(
                    "if (Array.isArray(v)) return `[${{v.map((e) => {{ const t = {item}(e); return t === undefined ? 'null' : t; }}).join(',')}}]`; "
                ));
            }
            None => body.push_str("if (Array.isArray(v)) return '[]'; "),
        }
        body.push_str("if (!isObject(v)) return leaf(v); let o = '', t; ");
        for child in children.iter().filter(|child| child.key != ELEMENTS) {
            let read = define(out, count, &child.children);
            let mut key = Vec::new();
            write_str(&mut key, &child.key);
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
    let root = define(&mut out, &mut 0, &path_tree(action));
    out.push_str(&format!("  return {root};\n}})()"));
    out
}

/// The module's input for `event`: the JSON bytes of its projection onto `action`'s paths.
pub fn project(action: &ActionInfo, event: &Value) -> Vec<u8> {
    project_tree(&path_tree(action), event)
}

/// As [`project`], with the tree already built (the runner builds it once per Action).
pub fn project_tree(tree: &[PathNode], event: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_node(&mut out, event, tree);
    out
}

fn write_node(out: &mut Vec<u8>, value: &Value, children: &[PathNode]) {
    match value {
        Value::Object(object) => {
            out.push(b'{');
            let mut first = true;
            for child in children.iter().filter(|child| child.key != ELEMENTS) {
                let Some(inner) = object.get(&child.key) else { continue };
                if !first {
                    out.push(b',');
                }
                first = false;
                write_str(out, &child.key);
                out.push(b':');
                write_node(out, inner, &child.children);
            }
            out.push(b'}');
        }
        Value::Array(items) => match children.iter().find(|child| child.key == ELEMENTS) {
            Some(elements) => {
                out.push(b'[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    write_node(out, item, &elements.children);
                }
                out.push(b']');
            }
            None => out.extend_from_slice(b"[]"),
        },
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => out.extend_from_slice(js_number(number.as_f64().unwrap_or(0.0)).as_bytes()),
        Value::String(text) => write_str(out, text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::{SecretInfo, TriggerRef};
    use serde_json::json;

    fn action(paths: &[&str], secrets: &[&str]) -> ActionInfo {
        ActionInfo {
            abi: 2,
            name: "A".into(),
            trigger: TriggerRef { id: "post-login".into(), version: "v3".into() },
            handlers: vec!["onExecutePostLogin".into()],
            event_paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            secrets: secrets.iter().map(|name| SecretInfo { name: (*name).into(), required: false, note: String::new() }).collect(),
            management_api: None,
        }
    }

    fn projected(paths: &[&str], secrets: &[&str], event: Value) -> String {
        String::from_utf8(project(&action(paths, secrets), &event)).unwrap()
    }

    const SUBSCRIPTION: [&str; 3] = ["user.app_metadata.subscription", "organization.id", "organization.metadata.subscription"];

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
            projected(&["organization.id", "stats.logins_count", "user.user_id"], &["ROLE_ID"], event),
            r#"{"organization":{"id":"org_1"},"stats":{"logins_count":1},"user":{"user_id":"auth0|1"},"secrets":{"ROLE_ID":"rol_1"}}"#
        );
    }

    #[test]
    fn types_survive_the_projection() {
        let event = json!({"user": {"app_metadata": [1, 2, {"a": 1}]}, "organization": "acme", "secrets": null});
        assert_eq!(projected(&SUBSCRIPTION, &["TRIAL_DAYS"], event), r#"{"user":{"app_metadata":[]},"organization":"acme","secrets":null}"#);
        let event = json!({"user": null, "organization": {"metadata": {"subscription": {"plan": "team"}}}});
        assert_eq!(projected(&SUBSCRIPTION, &[], event), r#"{"user":null,"organization":{"metadata":{"subscription":{}}}}"#);
        assert_eq!(projected(&SUBSCRIPTION, &[], json!([1])), "[]");
    }

    #[test]
    fn lists_cross_element_by_element_where_declared() {
        let paths = ["authorization.roles[]", "authentication.methods[].name", "user.identities"];
        let event = json!({
            "authorization": {"roles": ["admin", 3, {"x": 1}, [1], null]},
            "authentication": {"methods": [{"name": "pwd", "timestamp": "t"}, "odd", [{"name": "x"}], {"timestamp": "t"}]},
            "user": {"identities": [{"provider": "auth0"}]}
        });
        assert_eq!(
            projected(&paths, &[], event),
            r#"{"authorization":{"roles":["admin",3,{},[],null]},"authentication":{"methods":[{"name":"pwd"},"odd",[],{}]},"user":{"identities":[]}}"#
        );
        let event = json!({"authorization": {"roles": {"admin": true}}});
        assert_eq!(projected(&paths, &[], event), r#"{"authorization":{"roles":{}}}"#, "an object where a list is declared keeps its type");
    }

    #[test]
    fn strings_are_escaped_as_json_stringify_escapes_them() {
        let event = json!({"user": {"app_metadata": {"subscription": "a\"b\\c\n\u{1}\u{7f}é\u{2028}"}}});
        assert_eq!(
            projected(&SUBSCRIPTION, &[], event),
            "{\"user\":{\"app_metadata\":{\"subscription\":\"a\\\"b\\\\c\\n\\u0001\u{7f}é\u{2028}\"}}}"
        );
    }
}
