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
        let call = self
            .client
            .get_metric_data()
            .metric_data_queries(query)
            .start_time(DateTime::from_secs(start))
            .end_time(DateTime::from_secs(end))
            .scan_by(ScanBy::TimestampDescending)
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
        let Some(result) = out
            .metric_data_results()
            .iter()
            .find(|r| r.id() == Some("m0"))
        else {
            return Ok(Reading::Missing("GetMetricData returned no result".into()));
        };
        // Newest complete period first; never trust a datapoint from the still-filling period.
        let newest = result
            .timestamps()
            .iter()
            .zip(result.values())
            .filter(|(t, v)| t.secs() < end && v.is_finite())
            .max_by_key(|(t, _)| t.secs());
        let Some((t, v)) = newest else {
            return Ok(Reading::Missing(format!(
                "no {} datapoints in the last {} periods of {} s",
                metric.metric_name, metric.lookback_periods, metric.period_seconds
            )));
        };
        let age = now_secs - (t.secs() + i64::from(metric.period_seconds));
        if age > i64::from(stale_after_seconds) {
            return Ok(Reading::Stale(format!(
                "the newest {} datapoint ended {age} s ago",
                metric.metric_name
            )));
        }
        Ok(Reading::Value(*v))
    }
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
