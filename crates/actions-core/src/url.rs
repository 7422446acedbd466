//! Percent-encoding of one URL path segment, as JavaScript's `encodeURIComponent` does for
//! the characters ids hold (`auth0|123` becomes `auth0%7C123`).

use std::fmt::Write;

pub(crate) fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_what_is_not_unreserved() {
        assert_eq!(encode_segment("auth0|5f7c8ec7"), "auth0%7C5f7c8ec7");
        assert_eq!(encode_segment("a/b c?é"), "a%2Fb%20c%3F%C3%A9");
        assert_eq!(encode_segment("org_AbC-1.x~"), "org_AbC-1.x~");
    }
}
