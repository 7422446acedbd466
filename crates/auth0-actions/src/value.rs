//! [`Value`]: a JSON value an Action builds (the arguments of an `api` call, a claim, a
//! metadata value) or receives (the answer of a call such as `api.redirect.validateToken`).
//!
//! The module's own type rather than serde_json's: it is written by hand (no serializer in
//! the module), objects keep the order in which they were built on every host (serde_json's
//! map sorts its keys unless a feature elsewhere in the build says otherwise), and a number
//! read from an answer keeps its text, so it goes back out exactly as it came in.

use std::borrow::Cow;

use crate::json::{Kind, Tree, js_number, number_value, write_int, write_str};

/// A JSON value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    /// Members in the order they were built (and written).
    Object(Vec<(String, Value)>),
}

/// A JSON number: a whole number, a double, or the text of a number read from JSON. Two
/// numbers are equal when JavaScript reads them as the same double.
#[derive(Debug, Clone)]
pub struct Number(Repr);

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.as_f64() == other.as_f64()
    }
}

#[derive(Debug, Clone)]
enum Repr {
    Int(i64),
    /// A double and its writer. The writer is [`js_number`] (float formatting, about 15 kB of
    /// code), reached only through this pointer, which only `From<f64>` sets: a module whose
    /// Actions never write a double does not carry it.
    Float(f64, fn(f64) -> String),
    Text(String),
}

impl Number {
    /// The number as JavaScript reads it.
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            // JavaScript numbers are doubles.
            #[allow(clippy::cast_precision_loss)]
            Repr::Int(value) => *value as f64,
            Repr::Float(value, _) => *value,
            Repr::Text(text) => number_value(text),
        }
    }

    fn write_json(&self, out: &mut Vec<u8>) {
        match &self.0 {
            Repr::Int(value) => write_int(out, *value),
            Repr::Float(value, write) => out.extend_from_slice(write(*value).as_bytes()),
            Repr::Text(text) => out.extend_from_slice(text.as_bytes()),
        }
    }
}

impl Value {
    /// An object of `members`, in this order.
    pub fn object<K: Into<String>>(members: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(members.into_iter().map(|(key, value)| (key.into(), value)).collect())
    }

    /// The JSON type, as error messages name it.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(number.as_f64()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(value) => Some(*value),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The member `key` of an object (the last one, as `JSON.parse` keeps the last of
    /// repeated keys); `None` for a missing key or a value that is not an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().rev().find(|(name, _)| name == key).map(|(_, value)| value),
            _ => None,
        }
    }

    /// Writes the value as `JSON.stringify` writes it (no spaces).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(true) => out.extend_from_slice(b"true"),
            Value::Bool(false) => out.extend_from_slice(b"false"),
            Value::Number(number) => number.write_json(out),
            Value::String(text) => write_str(out, text),
            Value::Array(items) => {
                out.push(b'[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    item.write_json(out);
                }
                out.push(b']');
            }
            Value::Object(members) => {
                out.push(b'{');
                for (index, (key, item)) in members.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    write_str(out, key);
                    out.push(b':');
                    item.write_json(out);
                }
                out.push(b'}');
            }
        }
    }

    /// The value's JSON text.
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        self.write_json(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// An owned copy of a value read from JSON.
    pub fn from_tree(tree: &Tree<'_>) -> Value {
        match tree {
            Tree::Null => Value::Null,
            Tree::Bool(value) => Value::Bool(*value),
            Tree::Number(text) => Value::Number(Number(Repr::Text((*text).to_owned()))),
            Tree::String(text) => Value::String(text.as_ref().to_owned()),
            Tree::Array(items) => Value::Array(items.iter().map(Value::from_tree).collect()),
            Tree::Object(members) => {
                Value::Object(members.iter().map(|(key, value)| (key.as_ref().to_owned(), Value::from_tree(value))).collect())
            }
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::String(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::String(text)
    }
}

impl From<Cow<'_, str>> for Value {
    fn from(text: Cow<'_, str>) -> Self {
        Value::String(text.into_owned())
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Number(Number(Repr::Int(value)))
    }
}

impl From<i32> for Value {
    fn from(value: i32) -> Self {
        Value::from(i64::from(value))
    }
}

impl From<u32> for Value {
    fn from(value: u32) -> Self {
        Value::from(i64::from(value))
    }
}

impl From<u64> for Value {
    fn from(value: u64) -> Self {
        match i64::try_from(value) {
            Ok(value) => Value::from(value),
            // Its digits: no float formatting for a number past 2^63.
            Err(_) => Value::Number(Number(Repr::Text(value.to_string()))),
        }
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Value::Number(Number(Repr::Float(value, js_number)))
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_json_stringify_writes_them() {
        let value = Value::object([
            ("secret", Value::from("s\"")),
            ("expiresInSeconds", Value::from(600)),
            ("payload", Value::object([("email", Value::from("a@b.c"))])),
            ("list", Value::from(vec![Value::Null, Value::from(true), Value::from(1.5)])),
        ]);
        assert_eq!(
            value.to_json(),
            r#"{"secret":"s\"","expiresInSeconds":600,"payload":{"email":"a@b.c"},"list":[null,true,1.5]}"#
        );
    }

    #[test]
    fn numbers_read_from_json_go_back_out_as_they_came() {
        let tree = Tree::parse(br#"{"n": 1.50, "big": 12345678901234567890}"#).unwrap();
        let value = Value::from_tree(&tree);
        assert_eq!(value.to_json(), r#"{"n":1.50,"big":12345678901234567890}"#);
        assert_eq!(value.get("n").and_then(Value::as_f64), Some(1.5));
    }
}
