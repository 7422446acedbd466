//! The module's own JSON: a small reader, the borrowed [`Tree`] it builds of the module's
//! input, and the writers of the module's answer.
//!
//! The module's input is a projection of a few declared paths (see [`crate::projection`]),
//! a few hundred bytes at most, read once. serde_json's parser (its map, error texts and
//! float tables) was most of the module's code and instructions for that; this reader is
//! RFC 8259 as `JSON.parse` reads it, keeps strings borrowed unless they hold escapes, and
//! keeps numbers as their text until asked.
//!
//! Nothing here panics or recurses without bound: nesting deeper than [`MAX_DEPTH`] is an
//! error as data, as is every other malformed input, with the byte offset where reading
//! stopped.

use std::borrow::Cow;

/// How deep the reader nests before it refuses. A projection nests no deeper than the
/// longest declared path (at most 12 keys, `[]` included; a container at a path's end
/// crosses empty), and answers a few levels more; the module's 32 KiB stack holds many
/// times this.
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

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
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

/// Reads JSON from the front: [`Reader::kind`] tells what comes next, and [`Tree::read`]
/// takes it.
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

    // Inlined by hand, as most of the module's input is compact: one byte decides.
    #[inline(always)]
    fn skip_space(&mut self) {
        if self.peek().is_some_and(|byte| byte > b' ') {
            return;
        }
        self.skip_spaces();
    }

    fn skip_spaces(&mut self) {
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

    fn word(&mut self, word: &'static str) -> Result<(), ParseError> {
        if self.bytes.get(self.at..self.at + word.len()) == Some(word.as_bytes()) {
            self.at += word.len();
            Ok(())
        } else {
            Err(self.error("true, false or null"))
        }
    }

    /// Goes into the container whose opening byte is at the reading point.
    fn enter(&mut self) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("at most 32 levels of nesting"));
        }
        self.depth += 1;
        self.at += 1;
        Ok(())
    }

    /// After a container's member or item: whether `close` ends it (else a `,` must follow).
    #[inline(always)]
    fn next_or_close(&mut self, close: u8, expected: &'static str) -> Result<bool, ParseError> {
        self.skip_space();
        if self.eat(close) {
            self.depth -= 1;
            return Ok(true);
        }
        if !self.eat(b',') {
            return Err(self.error(expected));
        }
        Ok(false)
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
        // Eight bytes at a time while none ends the run (most strings are a few words).
        while let Some(word) = self.bytes.get(self.at..self.at + 8).and_then(|chunk| <[u8; 8]>::try_from(chunk).ok()) {
            if needs_escape(u64::from_le_bytes(word)) {
                break;
            }
            self.at += 8;
        }
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
    // The runs between escapes are copied whole, found eight bytes at a time (most strings
    // hold no escape at all); a plain loop, as at opt-level "z" `Iterator::position` with a
    // closure costs a call per byte.
    let mut run = 0;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(word) = bytes.get(at..at + 8).and_then(|chunk| <[u8; 8]>::try_from(chunk).ok())
            && !needs_escape(u64::from_le_bytes(word))
        {
            at += 8;
            continue;
        }
        let byte = bytes.get(at).copied().unwrap_or_default();
        if byte != b'"' && byte != b'\\' && byte >= 0x20 {
            at += 1;
            continue;
        }
        out.extend_from_slice(bytes.get(run..at).unwrap_or_default());
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x0a => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            0x0d => out.extend_from_slice(b"\\r"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0'));
                out.push(HEX.get(usize::from(byte & 0xf)).copied().unwrap_or(b'0'));
            }
        }
        at += 1;
        run = at;
    }
    out.extend_from_slice(bytes.get(run..).unwrap_or_default());
    out.push(b'"');
}


/// Whether one of the eight bytes of `word` is `"`, `\\` or a control character (below
/// 0x20), what ends a run of plain bytes in a JSON string: the bit tricks of "Bit Twiddling
/// Hacks" (a byte below n; a byte equal to n). Bytes of 0x80 and above (UTF-8) are plain.
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below = |n: u64| word.wrapping_sub(ONES.wrapping_mul(n)) & !word & HIGHS;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    (below(0x20) | zero(word ^ ONES.wrapping_mul(u64::from(b'"'))) | zero(word ^ ONES.wrapping_mul(u64::from(b'\\')))) != 0
}

/// A JSON value read from the module's input, borrowing from it: what the event views
/// ([`crate::event`]) and the answers ([`crate::api`]) read. Numbers stay as their text and
/// strings stay borrowed unless they hold escapes; objects keep their members in order,
/// repeated keys included ([`Tree::get`] finds the last, as `JSON.parse` keeps it).
#[derive(Debug, Clone, PartialEq)]
pub enum Tree<'a> {
    Null,
    Bool(bool),
    /// The number's text, checked against JSON's grammar ([`number_value`] reads it).
    Number(&'a str),
    String(Cow<'a, str>),
    Array(Vec<Tree<'a>>),
    Object(Vec<(Cow<'a, str>, Tree<'a>)>),
}

impl<'a> Tree<'a> {
    /// Reads `input` as one JSON value with nothing but whitespace around it.
    pub fn parse(input: &'a [u8]) -> Result<Tree<'a>, ParseError> {
        let mut reader = Reader::new(input)?;
        let tree = Tree::read(&mut reader)?;
        reader.finish()?;
        Ok(tree)
    }

    /// Reads the value at the reading point. One loop per container, without callbacks: the
    /// module reads every call's input so.
    pub fn read(reader: &mut Reader<'a>) -> Result<Tree<'a>, ParseError> {
        Ok(match reader.kind()? {
            Kind::Null => {
                reader.word("null")?;
                Tree::Null
            }
            Kind::Bool => {
                let value = reader.peek() == Some(b't');
                reader.word(if value { "true" } else { "false" })?;
                Tree::Bool(value)
            }
            Kind::Number => Tree::Number(reader.number()?),
            Kind::String => Tree::String(reader.string()?),
            Kind::Array => {
                reader.enter()?;
                reader.skip_space();
                // Room for a few from the start: most containers of a projection are small.
                let mut items = Vec::with_capacity(4);
                if reader.eat(b']') {
                    reader.depth -= 1;
                } else {
                    loop {
                        items.push(Tree::read(reader)?);
                        if reader.next_or_close(b']', "',' or ']' in an array")? {
                            break;
                        }
                    }
                }
                Tree::Array(items)
            }
            Kind::Object => {
                reader.enter()?;
                reader.skip_space();
                let mut members = Vec::with_capacity(4);
                if reader.eat(b'}') {
                    reader.depth -= 1;
                } else {
                    loop {
                        reader.skip_space();
                        if reader.peek() != Some(b'"') {
                            return Err(reader.error("a member name in double quotes"));
                        }
                        let key = reader.string()?;
                        reader.skip_space();
                        if !reader.eat(b':') {
                            return Err(reader.error("':' after a member name"));
                        }
                        members.push((key, Tree::read(reader)?));
                        if reader.next_or_close(b'}', "',' or '}' in an object")? {
                            break;
                        }
                    }
                }
                Tree::Object(members)
            }
        })
    }

    pub fn kind(&self) -> Kind {
        match self {
            Tree::Null => Kind::Null,
            Tree::Bool(_) => Kind::Bool,
            Tree::Number(_) => Kind::Number,
            Tree::String(_) => Kind::String,
            Tree::Array(_) => Kind::Array,
            Tree::Object(_) => Kind::Object,
        }
    }

    /// The member `key` of an object (the last one, as `JSON.parse` keeps the last of
    /// repeated keys); `None` for a missing key or a value that is not an object.
    pub fn get(&self, key: &str) -> Option<&Tree<'a>> {
        match self {
            Tree::Object(members) => members.iter().rev().find(|(name, _)| name == key).map(|(_, value)| value),
            _ => None,
        }
    }

    /// The text of a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Tree::String(text) => Some(text),
            _ => None,
        }
    }
}

/// A number as JavaScript's `Number.prototype.toString()` (and so `JSON.stringify`) prints
/// it (ECMA-262 §6.1.6.1.20): the shortest digits that read back to the same double, in
/// plain notation from 1e-6 up to 1e21 and in exponent notation (`1e+21`, `1.5e-7`) beyond.
/// Integers past 2^53 lose precision exactly as `JSON.parse` loses it.
///
/// Float formatting is about 15 kB of code: the module links it only where an Action writes
/// a number that is not a whole one.
pub fn js_number(value: f64) -> String {
    if !value.is_finite() {
        // `JSON.stringify` writes `null` for NaN and the infinities; JSON cannot hold them.
        return "null".to_owned();
    }
    if value == 0.0 {
        return "0".to_owned(); // -0 too
    }
    if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
        // Exact: a whole number below 2^53 is an i64 without loss.
        #[allow(clippy::cast_possible_truncation)]
        return (value as i64).to_string();
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

/// Writes a whole number as JSON (and JavaScript) prints it, without float formatting.
pub fn write_int(out: &mut Vec<u8>, value: i64) {
    let mut digits = [0_u8; 20];
    let mut at = digits.len();
    let mut rest = value.unsigned_abs();
    loop {
        at -= 1;
        if let Some(slot) = digits.get_mut(at) {
            // `rest % 10` is a single digit.
            #[allow(clippy::cast_possible_truncation)]
            let digit = (rest % 10) as u8;
            *slot = b'0' + digit;
        }
        rest /= 10;
        if rest == 0 || at == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Tree::parse(text.as_bytes()).unwrap_err().to_string()
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
        let tree = Tree::parse(input).unwrap();
        let strings: Vec<&Cow<'_, str>> = ["b", "c"].iter().filter_map(|key| match tree.get(key) {
            Some(Tree::String(text)) => Some(text),
            _ => None,
        }).collect();
        assert_eq!(strings, ["x\"yé😀", "plain"]);
        assert!(matches!(strings[1], Cow::Borrowed(_)), "a string without escapes is borrowed");
        assert_eq!(tree.get("a").map(Tree::kind), Some(Kind::Array));
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
        assert_eq!(Tree::parse(b"\"\xff\"").unwrap_err().expected, "UTF-8");
        for bad in ["1.", "-", "1e", "+1", ".5", "tru", "nul", "[1 2]", "{,}", "\"\\x\"", "{\"a\":1,}", "[", "]"] {
            assert!(Tree::parse(bad.as_bytes()).is_err(), "{bad}");
        }
        for good in ["0", "-0.5e-3", "[]", "{}", "\"\"", "[[[]]]", " true ", "null"] {
            Tree::parse(good.as_bytes()).unwrap();
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

    #[test]
    fn strings_are_written_as_json_stringify_writes_them_and_read_back_at_every_offset() {
        // Escapes before, inside and after eight-byte runs, against serde_json (which escapes
        // as JSON.stringify does).
        let pieces = ["a", "\"", "\\", "\n", "\u{1}", "\u{1f}", " ", "é", "\u{7f}", "\u{2028}", "0123456789"];
        let mut seed = 7_u64;
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..(seed % 13) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                text.push_str(pieces[usize::try_from(seed >> 33).unwrap() % pieces.len()]);
            }
            let mut out = Vec::new();
            write_str(&mut out, &text);
            assert_eq!(String::from_utf8(out.clone()).unwrap(), serde_json::to_string(&text).unwrap(), "{text:?}");
            assert_eq!(Tree::parse(&out).unwrap(), Tree::String(text.clone().into()), "read back: {text:?}");
        }
    }

    #[test]
    fn a_tree_keeps_members_in_order_and_finds_the_last_of_repeated_keys() {
        let tree = Tree::parse(br#"{"a": [1, "x", null, true], "b": {"c": 2}, "a": "last"}"#).unwrap();
        assert_eq!(tree.get("a"), Some(&Tree::String("last".into())));
        assert_eq!(tree.get("b").and_then(|b| b.get("c")), Some(&Tree::Number("2")));
        let Tree::Object(members) = &tree else { panic!("an object") };
        assert_eq!(members.len(), 3);
        assert!(Tree::parse(b"[1,").is_err());
        assert!(Tree::parse(&b"[".repeat(40)).unwrap_err().to_string().contains("at most 32 levels"));
    }

    #[test]
    fn whole_numbers_are_written_without_float_formatting() {
        for value in [0_i64, 7, -7, 600, i64::MAX, i64::MIN, 1_000_000] {
            let mut out = Vec::new();
            write_int(&mut out, value);
            assert_eq!(String::from_utf8(out).unwrap(), value.to_string());
        }
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
}
