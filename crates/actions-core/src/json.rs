//! The module's own JSON: a small reader that decodes the module's input straight into the
//! typed event, borrowing from it, and the writers of the module's answer.
//!
//! The module's input is a projection of a few declared paths (see [`crate::projection`]),
//! a few hundred bytes at most, read once. serde_json's parser building a `Value` tree (its
//! map, error texts and float tables) was most of the module's code and instructions for
//! that; this reader is RFC 8259 as `JSON.parse` reads it, builds no tree (a caller takes the
//! members it wants and skips the rest, checking them all the same), keeps strings borrowed
//! unless they hold escapes, and keeps numbers as their text until asked.
//!
//! Nothing here panics or recurses without bound: nesting deeper than [`MAX_DEPTH`] is an
//! error as data, as is every other malformed input, with the byte offset where reading
//! stopped.

use std::borrow::Cow;

use serde_json::Value;

/// How deep the reader nests before it refuses. A projection nests four levels at most (a
/// container at a path's end crosses empty); the module's 32 KiB stack holds many times this.
pub const MAX_DEPTH: usize = 32;

/// The type of the value at the reading point, as `typeof` and JSON tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    /// As an error message names it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// Why bytes are not JSON; says what was expected, where, and what was there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub expected: &'static str,
    /// Byte offset where reading stopped.
    pub at: usize,
    pub found: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "expected {} at byte {}, found {}", self.expected, self.at, self.found)
    }
}

/// Checks that `input` is one JSON value with nothing but whitespace around it.
pub fn validate(input: &[u8]) -> Result<(), ParseError> {
    let mut reader = Reader::new(input)?;
    reader.skip()?;
    reader.finish()
}

/// What [`Reader::members`] calls with each key.
pub type Member<'f, 'a> = dyn FnMut(&mut Reader<'a>, Cow<'a, str>) -> Result<(), ParseError> + 'f;

/// Reads JSON from the front: [`Reader::kind`] tells what comes next, and the caller takes
/// it ([`Reader::members`], [`Reader::string`], [`Reader::number`]) or [`Reader::skip`]s it.
#[derive(Debug)]
pub struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    // Inlined by hand: at opt-level "z" these stay calls, a third of all parsing time.
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn error(&self, expected: &'static str) -> ParseError {
        let found = match self.text.get(self.at..).and_then(|rest| rest.chars().next()) {
            None => "the end of the input".to_owned(),
            Some(c) if c.is_ascii_graphic() => format!("'{c}'"),
            Some(c) => format!("U+{:04X}", u32::from(c)),
        };
        ParseError { expected, at: self.at, found }
    }

    /// Moves past the bytes for which `keep` holds. A plain loop over the bytes: at
    /// opt-level "z", `Iterator::position` with a closure costs a call per byte.
    #[inline(always)]
    fn advance_while(&mut self, keep: fn(u8) -> bool) {
        let mut at = self.at;
        while at < self.bytes.len() && keep(self.bytes.get(at).copied().unwrap_or(0)) {
            at += 1;
        }
        self.at = at;
    }

    fn skip_space(&mut self) {
        self.advance_while(|byte| matches!(byte, b' ' | b'\t' | b'\n' | b'\r'));
    }

    // Inlined by hand: at opt-level "z" these stay calls, a third of all parsing time.
    #[inline(always)]
    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// A reader at the start of `input`, which must be UTF-8.
    pub fn new(input: &'a [u8]) -> Result<Self, ParseError> {
        let text = std::str::from_utf8(input).map_err(|error| ParseError {
            expected: "UTF-8",
            at: error.valid_up_to(),
            found: "a byte sequence that is not UTF-8".to_owned(),
        })?;
        Ok(Reader { text, bytes: text.as_bytes(), at: 0, depth: 0 })
    }

    /// Checks that nothing but whitespace follows.
    pub fn finish(mut self) -> Result<(), ParseError> {
        self.skip_space();
        if self.at < self.bytes.len() {
            return Err(self.error("the end of the input"));
        }
        Ok(())
    }

    /// The type of the next value, from its first byte (the value itself is checked when it
    /// is taken or skipped).
    pub fn kind(&mut self) -> Result<Kind, ParseError> {
        self.skip_space();
        Ok(match self.peek() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            Some(b'-' | b'0'..=b'9') => Kind::Number,
            _ => return Err(self.error("a JSON value")),
        })
    }

    /// Skips the next value, checking it.
    pub fn skip(&mut self) -> Result<(), ParseError> {
        match self.kind()? {
            Kind::Object => self.members(&mut |reader, _| reader.skip()),
            Kind::Array => self.items(Self::skip),
            Kind::String => self.string().map(drop),
            Kind::Number => self.number().map(drop),
            Kind::Bool if self.peek() == Some(b't') => self.word("true"),
            Kind::Bool => self.word("false"),
            Kind::Null => self.word("null"),
        }
    }

    fn word(&mut self, word: &'static str) -> Result<(), ParseError> {
        if self.bytes.get(self.at..self.at + word.len()) == Some(word.as_bytes()) {
            self.at += word.len();
            Ok(())
        } else {
            Err(self.error("true, false or null"))
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("at most 32 levels of nesting"));
        }
        self.depth += 1;
        self.at += 1;
        Ok(())
    }

    /// Reads the object at the reading point, calling `member` with each key; `member` must
    /// take or skip the value that follows.
    /// One instance for every caller (`dyn`): a copy per closure cost the module 5 kB.
    pub fn members(
        &mut self,
        member: &mut Member<'_, 'a>,
    ) -> Result<(), ParseError> {
        if self.kind()? != Kind::Object {
            return Err(self.error("an object"));
        }
        self.enter()?;
        self.skip_space();
        if !self.eat(b'}') {
            loop {
                self.skip_space();
                if self.peek() != Some(b'"') {
                    return Err(self.error("a member name in double quotes"));
                }
                let key = self.string()?;
                self.skip_space();
                if !self.eat(b':') {
                    return Err(self.error("':' after a member name"));
                }
                member(self, key)?;
                self.skip_space();
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.error("',' or '}' in an object"));
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Reads the array at the reading point, calling `item` for each item.
    fn items(&mut self, mut item: impl FnMut(&mut Self) -> Result<(), ParseError>) -> Result<(), ParseError> {
        self.enter()?;
        self.skip_space();
        if !self.eat(b']') {
            loop {
                item(self)?;
                self.skip_space();
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.error("',' or ']' in an array"));
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// The text of the number at the reading point, checked against JSON's grammar; see
    /// [`number_value`] for its value.
    pub fn number(&mut self) -> Result<&'a str, ParseError> {
        self.skip_space();
        let start = self.at;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("a digit")),
        }
        if self.eat(b'.') {
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("a digit after '.'"));
            }
            self.digits();
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("a digit in the exponent"));
            }
            self.digits();
        }
        Ok(self.text.get(start..self.at).unwrap_or("0"))
    }

    // Inlined by hand: at opt-level "z" these stay calls, a third of all parsing time.
    #[inline(always)]
    fn digits(&mut self) {
        self.advance_while(|byte| byte.is_ascii_digit());
    }

    /// The string at the reading point; borrowed when it holds no escape.
    pub fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.skip_space();
        if !self.eat(b'"') {
            return Err(self.error("a string"));
        }
        let plain: fn(u8) -> bool = |byte| byte != b'"' && byte != b'\\' && byte >= 0x20;
        let start = self.at;
        self.advance_while(plain);
        if self.peek() == Some(b'"') {
            let text = self.text.get(start..self.at).unwrap_or_default();
            self.at += 1;
            return Ok(Cow::Borrowed(text));
        }
        let mut owned = String::from(self.text.get(start..self.at).unwrap_or_default());
        loop {
            let run = self.at;
            self.advance_while(plain);
            owned.push_str(self.text.get(run..self.at).unwrap_or_default());
            match self.peek() {
                None => return Err(self.error("a closing '\"'")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(Cow::Owned(owned));
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 1;
                            owned.push(self.unicode_escape()?);
                            continue;
                        }
                        _ => return Err(self.error("an escape: one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u")),
                    };
                    self.at += 1;
                    owned.push(escaped);
                }
                Some(_) => return Err(self.error("a control character escaped in a string")),
            }
        }
    }

    /// The character of `\uXXXX` (the `\u` already read), a surrogate pair taken whole. A lone
    /// surrogate is refused: a Rust string cannot hold it, and a value changed to fit would be
    /// a value the user never stored.
    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let first = self.hex4()?;
        if !(0xD800..0xE000).contains(&first) {
            return char::from_u32(first).ok_or_else(|| self.error("a Unicode scalar value"));
        }
        if first >= 0xDC00 || !self.eat(b'\\') || !self.eat(b'u') {
            return Err(self.error("a surrogate pair (\\uD800-\\uDBFF then \\uDC00-\\uDFFF)"));
        }
        let second = self.hex4()?;
        if !(0xDC00..0xE000).contains(&second) {
            return Err(self.error("a low surrogate (\\uDC00-\\uDFFF)"));
        }
        char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
            .ok_or_else(|| self.error("a Unicode scalar value"))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(|byte| char::from(byte).to_digit(16));
            let Some(digit) = digit else { return Err(self.error("four hexadecimal digits after \\u")) };
            code = code * 16 + digit;
            self.at += 1;
        }
        Ok(code)
    }
}

/// The value of a number's text (in JSON's grammar) as JavaScript reads it. Exact for
/// integers up to 2^53 and for decimals of at most 15 significant digits with an exponent of
/// at most 22 either way (every number the hosts' projection writes for a count or a small
/// value); beyond that, within a unit in the last place. A decoder of decimal text that is
/// exact everywhere (core's) would more than double this module.
pub fn number_value(text: &str) -> f64 {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa_text, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (rest.get(..at).unwrap_or(""), rest.get(at + 1..).unwrap_or("0")),
        None => (rest, "0"),
    };
    let mut exponent: i64 = parse_exponent(exponent);
    let mut digits: u64 = 0;
    let mut significant = 0_u32;
    let mut after_point = false;
    for byte in mantissa_text.bytes() {
        match byte {
            b'.' => after_point = true,
            b'0'..=b'9' => {
                if significant < 19 {
                    digits = digits * 10 + u64::from(byte - b'0');
                    if digits > 0 {
                        significant += 1;
                    }
                    if after_point {
                        exponent -= 1;
                    }
                } else {
                    if !after_point {
                        exponent += 1;
                    }
                }
            }
            _ => {}
        }
    }
    // Exact when both the digits and the power of ten are exact doubles (Clinger's fast
    // path); otherwise two roundings, within a unit in the last place.
    #[allow(clippy::cast_precision_loss)]
    let mut value = digits as f64;
    if digits != 0 {
        let mut scale = exponent;
        while scale > 22 {
            value *= 1e22;
            scale -= 22;
        }
        while scale < -22 {
            value /= 1e22;
            scale += 22;
        }
        let power = POWERS_OF_TEN.get(usize::try_from(scale.unsigned_abs()).unwrap_or(0)).copied().unwrap_or(1.0);
        value = if scale >= 0 { value * power } else { value / power };
    }
    if negative { -value } else { value }
}

fn parse_exponent(text: &str) -> i64 {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or("")),
        Some(b'+') => (false, text.get(1..).unwrap_or("")),
        _ => (false, text),
    };
    // Saturates far past where every double is 0 or infinite.
    let magnitude = digits.bytes().fold(0_i64, |n, b| (n * 10 + i64::from(b - b'0')).min(100_000));
    if negative { -magnitude } else { magnitude }
}

const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Writes `text` as a JSON string the way `JSON.stringify` does: `"` and `\` escaped, the
/// short escapes for backspace, tab, newline, form feed and carriage return, `\u00xx` for the
/// other control characters, everything else as it is.
pub fn write_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut run = 0;
    while let Some(offset) = bytes.get(run..).and_then(|rest| rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20)) {
        let at = run + offset;
        let byte = bytes.get(at).copied().unwrap_or_default();
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0a => b"\\n",
            0x0c => b"\\f",
            0x0d => b"\\r",
            _ => b"",
        };
        out.extend_from_slice(text.as_bytes().get(run..at).unwrap_or_default());
        run = at + 1;
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0'));
            out.push(HEX.get(usize::from(byte & 0xf)).copied().unwrap_or(b'0'));
        } else {
            out.extend_from_slice(escape);
        }
    }
    out.extend_from_slice(text.as_bytes().get(run..).unwrap_or_default());
    out.push(b'"');
}

/// The JSON type of a serde_json value, as an error message names it.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Writes a serde_json value compactly (an `api` call's arguments).
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => out.extend_from_slice(number.to_string().as_bytes()),
        Value::String(text) => write_str(out, text),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_value(out, item);
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
                write_value(out, item);
            }
            out.push(b'}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        validate(text.as_bytes()).unwrap_err().to_string()
    }

    fn number(text: &str) -> f64 {
        let mut reader = Reader::new(text.as_bytes()).unwrap();
        let value = number_value(reader.number().unwrap());
        reader.finish().unwrap();
        value
    }

    #[test]
    fn reads_what_json_parse_reads() {
        let input = br#" {"a": [1, -2.5e3, true, false, null, {"x": []}], "b": "x\"y\u00e9\ud83d\ude00", "c": "plain"} "#;
        validate(input).unwrap();
        let mut reader = Reader::new(input).unwrap();
        let mut strings = Vec::new();
        reader
            .members(&mut |reader, key| match &*key {
                "b" | "c" => {
                    strings.push(reader.string()?);
                    Ok(())
                }
                _ => reader.skip(),
            })
            .unwrap();
        reader.finish().unwrap();
        assert_eq!(strings, ["x\"yé😀", "plain"]);
        assert!(matches!(strings[1], Cow::Borrowed(_)), "a string without escapes is borrowed");
    }

    #[test]
    fn refuses_what_json_parse_refuses_and_says_where() {
        assert_eq!(err("{\"a\" 1}"), "expected ':' after a member name at byte 5, found '1'");
        assert_eq!(err("[1,]"), "expected a JSON value at byte 3, found ']'");
        assert_eq!(err("01"), "expected the end of the input at byte 1, found '1'");
        assert_eq!(err("\"a\nb\""), "expected a control character escaped in a string at byte 2, found U+000A");
        assert_eq!(err("\"\\ud800\""), "expected a surrogate pair (\\uD800-\\uDBFF then \\uDC00-\\uDFFF) at byte 7, found '\"'");
        assert_eq!(err("{\"a\":"), "expected a JSON value at byte 5, found the end of the input");
        assert_eq!(err(""), "expected a JSON value at byte 0, found the end of the input");
        assert!(err(&"[".repeat(200)).starts_with("expected at most 32 levels of nesting at byte 32"));
        assert!(err(&"{\"a\":".repeat(200)).starts_with("expected at most 32 levels of nesting"));
        assert_eq!(validate(b"\"\xff\"").unwrap_err().expected, "UTF-8");
        for bad in ["1.", "-", "1e", "+1", ".5", "tru", "nul", "[1 2]", "{,}", "\"\\x\"", "{\"a\":1,}", "[", "]"] {
            assert!(validate(bad.as_bytes()).is_err(), "{bad}");
        }
        for good in ["0", "-0.5e-3", "[]", "{}", "\"\"", "[[[]]]", " true ", "null"] {
            validate(good.as_bytes()).unwrap();
        }
    }

    #[test]
    fn numbers_read_as_javascript_reads_them() {
        for (text, value) in [
            ("1", 1.0),
            ("1.0", 1.0),
            ("1e0", 1.0),
            ("0.1e1", 1.0),
            ("10e-1", 1.0),
            ("1.00000000000000000000001", 1.0),
            ("-0", -0.0),
            ("0.1", 0.1),
            ("123456789012345", 123_456_789_012_345.0),
            ("9007199254740993", 9_007_199_254_740_992.0),
            ("1e21", 1e21),
            ("1.5e-7", 1.5e-7),
            ("1e400", f64::INFINITY),
            ("1e-400", 0.0),
        ] {
            assert_eq!(number(text), value, "{text}");
        }
        // Past the exact range: within a unit in the last place or so.
        let max = number("1.7976931348623157e308");
        assert!((max / f64::MAX - 1.0).abs() < 1e-15, "{max}");
    }

    #[test]
    fn strings_are_written_as_json_stringify_writes_them() {
        let mut out = Vec::new();
        write_str(&mut out, "a\"b\\c\n\u{1}\u{7f}é\u{2028}");
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\\\"b\\\\c\\n\\u0001\u{7f}é\u{2028}\"");
    }
}
