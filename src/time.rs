//! Durations and timestamps as cpl sees them: durations are signed nanoseconds, written
//! `250ms 30s 10m 2h 7d`; timestamps are RFC 3339 instants (a date means its midnight UTC).

use std::fmt;

/// A signed span of time with nanosecond precision (±292 years).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    nanos: i64,
}

const UNITS: &[(&str, i64)] = &[
    ("d", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
];

impl Duration {
    pub const ZERO: Duration = Duration { nanos: 0 };

    pub const fn from_nanos(nanos: i64) -> Duration {
        Duration { nanos }
    }

    pub fn from_millis(millis: i64) -> Option<Duration> {
        millis.checked_mul(1_000_000).map(Duration::from_nanos)
    }

    pub fn from_std(d: std::time::Duration) -> Duration {
        Duration::from_nanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }

    pub fn nanos(self) -> i64 {
        self.nanos
    }

    pub fn as_secs_f64(self) -> f64 {
        self.nanos as f64 / 1e9
    }

    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(u64::try_from(self.nanos).unwrap_or(0))
    }

    pub fn checked_add(self, other: Duration) -> Option<Duration> {
        self.nanos.checked_add(other.nanos).map(Duration::from_nanos)
    }

    pub fn checked_sub(self, other: Duration) -> Option<Duration> {
        self.nanos.checked_sub(other.nanos).map(Duration::from_nanos)
    }

    pub fn checked_mul(self, factor: i64) -> Option<Duration> {
        self.nanos.checked_mul(factor).map(Duration::from_nanos)
    }

    /// Parses `250ms`, `30s`, `1.5h`, `7d`: a number and one unit.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{text}` has no unit (one of ms, s, m, h, d)"))?;
        let (number, unit) = text.split_at(split);
        let scale = UNITS
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|(_, s)| *s)
            .ok_or_else(|| format!("`{unit}` is not a duration unit (one of ms, s, m, h, d)"))?;
        if number.is_empty() {
            return Err(format!("`{text}` has no number before its unit"));
        }
        let too_long = || format!("`{text}` is too long a duration");
        if let Some((whole, frac)) = number.split_once('.') {
            let whole: i64 = whole.parse().map_err(|_| too_long())?;
            let frac_value: f64 = format!("0.{frac}")
                .parse()
                .map_err(|_| format!("`{text}` is not a duration"))?;
            let nanos = whole
                .checked_mul(scale)
                .and_then(|n| n.checked_add((frac_value * scale as f64).round() as i64))
                .ok_or_else(too_long)?;
            Ok(Duration::from_nanos(nanos))
        } else {
            let whole: i64 = number.parse().map_err(|_| too_long())?;
            whole.checked_mul(scale).map(Duration::from_nanos).ok_or_else(too_long)
        }
    }
}

impl fmt::Display for Duration {
    /// The shortest exact form in one unit (`90s`, `5m`, `1500ms`), or a decimal
    /// number of seconds when no unit is exact.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos == 0 {
            return f.write_str("0s");
        }
        for (unit, scale) in UNITS {
            if self.nanos % scale == 0 {
                return write!(f, "{}{unit}", self.nanos / scale);
            }
        }
        let secs = self.as_secs_f64();
        write!(f, "{}s", format_float_short(secs))
    }
}

fn format_float_short(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// A measured duration for people: `850ms`, `4.2s`, `3m 07s`, `2h 05m`.
pub fn human_millis(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms}ms"),
        1_000..=59_999 => {
            let tenths = ms / 100;
            format!("{}.{}s", tenths / 10, tenths % 10)
        }
        60_000..=3_599_999 => format!("{}m {:02}s", ms / 60_000, (ms / 1000) % 60),
        _ => format!("{}h {:02}m", ms / 3_600_000, (ms / 60_000) % 60),
    }
}

/// Parses an RFC 3339 timestamp or a plain date (midnight UTC).
pub fn parse_timestamp(text: &str) -> Result<jiff::Timestamp, String> {
    let text = text.trim();
    let date_part = text.get(..10).unwrap_or(text);
    if let Some(problem) = date_problem(date_part) {
        return Err(format!("`{text}` is not a valid date: {problem}"));
    }
    if text.len() == 10 {
        let date: jiff::civil::Date = text.parse().map_err(|_| format!("`{text}` is not a valid date"))?;
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|_| format!("`{text}` is out of range"));
    }
    text.parse::<jiff::Timestamp>().map_err(|_| {
        format!("`{text}` is not an RFC 3339 timestamp such as `2027-03-31T12:00:00Z` (an offset or `Z` is required)")
    })
}

/// What is wrong with `YYYY-MM-DD`, in words, if anything can be said simply.
fn date_problem(text: &str) -> Option<String> {
    let mut parts = text.split('-');
    let year: i16 = parts.next()?.parse().ok()?;
    let month: i8 = parts.next()?.parse().ok()?;
    let day: i8 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    if !(1..=12).contains(&month) {
        return Some(format!("there is no month {month}"));
    }
    let first = jiff::civil::Date::new(year, month, 1).ok()?;
    let days = first.days_in_month();
    if day < 1 || day > days {
        let name = MONTHS.get(usize::try_from(month - 1).ok()?)?;
        return Some(format!("{name} {year} has {days} days"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_durations() {
        assert_eq!(Duration::parse("250ms").unwrap().nanos(), 250_000_000);
        assert_eq!(Duration::parse("1.5h").unwrap().to_string(), "90m");
        assert_eq!(Duration::parse("7d").unwrap().to_string(), "7d");
        assert_eq!(Duration::parse("90s").unwrap().to_string(), "90s");
        assert!(Duration::parse("10").is_err());
        assert!(Duration::parse("10y").is_err());
        assert!(Duration::parse("99999999999999999999d").is_err());
    }

    #[test]
    fn parses_dates_and_timestamps() {
        assert_eq!(
            parse_timestamp("2027-03-31").unwrap().to_string(),
            "2027-03-31T00:00:00Z"
        );
        assert_eq!(
            parse_timestamp("2027-02-30").unwrap_err(),
            "`2027-02-30` is not a valid date: February 2027 has 28 days"
        );
        assert!(
            parse_timestamp("2027-13-01")
                .unwrap_err()
                .contains("there is no month 13")
        );
        assert_eq!(
            parse_timestamp("2027-03-31T12:00:00+02:00").unwrap().to_string(),
            "2027-03-31T10:00:00Z"
        );
    }
}
