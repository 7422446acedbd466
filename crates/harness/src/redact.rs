//! Secrets never leave the runner: every value of `event.secrets` (fixture `secrets` are
//! merged there first) is replaced by `[redacted]` wherever a report would echo it, and
//! scrubbed from inside other strings (a log line that quotes a secret, say).
//!
//! A value shorter than [`MIN_SCRUBBED_CHARS`] is redacted where it stands as a whole string,
//! but not scrubbed from inside other strings: a secret such as `TRIAL_DAYS = "7"` would
//! otherwise erase every 7 of a report, and so many characters are no secret anyway.

use serde_json::{Map, Value};

/// What a secret value is replaced by.
pub const REDACTED: &str = "[redacted]";

/// Values at least this long are also scrubbed from inside other strings.
pub const MIN_SCRUBBED_CHARS: usize = 4;

/// The secret values of one event, longest first (so that a secret inside another is not
/// half-replaced).
///
/// Its `Debug` shows how many values it holds, never the values.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Redactor {
    values: Vec<String>,
    /// Values at least this many characters long are scrubbed from inside other strings.
    inside_from: usize,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor").field("values", &self.values.len()).field("inside_from", &self.inside_from).finish()
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::scrubbing_inside_from(MIN_SCRUBBED_CHARS)
    }
}

impl Redactor {
    /// No secrets yet; values of at least `chars` characters will be scrubbed from inside
    /// other strings (the default is [`MIN_SCRUBBED_CHARS`]; text meant for people, where
    /// a short value is likelier an ordinary word, can ask for more).
    pub fn scrubbing_inside_from(chars: usize) -> Redactor {
        Redactor { values: Vec::new(), inside_from: chars }
    }

    /// The string values of `event.secrets`.
    pub fn from_event(event: &Value) -> Redactor {
        let mut redactor = Redactor::default();
        if let Some(Value::Object(secrets)) = event.get("secrets") {
            for value in secrets.values() {
                if let Value::String(value) = value {
                    redactor.add(value);
                }
            }
        }
        redactor
    }

    /// Redacts this value too from now on (the empty string and [`REDACTED`] are no secrets).
    pub fn add(&mut self, value: &str) {
        if value.is_empty() || value == REDACTED || self.values.iter().any(|known| known == value) {
            return;
        }
        self.values.push(value.to_owned());
        self.values.sort_by_key(|value| std::cmp::Reverse(value.len()));
    }

    /// Whether no secret is known.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether `text` holds a secret (as a whole, or inside it for long enough values).
    pub fn finds(&self, text: &str) -> bool {
        self.values.iter().any(|value| text == value || (self.long(value) && text.contains(value.as_str())))
    }

    /// `text` with every secret replaced.
    pub fn text(&self, text: &str) -> String {
        if let Some(_whole) = self.values.iter().find(|value| *value == text) {
            return REDACTED.to_owned();
        }
        let mut text = text.to_owned();
        for value in self.values.iter().filter(|value| self.long(value)) {
            if text.contains(value.as_str()) {
                text = text.replace(value.as_str(), REDACTED);
            }
        }
        text
    }

    /// Redacts every string (and object key) inside `value`.
    pub fn value(&self, value: &mut Value) {
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(text) => {
                if self.finds(text) {
                    *text = self.text(text);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.value(item)),
            Value::Object(map) => {
                if map.keys().any(|key| self.finds(key)) {
                    let old = std::mem::take(map);
                    *map = old.into_iter().map(|(key, value)| (self.text(&key), value)).collect::<Map<_, _>>();
                }
                map.values_mut().for_each(|item| self.value(item));
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Redacts an event to be written out: every `secrets` value becomes `[redacted]`
    /// (whatever its type), and secrets are scrubbed from the rest.
    pub fn event(&self, event: &mut Value) {
        if let Some(Value::Object(secrets)) = event.get_mut("secrets") {
            for value in secrets.values_mut() {
                *value = Value::String(REDACTED.to_owned());
            }
        }
        self.value(event);
    }

    fn long(&self, value: &str) -> bool {
        value.chars().count() >= self.inside_from
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_replaced_whole_and_inside_strings() {
        let event = json!({"secrets": {"clientSecret": "s3cr3t-value", "TRIAL_DAYS": "7"}, "user": {}});
        let redactor = Redactor::from_event(&event);
        let mut value = json!({"log": "token s3cr3t-value used", "n": "7", "m": "17", "s3cr3t-value": 1});
        redactor.value(&mut value);
        assert_eq!(value, json!({"log": "token [redacted] used", "n": "[redacted]", "m": "17", "[redacted]": 1}));
        let mut event = event;
        redactor.event(&mut event);
        assert_eq!(event["secrets"], json!({"clientSecret": "[redacted]", "TRIAL_DAYS": "[redacted]"}));
    }

    #[test]
    fn a_redactor_for_people_scrubs_inside_lines_only_from_its_own_length() {
        let mut scrubber = Redactor::scrubbing_inside_from(6);
        for value in ["abcde", "s3cr3t-value", "true"] {
            scrubber.add(value);
        }
        assert_eq!(scrubber.text("token s3cr3t-value, abcde, true"), "token [redacted], abcde, true");
        assert_eq!(scrubber.text("abcde"), REDACTED, "a short value standing alone is still redacted");
        assert_eq!(Redactor::default(), Redactor::scrubbing_inside_from(MIN_SCRUBBED_CHARS));
        assert!(!format!("{scrubber:?}").contains("s3cr3t"), "{scrubber:?}");
    }
}
