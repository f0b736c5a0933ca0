//! "Smart" dates: Today at HH:MM, Yesterday at HH:MM, N days ago, else YYYY-MM-DD (all in UTC).

use chrono::{DateTime, Utc};

/// Formats `at` relative to `now`.
pub fn smart_date(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let days = (now.date_naive() - at.date_naive()).num_days();
    match days {
        0 => format!("Today at {}", at.format("%H:%M")),
        1 => format!("Yesterday at {}", at.format("%H:%M")),
        2..=7 => format!("{days} days ago"),
        _ => at.format("%Y-%m-%d").to_string(),
    }
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
    }
}
