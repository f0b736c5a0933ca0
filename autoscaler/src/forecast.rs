//! Scaling ahead of known load: the highest value a metric had in the coming horizon one season
//! ago (same time yesterday, same time last week), combined into one expected peak. The
//! decision uses it only as a floor. The controller asks Prometheus; `simulate` reads the trace.

/// PromQL for the highest value of `query` in `(t - season, t - season + horizon]`.
pub fn forecast_query(
    query: &str,
    season_seconds: u64,
    horizon_seconds: u32,
    resolution: &str,
) -> String {
    let offset = season_seconds.saturating_sub(u64::from(horizon_seconds));
    format!("max_over_time(({query})[{horizon_seconds}s:{resolution}] offset {offset}s)")
}

/// Combine each season's peak into the expected one: the lowest of the seasons that have
/// history, so that one odd day (yesterday's flash crowd) sets no floor today.
pub fn combine(peaks: &[(String, Option<f64>)]) -> (Option<f64>, String) {
    let known: Vec<(&str, f64)> = peaks
        .iter()
        .filter_map(|(s, p)| p.filter(|v| v.is_finite()).map(|v| (s.as_str(), v)))
        .collect();
    let peak = known.iter().map(|(_, v)| *v).reduce(f64::min);
    let basis = match known.as_slice() {
        [] => "no history for any season".to_string(),
        [(s, _)] => format!("{s} ago"),
        many => format!(
            "lowest of {} ago",
            many.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ")
        ),
    };
    (peak, basis)
}

/// The highest known value among `points` (time-sorted `(time, value)`) with a time in
/// `(from, to]`; `None` when there is none.
pub fn peak_between(points: &[(i64, Option<f64>)], from: i64, to: i64) -> Option<f64> {
    let lo = points.partition_point(|(t, _)| *t <= from);
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
            "max_over_time((sum(x))[100s:1m] offset 86300s)"
        );
    }

    #[test]
    fn seasons_combine_to_their_lowest_known_peak() {
        let (p, basis) = combine(&[("1d".into(), Some(500.0)), ("7d".into(), Some(300.0))]);
        assert_eq!((p, basis.as_str()), (Some(300.0), "lowest of 1d, 7d ago"));
        let (p, basis) = combine(&[("1d".into(), Some(500.0)), ("7d".into(), None)]);
        assert_eq!((p, basis.as_str()), (Some(500.0), "1d ago"));
        assert_eq!(combine(&[("1d".into(), None)]).0, None);
    }

    #[test]
    fn peak_between_is_half_open() {
        let pts = [(0, Some(1.0)), (10, Some(5.0)), (20, None), (30, Some(2.0))];
        assert_eq!(peak_between(&pts, 0, 30), Some(5.0));
        assert_eq!(peak_between(&pts, 10, 30), Some(2.0));
        assert_eq!(peak_between(&pts, 10, 25), None);
    }
}
