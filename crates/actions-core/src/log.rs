//! Log lines as Auth0 keeps them: at most 256 characters per Action, so every line is cut to
//! fit, and a value quoted from data is shortened and JSON-escaped (a stored value can hold
//! anything, including newlines that would forge extra log lines).

use crate::{Action, Effect};

/// Auth0 keeps this many characters of an Action's `console.log` output.
pub const MAX_LOG_LINE_CHARS: usize = 256;

/// How much of a stored value a log line quotes.
const MAX_QUOTED_CHARS: usize = 48;

/// One log line from `action`, prefixed with its name and cut to [`MAX_LOG_LINE_CHARS`].
pub(crate) fn line(action: Action, message: &str) -> Effect {
    let full = format!("{}: {message}", action.name());
    Effect::Log(truncate(&full, MAX_LOG_LINE_CHARS))
}

/// `value` as a JSON string literal, shortened to a readable length.
pub(crate) fn quote(value: &str) -> String {
    let mut quoted = Vec::new();
    crate::json::write_str(&mut quoted, &truncate(value, MAX_QUOTED_CHARS));
    String::from_utf8(quoted).unwrap_or_else(|_| "\"?\"".to_owned())
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_auth0s_limit() {
        let Effect::Log(text) = line(Action::ManageSubscription, &"x".repeat(1000)) else {
            panic!("expected a log line")
        };
        assert_eq!(text.chars().count(), MAX_LOG_LINE_CHARS);
        assert!(text.ends_with('…'));
    }

    #[test]
    fn quoted_values_cannot_forge_lines() {
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
        assert_eq!(quote(&"é".repeat(100)).chars().count(), MAX_QUOTED_CHARS + 2);
    }
}
