//! Instants as JavaScript's `Date` holds them: whole milliseconds since the Unix epoch,
//! within ±8.64e15 ms, parsed from the ISO 8601 forms `new Date(string)` accepts and
//! printed exactly as `Date.prototype.toISOString()` prints them.
//!
//! Own arithmetic rather than chrono: JavaScript's range (years −271821 to 275760) is wider
//! than chrono's, and its grammar (24:00, `+HHmm`, lower-case `t`/`z`, fractions truncated
//! rather than rounded) is not RFC 3339's.

use std::fmt;

/// The largest distance from the epoch a JavaScript `Date` can hold (ECMA-262 §21.4.1.1).
const MAX_MS: i64 = 8_640_000_000_000_000;
const MS_PER_DAY: i64 = 86_400_000;

/// A JavaScript time value: milliseconds since 1970-01-01T00:00:00Z, always in range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// Why a string is not a date this crate reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    /// What was expected at the point the reading stopped.
    pub expected: &'static str,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}", self.expected)
    }
}

impl std::error::Error for DateError {}

impl Timestamp {
    /// The time value for `ms`, or `None` outside JavaScript's range.
    pub fn from_millis(ms: i64) -> Option<Self> {
        (-MAX_MS..=MAX_MS).contains(&ms).then_some(Self(ms))
    }

    /// The time value for a JavaScript number such as `Date.now()`: finite, whole after
    /// truncation toward zero (as `new Date(n)` does), and in range.
    pub fn from_js_number(ms: f64) -> Option<Self> {
        if !ms.is_finite() || ms.abs() > MAX_MS as f64 {
            return None;
        }
        // In range and finite, so the cast is exact after truncation.
        #[allow(clippy::cast_possible_truncation)]
        Self::from_millis(ms.trunc() as i64)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// `self + days`, as `date.setUTCDate(date.getUTCDate() + days)` computes it
    /// (in UTC a day is always 86,400,000 ms), or `None` when it leaves the range.
    pub fn add_days(self, days: i64) -> Option<Self> {
        days.checked_mul(MS_PER_DAY)
            .and_then(|delta| self.0.checked_add(delta))
            .and_then(Self::from_millis)
    }

    /// Reads the ISO 8601 forms of ECMA-262's Date Time String Format, plus the variants V8
    /// also reads as ISO: `t`/`z` in lower case, a space for `T`, `+HHmm` offsets, `Z` after a
    /// date alone, and fractions of any length (truncated to milliseconds).
    ///
    /// A date alone is UTC midnight. A date-time without an offset is local time in
    /// JavaScript; Auth0 runs Actions in UTC, so it is read as UTC here.
    pub fn parse_js(input: &str) -> Result<Self, DateError> {
        Parser { rest: input.as_bytes() }.timestamp()
    }

    /// `Date.prototype.toISOString()`: `YYYY-MM-DDTHH:mm:ss.sssZ`, with a signed six-digit
    /// year outside 0000..=9999.
    pub fn to_iso_string(self) -> String {
        let days = self.0.div_euclid(MS_PER_DAY);
        let ms_of_day = self.0.rem_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let (hour, minute, second, milli) = (
            ms_of_day / 3_600_000,
            ms_of_day / 60_000 % 60,
            ms_of_day / 1000 % 60,
            ms_of_day % 1000,
        );
        // Digits written by hand into one buffer: this runs on every login, and `format!`
        // with widths was a fifth of a Manage_Subscription call's time.
        let mut text = [0_u8; 27];
        let mut at = 0;
        if (0..=9999).contains(&year) {
            at = put_digits(&mut text, at, year.unsigned_abs(), 4);
        } else {
            if let Some(sign) = text.get_mut(0) {
                *sign = if year < 0 { b'-' } else { b'+' };
            }
            at = put_digits(&mut text, 1, year.unsigned_abs(), 6);
        }
        for (separator, value, width) in [(b'-', month, 2), (b'-', day, 2), (b'T', hour, 2), (b':', minute, 2), (b':', second, 2), (b'.', milli, 3)] {
            if let Some(slot) = text.get_mut(at) {
                *slot = separator;
            }
            at = put_digits(&mut text, at + 1, value.unsigned_abs(), width);
        }
        if let Some(slot) = text.get_mut(at) {
            *slot = b'Z';
        }
        // ASCII digits and separators only.
        String::from_utf8(text.get(..at + 1).unwrap_or_default().to_vec()).unwrap_or_default()
    }
}

/// Writes the last `width` decimal digits of `value`, zero-padded, at `at`; where they end.
fn put_digits(text: &mut [u8], at: usize, mut value: u64, width: usize) -> usize {
    let end = at + width;
    let mut position = end;
    while position > at {
        position -= 1;
        if let Some(slot) = text.get_mut(position) {
            *slot = b'0' + (value % 10) as u8;
        }
        value /= 10;
    }
    end
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso_string())
    }
}

struct Parser<'a> {
    rest: &'a [u8],
}

impl Parser<'_> {
    fn timestamp(mut self) -> Result<Timestamp, DateError> {
        let year = self.year()?;
        let mut month = 1;
        let mut day = 1;
        if self.eat(b'-') {
            month = self.digits(2, "a two-digit month")?;
            if self.eat(b'-') {
                day = self.digits(2, "a two-digit day")?;
            }
        }
        if !(1..=12).contains(&month) {
            return Err(DateError { expected: "a month from 01 to 12" });
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(DateError { expected: "a day that exists in that month" });
        }
        let mut ms_of_day = 0;
        if self.eat(b'T') || self.eat(b't') || self.eat(b' ') {
            ms_of_day = self.time_of_day()?;
        }
        let offset_ms = self.offset()?;
        if !self.rest.is_empty() {
            return Err(DateError { expected: "the end of the date" });
        }
        // Every term is bounded (|year| < 10^6, so |days| < 4×10^8), so none of this overflows.
        let ms = days_from_civil(year, month, day) * MS_PER_DAY + ms_of_day - offset_ms;
        Timestamp::from_millis(ms).ok_or(DateError {
            expected: "a date between -271821-04-20 and +275760-09-13",
        })
    }

    fn year(&mut self) -> Result<i64, DateError> {
        match self.rest.first() {
            Some(b'+') => {
                self.advance();
                self.digits(6, "six digits after a year's sign")
            }
            Some(b'-') => {
                self.advance();
                let year = self.digits(6, "six digits after a year's sign")?;
                if year == 0 {
                    // ECMA-262 forbids -000000: there is no negative zero year.
                    return Err(DateError { expected: "a year other than -000000" });
                }
                Ok(-year)
            }
            _ => self.digits(4, "a four-digit year"),
        }
    }

    fn time_of_day(&mut self) -> Result<i64, DateError> {
        let hour = self.digits(2, "a two-digit hour")?;
        if !self.eat(b':') {
            return Err(DateError { expected: "':' and minutes after the hour" });
        }
        let minute = self.digits(2, "two-digit minutes")?;
        let mut second = 0;
        let mut milli = 0;
        if self.eat(b':') {
            second = self.digits(2, "two-digit seconds")?;
            if self.eat(b'.') {
                milli = self.fraction()?;
            }
        }
        let is_midnight_end = hour == 24 && minute == 0 && second == 0 && milli == 0;
        if (hour > 23 && !is_midnight_end) || minute > 59 || second > 59 {
            return Err(DateError { expected: "a time from 00:00 to 24:00" });
        }
        Ok(((hour * 60 + minute) * 60 + second) * 1000 + milli)
    }

    /// One or more digits, read as milliseconds: digits past the third are dropped, as V8 does.
    fn fraction(&mut self) -> Result<i64, DateError> {
        let count = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if count == 0 {
            return Err(DateError { expected: "digits after the decimal point" });
        }
        let (digits, rest) = self.rest.split_at(count);
        self.rest = rest;
        let mut milli = 0;
        for place in 0..3 {
            let digit = digits.get(place).map_or(0, |d| i64::from(d - b'0'));
            milli = milli * 10 + digit;
        }
        Ok(milli)
    }

    fn offset(&mut self) -> Result<i64, DateError> {
        let sign = match self.rest.first() {
            Some(b'Z' | b'z') => {
                self.advance();
                return Ok(0);
            }
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return Ok(0),
        };
        self.advance();
        let hours = self.digits(2, "a two-digit offset hour")?;
        self.eat(b':');
        let minutes = self.digits(2, "two-digit offset minutes")?;
        if hours > 23 || minutes > 59 {
            return Err(DateError { expected: "an offset from -23:59 to +23:59" });
        }
        Ok(sign * (hours * 60 + minutes) * 60_000)
    }

    fn digits(&mut self, count: usize, expected: &'static str) -> Result<i64, DateError> {
        let Some(digits) = self.rest.get(..count) else {
            return Err(DateError { expected });
        };
        let mut value = 0;
        for &d in digits {
            if !d.is_ascii_digit() {
                return Err(DateError { expected });
            }
            value = value * 10 + i64::from(d - b'0');
        }
        self.rest = self.rest.get(count..).unwrap_or_default();
        Ok(value)
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.rest.first() == Some(&byte);
        if found {
            self.advance();
        }
        found
    }

    fn advance(&mut self) {
        self.rest = self.rest.get(1..).unwrap_or_default();
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iso(input: &str) -> String {
        Timestamp::parse_js(input).map_or_else(|e| format!("error: {e}"), |t| t.to_iso_string())
    }

    /// Each pair was printed by `TZ=UTC node -e 'console.log(new Date(s).toISOString())'`.
    #[test]
    fn reads_what_javascript_reads() {
        let cases = [
            ("2024", "2024-01-01T00:00:00.000Z"),
            ("2024-09", "2024-09-01T00:00:00.000Z"),
            ("2024-09-17", "2024-09-17T00:00:00.000Z"),
            ("2024-09-17T23:58", "2024-09-17T23:58:00.000Z"),
            ("2024-09-17T23:58:28", "2024-09-17T23:58:28.000Z"),
            ("2024-09-17T23:58:28.392Z", "2024-09-17T23:58:28.392Z"),
            ("2024-09-17T23:58:28.3929999Z", "2024-09-17T23:58:28.392Z"),
            ("2024-09-17T23:58:28.3Z", "2024-09-17T23:58:28.300Z"),
            ("2024-09-17t23:58:28z", "2024-09-17T23:58:28.000Z"),
            ("2024-09-17 23:58:28", "2024-09-17T23:58:28.000Z"),
            ("2024-09-17T23:58:28+02:00", "2024-09-17T21:58:28.000Z"),
            ("2024-09-17T23:58:28+0200", "2024-09-17T21:58:28.000Z"),
            ("2024-09-17T23:58:28.392+05:30", "2024-09-17T18:28:28.392Z"),
            ("2024-09-17T23:58:28.392+23:59", "2024-09-16T23:59:28.392Z"),
            ("2024-09-17T23:58:28.392-00:00", "2024-09-17T23:58:28.392Z"),
            ("2024-09-17T24:00:00Z", "2024-09-18T00:00:00.000Z"),
            ("2024-09-17Z", "2024-09-17T00:00:00.000Z"),
            ("2024-02-29", "2024-02-29T00:00:00.000Z"),
            ("+002024-09-17", "2024-09-17T00:00:00.000Z"),
            ("-000001-01-01T00:00:00Z", "-000001-01-01T00:00:00.000Z"),
            ("0000-01-01", "0000-01-01T00:00:00.000Z"),
            ("+275760-09-13T00:00:00.000Z", "+275760-09-13T00:00:00.000Z"),
            ("-271821-04-20T00:00:00Z", "-271821-04-20T00:00:00.000Z"),
        ];
        for (input, expected) in cases {
            assert_eq!(iso(input), expected, "input {input:?}");
        }
    }

    /// Strings on which `new Date(s).toISOString()` throws a RangeError.
    #[test]
    fn rejects_what_javascript_rejects() {
        for input in [
            "",
            "garbage",
            "2024-09-17T23:58:28.Z",
            "2024-09-17T23:58:28+02",
            "2024-09-17T24:00:01Z",
            "2024-13-01",
            "+275760-09-13T00:00:00.001Z",
            "-271821-04-19T23:59:59.999Z",
            "2024-09-17T25:00",
            "2024-09-17T23:60",
            "2024-09-17T23:59:60Z",
            "2024-09-17T10Z",
            "2024-09-17T23:58:28,392Z",
            "20240917",
            "2024-09-17T23:58:28.392+24:00",
            "1726617508392",
            "2024-09-17T23:58:28.392Z ",
        ] {
            assert!(Timestamp::parse_js(input).is_err(), "input {input:?}");
        }
    }

    #[test]
    fn rejects_calendar_dates_that_do_not_exist() {
        // V8's fallback parser rolls these over into the next month; we refuse to guess.
        assert_eq!(iso("2023-02-29"), "error: expected a day that exists in that month");
        assert!(Timestamp::parse_js("2024-04-31").is_err());
    }

    #[test]
    fn adds_days_across_month_year_and_leap_day() {
        let t = |s| Timestamp::parse_js(s).unwrap();
        assert_eq!(t("2024-02-28T12:00:00Z").add_days(1).unwrap(), t("2024-02-29T12:00:00Z"));
        assert_eq!(t("2024-02-29T12:00:00Z").add_days(1).unwrap(), t("2024-03-01T12:00:00Z"));
        assert_eq!(t("2023-12-31T23:59:59.999Z").add_days(1).unwrap(), t("2024-01-01T23:59:59.999Z"));
        assert_eq!(Timestamp::from_millis(MAX_MS).unwrap().add_days(1), None);
    }

    #[test]
    fn reads_javascript_numbers() {
        assert_eq!(Timestamp::from_js_number(1.9).map(Timestamp::millis), Some(1));
        assert_eq!(Timestamp::from_js_number(-1.9).map(Timestamp::millis), Some(-1));
        assert_eq!(Timestamp::from_js_number(f64::NAN), None);
        assert_eq!(Timestamp::from_js_number(f64::INFINITY), None);
        assert_eq!(Timestamp::from_js_number(8.64e15 + 1.0), None);
    }

    proptest! {
        #[test]
        fn printing_then_reading_is_the_identity(ms in -MAX_MS..=MAX_MS) {
            let t = Timestamp::from_millis(ms).unwrap();
            prop_assert_eq!(Timestamp::parse_js(&t.to_iso_string()), Ok(t));
        }

        #[test]
        fn any_string_is_read_or_refused_without_panicking(s in "\\PC{0,40}") {
            let _ = Timestamp::parse_js(&s);
        }
    }
}
