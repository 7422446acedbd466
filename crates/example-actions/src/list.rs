//! Text as the examples' JavaScript specification reads it: lists kept in a secret,
//! "separated by commas" (split on `,`, each entry trimmed, empty entries ignored), and
//! JavaScript's `trim`.

/// The entries of `text`, in order, each trimmed as JavaScript's `trim` trims.
pub fn comma_separated(text: &str) -> Vec<&str> {
    text.split(',').map(js_trim).filter(|entry| !entry.is_empty()).collect()
}

/// `String.prototype.trim`: ECMAScript's white space and line terminators at both ends
/// (which is not Rust's `char::is_whitespace`: JavaScript trims U+FEFF and keeps U+0085).
pub fn js_trim(text: &str) -> &str {
    fn js_space(c: char) -> bool {
        matches!(
            c,
            '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}'
                | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
        )
    }
    text.trim_matches(js_space)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_trimmed_and_empty_ones_ignored() {
        assert_eq!(comma_separated(" admin, ,billing-admin ,,"), ["admin", "billing-admin"]);
        assert!(comma_separated(" , ").is_empty());
        assert_eq!(comma_separated("\u{feff}admin\u{3000},\u{85}ops"), ["admin", "\u{85}ops"], "as JavaScript trims");
    }

    #[test]
    fn trim_is_javascripts() {
        assert_eq!(js_trim("\u{feff}\u{2028} a b \u{a0}"), "a b");
        assert_eq!(js_trim("\u{85}a"), "\u{85}a", "JavaScript does not trim NEL");
    }
}
