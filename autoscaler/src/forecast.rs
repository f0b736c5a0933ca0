//! Scaling ahead of known load: the highest value a metric had in the coming horizon one season
//! ago (same time yesterday, same time last week), combined into one expected peak. The
//! decision uses it only as a floor. The controller asks Prometheus; `simulate` reads the trace.

/// PromQL for the highest value of `query` in `[t - season, t - season + horizon]`.
pub fn forecast_query(
    query: &str,
    season_seconds: u64,
    horizon_seconds: u32,
    resolution: &str,
) -> String {
    let offset = season_seconds.saturating_sub(u64::from(horizon_seconds));
    // A subquery range excludes its start; one second more takes the same time last season in.
    format!(
        "max_over_time(({query})[{}s:{resolution}] offset {offset}s)",
        horizon_seconds + 1
    )
}

/// Combine each season's peak into the expected one: the lowest of them, and only when every
/// season has history, so that one odd day (yesterday's flash crowd) sets no floor today; a
/// load that came back yesterday and last week is a load that comes.
pub fn combine(peaks: &[(String, Option<f64>)]) -> (Option<f64>, String) {
    let missing: Vec<&str> = peaks
        .iter()
        .filter(|(_, p)| !p.is_some_and(f64::is_finite))
        .map(|(s, _)| s.as_str())
        .collect();
    if peaks.is_empty() || !missing.is_empty() {
        return (None, format!("no history {} ago", missing.join(", ")));
    }
    let peak = peaks.iter().filter_map(|(_, p)| *p).reduce(f64::min);
    let seasons: Vec<&str> = peaks.iter().map(|(s, _)| s.as_str()).collect();
    (peak, format!("lowest of {} ago", seasons.join(", ")))
}

/// The highest known value among `points` (time-sorted `(time, value)`) with a time in
/// `[from, to]`; `None` when there is none.
pub fn peak_between(points: &[(i64, Option<f64>)], from: i64, to: i64) -> Option<f64> {
    let lo = points.partition_point(|(t, _)| *t < from);
    let hi = points.partition_point(|(t, _)| *t <= to);
    points[lo..hi]
        .iter()
        .filter_map(|(_, v)| *v)
        .filter(|v| v.is_finite())
        .reduce(f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_looks_at_the_horizon_one_season_ago() {
        assert_eq!(
            forecast_query("sum(x)", 86_400, 100, "1m"),
            "max_over_time((sum(x))[101s:1m] offset 86300s)"
        );
    }

    #[test]
    fn seasons_combine_to_their_lowest_peak_and_all_must_have_history() {
        let (p, basis) = combine(&[("1d".into(), Some(500.0)), ("7d".into(), Some(300.0))]);
        assert_eq!((p, basis.as_str()), (Some(300.0), "lowest of 1d, 7d ago"));
        let (p, basis) = combine(&[("1d".into(), Some(500.0)), ("7d".into(), None)]);
        assert_eq!((p, basis.as_str()), (None, "no history 7d ago"));
        assert_eq!(combine(&[]).0, None);
    }

    #[test]
    fn peak_between_includes_both_ends() {
        let pts = [(0, Some(1.0)), (10, Some(5.0)), (20, None), (30, Some(2.0))];
        assert_eq!(peak_between(&pts, 0, 30), Some(5.0));
        assert_eq!(peak_between(&pts, 11, 30), Some(2.0));
        assert_eq!(peak_between(&pts, 11, 25), None);
        assert_eq!(peak_between(&pts, 0, 0), Some(1.0));
    }
}
