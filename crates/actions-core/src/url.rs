//! Percent-encoding of one URL path segment, exactly as JavaScript's `encodeURIComponent`
//! does (`auth0|123` becomes `auth0%7C123`), so the shim and any JavaScript reading the
//! request agree on the path.

/// Linear in the segment's length: a user id can be as long as its data makes it.
pub(crate) fn encode_segment(segment: &str) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(segment.len());
    for &byte in segment.as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte);
        } else {
            out.extend_from_slice(&[b'%', hex_digit(byte >> 4), hex_digit(byte & 0x0f)]);
        }
    }
    // Only ASCII was pushed.
    String::from_utf8(out).unwrap_or_default()
}

fn hex_digit(nibble: u8) -> u8 {
    if nibble < 10 { b'0' + nibble } else { b'A' + (nibble - 10) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_what_encode_uri_component_encodes() {
        assert_eq!(encode_segment("auth0|5f7c8ec7"), "auth0%7C5f7c8ec7");
        assert_eq!(encode_segment("a/b c?é"), "a%2Fb%20c%3F%C3%A9");
        assert_eq!(encode_segment("org_AbC-1.x~!*'()"), "org_AbC-1.x~!*'()");
        assert_eq!(encode_segment("samlp|acme|jane@acme.com"), "samlp%7Cacme%7Cjane%40acme.com");
    }
}
