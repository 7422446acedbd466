//! Reading events as Auth0 could deliver them: any depth of nesting up to [`MAX_DEPTH`].
//!
//! serde_json stops at 128 levels, but a user's metadata is any JSON their app stored, so a
//! 200-level `user_metadata` is a real login that the module never even sees (only the paths
//! a decision reads cross into it). Reading grows the stack on the heap as it needs
//! (serde_stacker); a fixed ceiling, checked by a scan that does not recurse, keeps the later
//! recursive steps (dropping, cloning, writing the value) within the threads' stacks.

use serde::de::DeserializeOwned;

/// The deepest nesting read: 10,000 levels of objects or arrays. Far past anything a profile
/// holds (Auth0 keeps 32 KB of each metadata object, so at most about 16,000 levels of
/// brackets), and within what the runner's threads can drop and write without overflowing.
pub const MAX_DEPTH: usize = 10_000;

/// Stack size of the runner's threads that hold events (its main work and its workers);
/// enough for [`MAX_DEPTH`] levels in a debug build, where frames are largest.
pub const THREAD_STACK_BYTES: usize = 256 << 20;

/// Why bytes are not the JSON expected.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// Nested deeper than [`MAX_DEPTH`].
    #[error("expected JSON nested at most {MAX_DEPTH} levels deep, found {found} levels")]
    TooDeep {
        /// How deep the bytes nest.
        found: usize,
    },
    /// Not JSON, or not the `T` asked for.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Reads `bytes` as one `T`, at any depth up to [`MAX_DEPTH`].
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    // Nearly every event nests a few levels deep: serde_json's own reader, with its limit of
    // 128 levels, takes it in one pass. Only what goes past that limit pays for the scan and
    // the growing stack.
    match serde_json::from_slice(bytes) {
        Err(error) if is_recursion_limit(&error) => {}
        read => return read.map_err(JsonError::Json),
    }
    let depth = max_depth(bytes);
    if depth > MAX_DEPTH {
        return Err(JsonError::TooDeep { found: depth });
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    deserializer.disable_recursion_limit();
    let value = T::deserialize(serde_stacker::Deserializer::new(&mut deserializer))?;
    deserializer.end()?;
    Ok(value)
}

/// Whether serde_json stopped at its own depth limit (it has no error kind of its own for it).
fn is_recursion_limit(error: &serde_json::Error) -> bool {
    error.is_syntax() && error.to_string().starts_with("recursion limit exceeded")
}

/// The deepest nesting of brackets outside strings. Linear and without recursion, so it is
/// safe on any input; bytes that are not JSON are left for the parser to describe.
fn max_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0_usize, 0_usize);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in bytes {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn nested(levels: usize) -> String {
        format!("{}\"x\"{}", "{\"a\":[".repeat(levels / 2), "]}".repeat(levels / 2))
    }

    #[test]
    fn deep_json_is_read_up_to_the_ceiling() {
        let value: Value = from_slice(nested(2_000).as_bytes()).unwrap();
        assert!(value.is_object());
        let error = from_slice::<Value>(nested(MAX_DEPTH + 2).as_bytes()).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("expected JSON nested at most {MAX_DEPTH} levels deep, found {} levels", MAX_DEPTH + 2)
        );
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        assert_eq!(max_depth(br#"{"a": "[[[[\"{{{{", "b": [1]}"#), 2);
    }

    #[test]
    fn errors_are_serde_json_s_own() {
        let error = from_slice::<Value>(b"{\"a\": 1} x").unwrap_err();
        assert!(error.to_string().contains("trailing characters"), "{error}");
    }
}
