//! A trace from recorded history instead of a file: every Prometheus metric of the policy from
//! the range API (`/api/v1/query_range`), the replicas from an optional query, and CloudWatch
//! metrics from `GetMetricData` over the same range when a CloudWatch source is configured.

use std::collections::{BTreeMap, HashMap};

use super::SimulateError;
use super::trace::Sample;
use crate::policy::ValidPolicy;
use crate::sources::{CloudWatchSource, PrometheusSource, Reading};

/// Where and when to read.
pub struct RangeRequest<'a> {
    pub prometheus: &'a PrometheusSource,
    /// `None`: CloudWatch metrics are replayed as missing (and `warn` says so).
    pub cloudwatch: Option<&'a CloudWatchSource>,
    /// Unix seconds, inclusive.
    pub start: i64,
    pub end: i64,
    pub step_seconds: u32,
    /// PromQL giving the ready replicas at each step (the trace's `replicas` column).
    pub replicas_query: Option<&'a str>,
}

/// Parse a time for `--start`/`--end`: RFC 3339, Unix seconds, `now` or `now-<N>[smhd]`.
pub fn parse_instant(raw: &str, now: i64) -> Result<i64, String> {
    let raw = raw.trim();
    if raw == "now" {
        return Ok(now);
    }
    if let Some(ago) = raw.strip_prefix("now-") {
        let (digits, unit) =
            ago.split_at(ago.find(|c: char| !c.is_ascii_digit()).unwrap_or(ago.len()));
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("{raw:?}: expected now-<number><s|m|h|d>"))?;
        let scale = match unit {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(format!("{raw:?}: the unit must be s, m, h or d")),
        };
        return Ok(now - n * scale);
    }
    if let Ok(secs) = raw.parse::<f64>() {
        return Ok(secs.round() as i64);
    }
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.timestamp())
        .map_err(|e| format!("{raw:?} is neither RFC 3339, Unix seconds nor now-<duration>: {e}"))
}

fn by_time(points: Vec<(i64, f64)>) -> HashMap<i64, f64> {
    points.into_iter().collect()
}

/// Read the samples of `policy`'s metrics from `start` to `end`, one per step. `warn` hears of
/// every metric replayed as missing and why.
pub async fn read_range(
    policy: &ValidPolicy,
    req: &RangeRequest<'_>,
    mut warn: impl FnMut(String),
) -> Result<Vec<Sample>, SimulateError> {
    if req.end < req.start {
        return Err(SimulateError::Trace(format!(
            "--end ({}) is before --start ({})",
            req.end, req.start
        )));
    }
    let step = i64::from(req.step_seconds.max(1));
    let times: Vec<i64> = (0..)
        .map(|k| req.start + k * step)
        .take_while(|t| *t <= req.end)
        .collect();
    let mut columns: Vec<(String, Vec<Option<f64>>)> = Vec::new();
    for m in &policy.metrics {
        let values = if let Some(p) = &m.prometheus {
            let points = req
                .prometheus
                .query_range(&p.query, req.start, req.end, req.step_seconds)
                .await
                .map_err(|e| SimulateError::Source(format!("metric {}: {e}", m.name)))?;
            let points = by_time(points);
            times.iter().map(|t| points.get(t).copied()).collect()
        } else if let Some(c) = &m.cloudwatch {
            match req.cloudwatch {
                None => {
                    warn(format!(
                        "metric {} comes from CloudWatch, which is not configured: replayed as missing",
                        m.name
                    ));
                    vec![None; times.len()]
                }
                Some(cw) => match cw.read_range(c, &times, policy.stale_after_seconds).await {
                    Ok(readings) => readings.iter().map(Reading::value).collect(),
                    Err(e) => {
                        warn(format!(
                            "metric {} (CloudWatch): {e}: replayed as missing",
                            m.name
                        ));
                        vec![None; times.len()]
                    }
                },
            }
        } else {
            vec![None; times.len()]
        };
        columns.push((m.name.clone(), values));
    }
    let replicas: Option<HashMap<i64, f64>> = match req.replicas_query {
        Some(q) => Some(by_time(
            req.prometheus
                .query_range(q, req.start, req.end, req.step_seconds)
                .await
                .map_err(|e| SimulateError::Source(format!("--replicas-query: {e}")))?,
        )),
        None => None,
    };
    Ok(times
        .iter()
        .enumerate()
        .map(|(i, t)| Sample {
            time: *t,
            replicas: replicas
                .as_ref()
                .and_then(|r| r.get(t))
                .filter(|v| v.is_finite() && **v >= 0.0)
                .map(|v| v.round() as u32),
            metrics: columns
                .iter()
                .map(|(name, values)| (name.clone(), values[i]))
                .collect::<BTreeMap<_, _>>(),
            demand: BTreeMap::new(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::parse_instant;

    #[test]
    fn instants() {
        assert_eq!(parse_instant("now", 1000), Ok(1000));
        assert_eq!(parse_instant("now-2m", 1000), Ok(880));
        assert_eq!(parse_instant("now-1h", 7200), Ok(3600));
        assert_eq!(parse_instant("1700000000", 0), Ok(1_700_000_000));
        assert_eq!(parse_instant("2026-01-01T00:00:15Z", 0), Ok(1_767_225_615));
        assert!(parse_instant("now-5y", 0).is_err());
        assert!(parse_instant("yesterday", 0).is_err());
    }
}
