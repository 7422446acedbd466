//! Log lines as Auth0 keeps them: at most 256 characters per Action, so every line is cut to
//! fit, and a value quoted from data is shortened and JSON-escaped (a stored value can hold
//! anything, including newlines that would forge extra log lines).


/// Auth0 keeps this many characters of an Action's `console.log` output.
pub const MAX_LOG_LINE_CHARS: usize = 256;

/// How much of a stored value a log line quotes.
const MAX_QUOTED_CHARS: usize = 48;

/// One log line from the Action `action`, prefixed with its name and cut to
/// [`MAX_LOG_LINE_CHARS`].
pub(crate) fn line(action: &str, message: &str) -> String {
    truncate([action, ": ", message].concat(), MAX_LOG_LINE_CHARS)
}

/// `value` as a JSON string literal, shortened to a readable length: the way to put a value
/// read from data into a log line.
pub fn quote(value: &str) -> String {
    let mut quoted = Vec::new();
    crate::json::write_str(&mut quoted, &cut(value, MAX_QUOTED_CHARS).unwrap_or_else(|| value.to_owned()));
    String::from_utf8(quoted).unwrap_or_else(|_| "\"?\"".to_owned())
}

/// `text`, or when it is longer than `max_chars`, cut to fit with a `…`.
fn truncate(text: String, max_chars: usize) -> String {
    cut(&text, max_chars).unwrap_or(text)
}

/// `text` cut to `max_chars` with a `…`; `None` when it fits (no UTF-8 text of at most
/// `max_chars` bytes can be longer, so most lines are not even counted).
fn cut(text: &str, max_chars: usize) -> Option<String> {
    if text.len() <= max_chars || text.chars().count() <= max_chars {
        return None;
    }
    let mut cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    Some(cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_auth0s_limit() {
        let text = line("Manage_Subscription", &"x".repeat(1000));
        assert_eq!(text.chars().count(), MAX_LOG_LINE_CHARS);
        assert!(text.ends_with('…'));
    }

    #[test]
    fn quoted_values_cannot_forge_lines() {
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
        assert_eq!(quote(&"é".repeat(100)).chars().count(), MAX_QUOTED_CHARS + 2);
    }
}
