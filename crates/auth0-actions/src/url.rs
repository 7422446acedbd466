//! Percent-encoding of one URL path segment, exactly as JavaScript's `encodeURIComponent`
//! does (`auth0|123` becomes `auth0%7C123`), so the shim and any JavaScript reading the
//! request agree on the path.

/// Linear in the segment's length: a user id can be as long as its data makes it.
pub fn encode_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(segment.len() + 8);
    // The runs of bytes kept as they are are copied whole.
    let mut run = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        if unreserved(byte) {
            continue;
        }
        out.extend_from_slice(bytes.get(run..at).unwrap_or_default());
        out.extend_from_slice(&[b'%', hex_digit(byte >> 4), hex_digit(byte & 0x0f)]);
        run = at + 1;
    }
    out.extend_from_slice(bytes.get(run..).unwrap_or_default());
    // Only ASCII was written.
    String::from_utf8(out).unwrap_or_default()
}

/// What `encodeURIComponent` keeps: ASCII letters, digits and `-_.!~*'()`.
fn unreserved(byte: u8) -> bool {
    const KEPT: u128 = {
        let mut bits = 0_u128;
        let mut byte = 0;
        while byte < 128 {
            let c = byte as u8;
            if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')') {
                bits |= 1 << byte;
            }
            byte += 1;
        }
        bits
    };
    byte < 128 && (KEPT >> byte) & 1 == 1
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
        let every: String = (1..=0x7f_u8).map(char::from).chain(['é', '\u{10348}']).collect();
        assert_eq!(
            encode_segment(&every),
            "%01%02%03%04%05%06%07%08%09%0A%0B%0C%0D%0E%0F%10%11%12%13%14%15%16%17%18%19%1A%1B%1C%1D%1E%1F\
             %20!%22%23%24%25%26'()*%2B%2C-.%2F0123456789%3A%3B%3C%3D%3E%3F%40ABCDEFGHIJKLMNOPQRSTUVWXYZ\
             %5B%5C%5D%5E_%60abcdefghijklmnopqrstuvwxyz%7B%7C%7D~%7F%C3%A9%F0%90%8D%88"
        );
    }
}
