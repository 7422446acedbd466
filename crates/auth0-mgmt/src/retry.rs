//! When to retry and how long to wait: 429 waits as `Retry-After` or `x-ratelimit-reset`
//! says, otherwise exponential backoff with jitter; every wait is capped by `max_wait`, and
//! the number of tries is bounded.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Bounds on retrying one call. Tests shorten `max_wait` instead of sleeping for seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// HTTP exchanges one call may use, the first one included.
    pub max_tries: u32,
    /// The first backoff; it doubles at each retry.
    pub base_delay: Duration,
    /// No single wait is longer than this, whatever the headers say.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    /// Close to Auth0's own SDKs: a few tries, waits capped at 10 s.
    fn default() -> Self {
        RetryPolicy { max_tries: 5, base_delay: Duration::from_millis(500), max_wait: Duration::from_secs(10) }
    }
}

/// The headers of a 429 that say when to come back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RateHeaders {
    /// `Retry-After`, in seconds (the HTTP-date form is ignored: Auth0 sends seconds).
    pub retry_after: Option<u64>,
    /// `x-ratelimit-reset`, Unix seconds.
    pub reset: Option<u64>,
}

impl RateHeaders {
    pub(crate) fn from_headers(headers: &ureq::http::HeaderMap) -> RateHeaders {
        let number = |name: &str| {
            headers.get(name).and_then(|value| value.to_str().ok()).and_then(|text| text.trim().parse::<u64>().ok())
        };
        RateHeaders { retry_after: number("retry-after"), reset: number("x-ratelimit-reset") }
    }
}

impl RetryPolicy {
    /// The wait before try `attempt + 1`, after try `attempt` (1-based) was refused.
    pub(crate) fn wait(&self, attempt: u32, headers: &RateHeaders, now_unix: u64) -> Duration {
        let told = headers
            .retry_after
            .map(Duration::from_secs)
            .or_else(|| headers.reset.map(|reset| Duration::from_secs(reset.saturating_sub(now_unix).max(1))));
        let wait = told.unwrap_or_else(|| {
            let exponent = attempt.saturating_sub(1).min(16);
            let backoff = self.base_delay.saturating_mul(1u32 << exponent);
            // "Equal jitter": half fixed, half random, so clients that failed together spread out.
            let half = backoff / 2;
            half + half.mul_f64(jitter())
        });
        wait.min(self.max_wait)
    }
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// A number in [0, 1) that differs between calls and processes; no crate needed for this.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy =
        RetryPolicy { max_tries: 5, base_delay: Duration::from_millis(500), max_wait: Duration::from_secs(10) };

    #[test]
    fn retry_after_wins_and_is_capped() {
        let headers = RateHeaders { retry_after: Some(3), reset: Some(2_000_000_000) };
        assert_eq!(POLICY.wait(1, &headers, 1_000), Duration::from_secs(3));
        let headers = RateHeaders { retry_after: Some(3600), reset: None };
        assert_eq!(POLICY.wait(1, &headers, 1_000), Duration::from_secs(10));
    }

    #[test]
    fn reset_is_relative_to_now() {
        let headers = RateHeaders { retry_after: None, reset: Some(1_004) };
        assert_eq!(POLICY.wait(1, &headers, 1_000), Duration::from_secs(4));
        // A reset in the past still waits a little rather than hammering.
        let headers = RateHeaders { retry_after: None, reset: Some(900) };
        assert_eq!(POLICY.wait(1, &headers, 1_000), Duration::from_secs(1));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let none = RateHeaders::default();
        for attempt in 1..=4u32 {
            let full = Duration::from_millis(500) * (1 << (attempt - 1));
            let wait = POLICY.wait(attempt, &none, 0);
            assert!(wait >= full / 2 && wait <= full, "attempt {attempt}: {wait:?}");
        }
        assert!(POLICY.wait(30, &none, 0) <= Duration::from_secs(10));
    }
}
