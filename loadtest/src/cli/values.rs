//! Parsers of flag values: durations, think-time ranges, wall-clock times and rates.

use std::time::Duration;

/// Parses `30s`, `5m`, `1h30m`, `250ms`; a bare number is seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if let Ok(n) = s.parse::<u64>() {
        return Ok(Duration::from_secs(n));
    }
    humantime::parse_duration(s)
        .map_err(|e| format!("{s:?} is not a duration like 30s, 5m or 250ms: {e}"))
}

/// Parses a think time: `2s`, or a range `1s-3s`.
pub fn parse_think(s: &str) -> Result<(Duration, Duration), String> {
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (parse_duration(a)?, parse_duration(b)?);
            if a > b {
                return Err(format!("{s:?}: the range must go from low to high"));
            }
            Ok((a, b))
        }
        None => {
            let d = parse_duration(s)?;
            Ok((d, d))
        }
    }
}

/// Parses an RFC 3339 time, e.g. `2026-11-28T12:00:00Z`.
pub fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("{s:?} is not an RFC 3339 time like 2026-11-28T12:00:00Z: {e}"))
}

/// Parses `1%` or `0.01` into a fraction.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let v = match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => s.trim().parse::<f64>(),
    }
    .map_err(|_| format!("{s:?} is not a rate like 1% or 0.01"))?;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("{s:?} must be between 0% and 100%"));
    }
    Ok(v)
}
