//! Timestamps and intervals: everything is `i64` nanoseconds since the Unix epoch (UTC),
//! which holds every unit venues send (s, ms, us, ns, ISO text) at full precision for
//! the years 1678 to 2261.

use std::fmt;

pub const NS_PER_US: i64 = 1_000;
pub const NS_PER_MS: i64 = 1_000_000;
pub const NS_PER_S: i64 = 1_000_000_000;

/// Why a timestamp was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeError {
    Syntax,
    OutOfRange,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeError::Syntax => "not a timestamp",
            TimeError::OutOfRange => "timestamp out of range (zero, before 1970 or after 2261)",
        })
    }
}

/// The unit of an integer epoch timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Millis,
    Micros,
    Nanos,
}

impl Unit {
    fn ns(self) -> i64 {
        match self {
            Unit::Seconds => NS_PER_S,
            Unit::Millis => NS_PER_MS,
            Unit::Micros => NS_PER_US,
            Unit::Nanos => 1,
        }
    }
}

/// An integer epoch time in `unit` (text of a JSON number or string) as ns. Times before
/// 1970 are refused: no capture holds them, and a 0 or negative time is a broken field.
#[inline]
pub fn parse_epoch(text: &str, unit: Unit) -> Result<i64, TimeError> {
    let s = text.as_bytes();
    if s.is_empty() || s.len() > 19 {
        return Err(if s.iter().all(u8::is_ascii_digit) && !s.is_empty() {
            TimeError::OutOfRange
        } else {
            TimeError::Syntax
        });
    }
    let mut v: u64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return Err(TimeError::Syntax);
        }
        v = v * 10 + (c - b'0') as u64;
    }
    epoch_from_int(v, unit)
}

/// An integer epoch time in `unit` as ns (see [`parse_epoch`]).
#[inline]
pub fn epoch_from_int(v: u64, unit: Unit) -> Result<i64, TimeError> {
    if v == 0 || v > i64::MAX as u64 {
        return Err(TimeError::OutOfRange);
    }
    (v as i64)
        .checked_mul(unit.ns())
        .ok_or(TimeError::OutOfRange)
}

/// Decimal epoch seconds (`"1618678142.557535"`, cryptofeed's receive times) as ns,
/// exactly: digits beyond the nanosecond are refused rather than rounded.
pub fn parse_decimal_seconds(text: &str) -> Result<i64, TimeError> {
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, f),
        None => (text, ""),
    };
    if int.is_empty() || int.len() > 11 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TimeError::Syntax);
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (text.contains('.') && frac.is_empty()) {
        return Err(TimeError::Syntax);
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 9 {
        return Err(TimeError::Syntax);
    }
    let secs: i64 = int.parse().map_err(|_| TimeError::Syntax)?;
    let mut ns: i64 = 0;
    for (i, c) in frac.bytes().enumerate() {
        ns += (c - b'0') as i64 * 10i64.pow(8 - i as u32);
    }
    let t = secs
        .checked_mul(NS_PER_S)
        .and_then(|v| v.checked_add(ns))
        .ok_or(TimeError::OutOfRange)?;
    if t <= 0 {
        return Err(TimeError::OutOfRange);
    }
    Ok(t)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn digits(s: &[u8], range: std::ops::Range<usize>) -> Result<i64, TimeError> {
    let part = s.get(range).ok_or(TimeError::Syntax)?;
    let mut v = 0i64;
    for &c in part {
        if !c.is_ascii_digit() {
            return Err(TimeError::Syntax);
        }
        v = v * 10 + (c - b'0') as i64;
    }
    Ok(v)
}

/// ISO 8601 / RFC 3339 text: `2019-07-01T00:00:00.1234567Z`, `2021-04-17 16:43:05`,
/// `+00:00` offsets; 0 to 9 fraction digits. Text without a zone is read as UTC.
pub fn parse_iso(text: &str) -> Result<i64, TimeError> {
    let s = text.as_bytes();
    if s.len() < 19 || s[4] != b'-' || s[7] != b'-' || !matches!(s[10], b'T' | b't' | b' ') {
        return Err(TimeError::Syntax);
    }
    if s[13] != b':' || s[16] != b':' {
        return Err(TimeError::Syntax);
    }
    let (y, mo, d) = (digits(s, 0..4)?, digits(s, 5..7)?, digits(s, 8..10)?);
    let (h, mi, sec) = (digits(s, 11..13)?, digits(s, 14..16)?, digits(s, 17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60
    {
        return Err(TimeError::Syntax);
    }
    let mut i = 19;
    let mut frac_ns = 0i64;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        let f = &s[start..i];
        if f.is_empty() {
            return Err(TimeError::Syntax);
        }
        // Digits beyond the nanosecond must be zeros: nothing is rounded away.
        if f.len() > 9 && f[9..].iter().any(|&c| c != b'0') {
            return Err(TimeError::Syntax);
        }
        for (k, &c) in f.iter().take(9).enumerate() {
            frac_ns += (c - b'0') as i64 * 10i64.pow(8 - k as u32);
        }
    }
    let offset_s = match &s[i..] {
        b"" | b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (oh, om) = match rest.len() {
                5 if rest[2] == b':' => (digits(rest, 0..2)?, digits(rest, 3..5)?),
                4 => (digits(rest, 0..2)?, digits(rest, 2..4)?),
                2 => (digits(rest, 0..2)?, 0),
                _ => return Err(TimeError::Syntax),
            };
            if oh > 23 || om > 59 {
                return Err(TimeError::Syntax);
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return Err(TimeError::Syntax),
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_s;
    let t = secs
        .checked_mul(NS_PER_S)
        .and_then(|v| v.checked_add(frac_ns))
        .ok_or(TimeError::OutOfRange)?;
    if t <= 0 {
        return Err(TimeError::OutOfRange);
    }
    Ok(t)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// `2024-06-20T00:00:00.123Z`: ns time as ISO 8601 UTC with millisecond precision (or
/// more digits when the time has them).
pub fn format_iso(ns: i64) -> String {
    let secs = ns.div_euclid(NS_PER_S);
    let sub = ns.rem_euclid(NS_PER_S);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let (h, mi, s) = (rem / 3600, rem / 60 % 60, rem % 60);
    let frac = if sub % NS_PER_MS == 0 {
        format!("{:03}", sub / NS_PER_MS)
    } else if sub % NS_PER_US == 0 {
        format!("{:06}", sub / NS_PER_US)
    } else {
        format!("{sub:09}")
    };
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac}Z")
}

/// Parse an interval like `10s`, `250ms`, `1m`, `5m`, `1h`, `1d`. It must be a positive whole
/// number of milliseconds (bar timestamps are epoch milliseconds) and at most 1000 days.
pub fn parse_interval(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("interval `{t}` needs a unit (ms, s, m, h, d), e.g. `10s`"))?;
    let (num, unit) = t.split_at(split);
    let n: i64 = num
        .parse()
        .map_err(|_| format!("interval `{t}` must start with a whole number, e.g. `10s`"))?;
    let unit_ns = match unit {
        "ms" => NS_PER_MS,
        "s" | "sec" => NS_PER_S,
        "m" | "min" => 60 * NS_PER_S,
        "h" => 3600 * NS_PER_S,
        "d" => 86_400 * NS_PER_S,
        _ => {
            return Err(format!(
                "interval `{t}` has unknown unit `{unit}` (use ms, s, m, h or d)"
            ))
        }
    };
    if n <= 0 {
        return Err(format!("interval `{t}` must be positive"));
    }
    let ns = n
        .checked_mul(unit_ns)
        .filter(|&v| v <= 1000 * 86_400 * NS_PER_S)
        .ok_or_else(|| format!("interval `{t}` is too long (at most 1000d)"))?;
    Ok(ns)
}

/// Parse a duration for options such as `--max-delay` (`0s` allowed).
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits_end);
    if !num.is_empty() && num.bytes().all(|b| b == b'0') {
        // Zero in any unit the intervals accept, or a bare 0.
        if unit.is_empty() || parse_interval(&format!("1{unit}")).is_ok() {
            return Ok(0);
        }
    }
    parse_interval(t)
}

/// Start of the bucket of width `interval` (ns) that holds `t`, on the UTC epoch grid.
#[inline]
pub fn bucket_start(t: i64, interval: i64) -> i64 {
    t.div_euclid(interval) * interval
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_units() {
        assert_eq!(
            parse_epoch("1700000000123", Unit::Millis),
            Ok(1_700_000_000_123_000_000)
        );
        assert_eq!(
            parse_epoch("1700000000123456", Unit::Micros),
            Ok(1_700_000_000_123_456_000)
        );
        assert_eq!(parse_epoch("0", Unit::Millis), Err(TimeError::OutOfRange));
        assert_eq!(parse_epoch("-5", Unit::Millis), Err(TimeError::Syntax));
        assert_eq!(
            parse_epoch("32503680000000000", Unit::Millis),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(
            parse_epoch("9999999999999999999", Unit::Nanos),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(
            parse_epoch("9223372036854775807", Unit::Nanos),
            Ok(i64::MAX)
        );
    }

    #[test]
    fn decimal_seconds_are_exact() {
        assert_eq!(
            parse_decimal_seconds("1618678142.557535"),
            Ok(1_618_678_142_557_535_000)
        );
        assert_eq!(
            parse_decimal_seconds("1633998511.159679"),
            Ok(1_633_998_511_159_679_000)
        );
        assert_eq!(
            parse_decimal_seconds("1633998512"),
            Ok(1_633_998_512_000_000_000)
        );
        assert!(parse_decimal_seconds("16339985x").is_err());
        assert!(parse_decimal_seconds("1.").is_err());
    }

    #[test]
    fn iso_forms() {
        assert_eq!(parse_iso("1970-01-01T00:00:01Z"), Ok(NS_PER_S));
        assert_eq!(
            parse_iso("2019-07-01T00:00:00.1234567Z"),
            Ok(1_561_939_200_123_456_700)
        );
        assert_eq!(
            parse_iso("2025-01-01T00:00:02.238437296"),
            Ok(1_735_689_602_238_437_296)
        );
        assert_eq!(
            parse_iso("2021-04-17T16:43:05.000Z"),
            parse_iso("2021-04-17 16:43:05")
        );
        assert_eq!(
            parse_iso("2021-04-18T01:43:05+09:00"),
            parse_iso("2021-04-17T16:43:05Z")
        );
        assert!(parse_iso("2021-02-30T00:00:00Z").is_err());
        assert!(parse_iso("3000-01-01T00:00:00Z").is_err());
        assert!(parse_iso("2021-04-17T16:43:05.1234567891Z").is_err());
    }

    #[test]
    fn formats_iso_round_trip() {
        for t in [
            "2019-07-01T00:00:00.123Z",
            "2024-02-29T23:59:59.000001Z",
            "1970-01-01T00:00:00.000Z",
        ] {
            let ns = parse_iso(t).unwrap_or(0);
            assert_eq!(format_iso(ns), t);
        }
    }

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("10s"), Ok(10 * NS_PER_S));
        assert_eq!(parse_interval("250ms"), Ok(250 * NS_PER_MS));
        assert_eq!(parse_interval("1d"), Ok(86_400 * NS_PER_S));
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("-1s").is_err());
        assert!(parse_interval("10").is_err());
        assert!(parse_interval("1w").is_err());
        for zero in ["0", "0s", "0ms", "0m", "0min", "0h", "0d", "00s"] {
            assert_eq!(parse_duration(zero), Ok(0), "{zero}");
        }
        assert!(parse_duration("0x").is_err());
        assert_eq!(parse_duration("15m"), Ok(900 * NS_PER_S));
        assert_eq!(bucket_start(19_999, 10_000), 10_000);
        assert_eq!(bucket_start(20_000, 10_000), 20_000);
    }
}
