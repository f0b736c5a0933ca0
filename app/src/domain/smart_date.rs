//! "Smart" dates: Today at HH:MM, Yesterday at HH:MM, N days ago, else YYYY-MM-DD (all in UTC);
//! and RFC 3339 timestamps for `<time datetime>`. Both are written into the caller's string: a
//! list writes two per note.

use std::fmt::Write;

use chrono::{DateTime, Datelike, Timelike, Utc};

/// Formats `at` relative to `now`.
pub fn smart_date(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(16);
    write_smart_date(&mut out, at, now);
    out
}

/// Writes [`smart_date`] to `out`.
pub fn write_smart_date(out: &mut String, at: DateTime<Utc>, now: DateTime<Utc>) {
    let days = (now.date_naive() - at.date_naive()).num_days();
    match days {
        0 | 1 => {
            out.push_str(if days == 0 {
                "Today at "
            } else {
                "Yesterday at "
            });
            push_two(out, at.hour());
            out.push(':');
            push_two(out, at.minute());
        }
        2..=7 => {
            let _ = write!(out, "{days} days ago");
        }
        _ if (0..=9999).contains(&at.year()) => push_date(out, at),
        _ => out.push_str(&at.format("%Y-%m-%d").to_string()),
    }
}

/// Writes `at` as [`DateTime::to_rfc3339`] does (`2026-11-28T09:30:00.123456+00:00`).
pub fn write_rfc3339(out: &mut String, at: DateTime<Utc>) {
    let nanos = at.nanosecond();
    if !(0..=9999).contains(&at.year()) || nanos >= 1_000_000_000 {
        // Signed or five-digit years, and leap seconds: chrono's own rules.
        out.push_str(&at.to_rfc3339());
        return;
    }
    push_date(out, at);
    out.push('T');
    push_two(out, at.hour());
    out.push(':');
    push_two(out, at.minute());
    out.push(':');
    push_two(out, at.second());
    // chrono's `SecondsFormat::AutoSi`: as many fraction digits as the value needs, in threes.
    if nanos != 0 {
        let (value, digits) = if nanos.is_multiple_of(1_000_000) {
            (nanos / 1_000_000, 3)
        } else if nanos.is_multiple_of(1_000) {
            (nanos / 1_000, 6)
        } else {
            (nanos, 9)
        };
        let _ = write!(out, ".{value:0digits$}");
    }
    out.push_str("+00:00");
}

/// `YYYY-MM-DD` for a year of four digits.
fn push_date(out: &mut String, at: DateTime<Utc>) {
    let year = at.year() as u32;
    push_two(out, year / 100);
    push_two(out, year % 100);
    out.push('-');
    push_two(out, at.month());
    out.push('-');
    push_two(out, at.day());
}

/// Two digits, zero-padded (`n` < 100).
fn push_two(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn each_range() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 9, 30, 0).unwrap();
        let at = |d, h, m| Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
        assert_eq!(smart_date(at(28, 0, 5), now), "Today at 00:05");
        assert_eq!(smart_date(at(27, 23, 59), now), "Yesterday at 23:59");
        assert_eq!(smart_date(at(26, 12, 0), now), "2 days ago");
        assert_eq!(smart_date(at(21, 12, 0), now), "7 days ago");
        assert_eq!(smart_date(at(20, 12, 0), now), "2026-11-20");
        // A clock that is slightly behind the database still reads as today.
        assert_eq!(smart_date(at(28, 9, 31), now), "Today at 09:31");
        let old = Utc.with_ymd_and_hms(987, 3, 4, 5, 6, 7).unwrap();
        assert_eq!(smart_date(old, now), old.format("%Y-%m-%d").to_string());
    }

    #[test]
    fn rfc3339_is_chronos() {
        let base = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        for nanos in [
            0,
            1,
            999,
            1_000,
            120_000,
            123_456_000,
            1_000_000,
            500_000_000,
            999_999_999,
        ] {
            let at = base + chrono::Duration::nanoseconds(nanos);
            let mut out = String::new();
            write_rfc3339(&mut out, at);
            assert_eq!(out, at.to_rfc3339(), "{nanos} ns");
        }
        for at in [
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).unwrap(),
        ] {
            let mut out = String::new();
            write_rfc3339(&mut out, at);
            assert_eq!(out, at.to_rfc3339());
        }
    }
}
