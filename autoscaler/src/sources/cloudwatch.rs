//! CloudWatch `GetMetricData` for ELB and RDS metrics, over a look-back window that skips the
//! newest, still-filling period.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};

use super::{Reading, SourceError};
use crate::policy::CloudWatchMetric;

/// A CloudWatch client.
#[derive(Clone, Debug)]
pub struct CloudWatchSource {
    client: aws_sdk_cloudwatch::Client,
    timeout: Duration,
}

/// The `[start, end)` window to ask for: `end` is the start of the current (still-filling)
/// period, so only complete periods are read.
pub fn window(now_secs: i64, period: u32, lookback_periods: u32) -> (i64, i64) {
    let p = i64::from(period.max(1));
    let end = now_secs.div_euclid(p) * p;
    (end - p * i64::from(lookback_periods.max(1)), end)
}

impl CloudWatchSource {
    pub fn new(client: aws_sdk_cloudwatch::Client, timeout: Duration) -> Self {
        Self { client, timeout }
    }

    /// Build from the standard AWS environment (region, IRSA web identity, ...); `endpoint_url`
    /// points at an emulator in tests.
    pub async fn from_env(endpoint_url: Option<&str>, timeout: Duration) -> Self {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(url) = endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let conf = loader.load().await;
        Self::new(aws_sdk_cloudwatch::Client::new(&conf), timeout)
    }

    /// The newest complete datapoint of `metric` within its look-back window.
    pub async fn read(
        &self,
        metric: &CloudWatchMetric,
        now: SystemTime,
        stale_after_seconds: u32,
    ) -> Result<Reading, SourceError> {
        let now_secs = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let (start, end) = window(now_secs, metric.period_seconds, metric.lookback_periods);
        let points = self.datapoints(metric, start, end).await?;
        Ok(newest_complete(
            &points,
            metric,
            now_secs,
            stale_after_seconds,
        ))
    }

    /// What [`read`](Self::read) would have answered at each of `times` (Unix seconds, oldest
    /// first), from one fetch of the whole range: for replaying history.
    pub async fn read_range(
        &self,
        metric: &CloudWatchMetric,
        times: &[i64],
        stale_after_seconds: u32,
    ) -> Result<Vec<Reading>, SourceError> {
        let (Some(first), Some(last)) = (times.first(), times.last()) else {
            return Ok(Vec::new());
        };
        let (start, _) = window(*first, metric.period_seconds, metric.lookback_periods);
        let (_, end) = window(*last, metric.period_seconds, metric.lookback_periods);
        let mut points = self.datapoints(metric, start, end).await?;
        points.sort_by_key(|(t, _)| *t);
        Ok(times
            .iter()
            .map(|&now| {
                let (ws, we) = window(now, metric.period_seconds, metric.lookback_periods);
                let lo = points.partition_point(|(t, _)| *t < ws);
                let hi = points.partition_point(|(t, _)| *t < we);
                newest_complete(&points[lo..hi], metric, now, stale_after_seconds)
            })
            .collect())
    }

    /// Every datapoint of `metric` with a timestamp in `[start, end)`, through all pages.
    async fn datapoints(
        &self,
        metric: &CloudWatchMetric,
        start: i64,
        end: i64,
    ) -> Result<Vec<(i64, f64)>, SourceError> {
        let mut m = Metric::builder()
            .namespace(&metric.namespace)
            .metric_name(&metric.metric_name);
        for d in &metric.dimensions {
            m = m.dimensions(Dimension::builder().name(&d.name).value(&d.value).build());
        }
        let query = MetricDataQuery::builder()
            .id("m0")
            .metric_stat(
                MetricStat::builder()
                    .metric(m.build())
                    .period(metric.period_seconds as i32)
                    .stat(&metric.statistic)
                    .build(),
            )
            .return_data(true)
            .build();
        let mut points = Vec::new();
        let mut next_token: Option<String> = None;
        loop {
            let call = self
                .client
                .get_metric_data()
                .metric_data_queries(query.clone())
                .start_time(DateTime::from_secs(start))
                .end_time(DateTime::from_secs(end))
                .scan_by(ScanBy::TimestampDescending)
                .set_next_token(next_token.take())
                .send();
            let out = tokio::time::timeout(self.timeout, call)
                .await
                .map_err(|_| SourceError::Timeout(self.timeout))?
                .map_err(|e| {
                    SourceError::Unavailable(format!(
                        "GetMetricData failed: {}",
                        aws_sdk_cloudwatch::error::DisplayErrorContext(e)
                    ))
                })?;
            for r in out
                .metric_data_results()
                .iter()
                .filter(|r| r.id() == Some("m0"))
            {
                points.extend(
                    r.timestamps()
                        .iter()
                        .zip(r.values())
                        .map(|(t, v)| (t.secs(), *v)),
                );
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => next_token = Some(t.to_string()),
                _ => return Ok(points),
            }
        }
    }
}

/// The newest datapoint of a complete period among `points` (already limited to the look-back
/// window ending at the start of `now`'s period), or why there is none.
fn newest_complete(
    points: &[(i64, f64)],
    metric: &CloudWatchMetric,
    now_secs: i64,
    stale_after_seconds: u32,
) -> Reading {
    let (_, end) = window(now_secs, metric.period_seconds, metric.lookback_periods);
    // Never trust a datapoint from the still-filling period.
    let newest = points
        .iter()
        .filter(|(t, v)| *t < end && v.is_finite())
        .max_by_key(|(t, _)| *t);
    let Some((t, v)) = newest else {
        return Reading::Missing(format!(
            "no {} datapoints in the last {} periods of {} s",
            metric.metric_name, metric.lookback_periods, metric.period_seconds
        ));
    };
    let age = now_secs - (t + i64::from(metric.period_seconds));
    if age > i64::from(stale_after_seconds) {
        return Reading::Stale(format!(
            "the newest {} datapoint ended {age} s ago",
            metric.metric_name
        ));
    }
    Reading::Value(*v)
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn window_ends_at_the_start_of_the_current_period() {
        // 12:03:25 with 60 s periods: the window is 11:58:00..12:03:00.
        let now = 12 * 3600 + 3 * 60 + 25;
        assert_eq!(window(now, 60, 5), (now - 25 - 300, now - 25));
        // Exactly on a boundary the period that just started is excluded.
        assert_eq!(window(600, 60, 2), (480, 600));
    }
}
