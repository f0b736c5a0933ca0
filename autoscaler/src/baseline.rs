//! The baseline file written by `notejam-loadtest baseline`, and per-pod targets derived from it.
//!
//! The contract is `loadtest/baseline.schema.json`, not a Rust dependency: we read only the
//! fields we need and check the schema version.

use serde::Deserialize;

use crate::policy::{BaselineField, MetricSpec};

/// The schema versions this autoscaler understands.
pub const SUPPORTED_SCHEMA_VERSION: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("the baseline is not valid JSON for schema version 1: {0}")]
    Parse(#[from] serde_json::Error),
    #[error(
        "baseline schema_version {0} is not supported (this autoscaler reads {SUPPORTED_SCHEMA_VERSION})"
    )]
    Version(u64),
    #[error("baseline field {0} must be a positive number")]
    NotPositive(&'static str),
}

/// The parts of the baseline file the autoscaler uses.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Baseline {
    pub schema_version: u64,
    pub measured_at: String,
    pub connections_source: ConnectionsSource,
    pub normal_connections_per_pod: f64,
    pub capacity_connections_per_pod: f64,
    pub capacity_rps_per_pod: f64,
}

/// Where the open-connection counts came from.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionsSource {
    /// `notejam_http_open_connections` scraped by Prometheus: the real server-side count.
    Server,
    /// Counted by the load generator: an approximation, flagged in status.
    Client,
}

#[derive(Deserialize)]
struct Version {
    schema_version: u64,
}

impl Baseline {
    /// Parse and check a baseline file's text.
    pub fn parse(text: &str) -> Result<Self, BaselineError> {
        let v: Version = serde_json::from_str(text)?;
        if v.schema_version != SUPPORTED_SCHEMA_VERSION {
            return Err(BaselineError::Version(v.schema_version));
        }
        let b: Baseline = serde_json::from_str(text)?;
        for (name, value) in [
            ("normal_connections_per_pod", b.normal_connections_per_pod),
            (
                "capacity_connections_per_pod",
                b.capacity_connections_per_pod,
            ),
            ("capacity_rps_per_pod", b.capacity_rps_per_pod),
        ] {
            if !(value > 0.0 && value.is_finite()) {
                return Err(BaselineError::NotPositive(name));
            }
        }
        Ok(b)
    }

    pub fn field(&self, field: BaselineField) -> f64 {
        match field {
            BaselineField::NormalConnectionsPerPod => self.normal_connections_per_pod,
            BaselineField::CapacityConnectionsPerPod => self.capacity_connections_per_pod,
            BaselineField::CapacityRpsPerPod => self.capacity_rps_per_pod,
        }
    }
}

/// Which source set a metric's target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThresholdSource {
    History,
    Baseline,
    Fixed,
}

impl ThresholdSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ThresholdSource::History => "history",
            ThresholdSource::Baseline => "baseline",
            ThresholdSource::Fixed => "fixed",
        }
    }
}

/// A resolved per-pod target.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    pub value: f64,
    pub source: ThresholdSource,
    pub note: String,
}

/// Pick a metric's target: the history percentile if configured and known, else the baseline
/// figure times its utilisation, else the fixed value. `None` when no source has a value.
pub fn resolve_threshold(
    metric: &MetricSpec,
    history_value: Option<f64>,
    baseline: Option<&Baseline>,
) -> Option<Threshold> {
    let t = &metric.target;
    if let (Some(h), Some(v)) = (&t.from_history, history_value)
        && v > 0.0
        && v.is_finite()
    {
        return Some(Threshold {
            value: v * h.utilization,
            source: ThresholdSource::History,
            note: format!(
                "p{} of per-pod values over {} x {}",
                h.percentile * 100.0,
                h.window,
                h.utilization
            ),
        });
    }
    if let (Some(fb), Some(b)) = (&t.from_baseline, baseline) {
        let flag = match b.connections_source {
            ConnectionsSource::Client => " (connections counted client-side)",
            ConnectionsSource::Server => "",
        };
        return Some(Threshold {
            value: b.field(fb.field) * fb.utilization,
            source: ThresholdSource::Baseline,
            note: format!(
                "{} {} x {} from the baseline of {}{flag}",
                fb.field.as_str(),
                b.field(fb.field),
                fb.utilization,
                b.measured_at
            ),
        });
    }
    t.value.map(|v| Threshold {
        value: v,
        source: ThresholdSource::Fixed,
        note: "fixed in the policy".into(),
    })
}

/// Build the instant PromQL query for a history-derived threshold: a percentile of the per-pod
/// series over the window, sampled at the resolution, counting only samples where the SLO held,
/// and empty (so the next source wins) while fewer than `min_samples` such samples exist.
pub fn history_query(h: &crate::policy::FromHistory) -> String {
    let series = match &h.slo_query {
        Some(slo) => format!("({}) and on() ({})", h.per_pod_query, slo),
        None => format!("({})", h.per_pod_query),
    };
    let range = format!("({series})[{}:{}]", h.window, h.resolution);
    format!(
        "quantile_over_time({}, {range}) and on() (count_over_time({range}) >= {})",
        h.percentile, h.min_samples
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::FromHistory;

    #[test]
    fn history_query_keeps_only_slo_samples() {
        let h = FromHistory {
            per_pod_query: "sum(a) / count(b)".into(),
            slo_query: Some("histogram_quantile(0.95, x) < 0.3".into()),
            percentile: 0.95,
            window: "7d".into(),
            resolution: "5m".into(),
            utilization: 1.0,
            min_samples: 288,
        };
        assert_eq!(
            history_query(&h),
            "quantile_over_time(0.95, ((sum(a) / count(b)) and on() (histogram_quantile(0.95, x) < 0.3))[7d:5m]) \
             and on() (count_over_time(((sum(a) / count(b)) and on() (histogram_quantile(0.95, x) < 0.3))[7d:5m]) >= 288)"
        );
    }

    #[test]
    fn wrong_schema_version_is_refused() {
        let err = Baseline::parse(r#"{"schema_version": 2}"#).unwrap_err();
        assert!(matches!(err, BaselineError::Version(2)));
    }
}
