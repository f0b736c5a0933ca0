//! Where metric values come from: Prometheus instant queries and CloudWatch `GetMetricData`.
//!
//! A source answers with a [`Reading`]: a fresh value, or missing/stale with the reason.
//! Missing is never turned into zero here or anywhere after.

pub mod cloudwatch;
pub mod config;
pub mod prometheus;

use std::time::SystemTime;

use futures::future::BoxFuture;

use crate::policy::MetricSpec;

pub use cloudwatch::CloudWatchSource;
pub use config::SourceArgs;
pub use prometheus::PrometheusSource;

/// What a source saw for one metric.
#[derive(Clone, Debug, PartialEq)]
pub enum Reading {
    /// A fresh, finite value.
    Value(f64),
    /// No sample (empty result, NaN, no datapoints in the window).
    Missing(String),
    /// The newest sample is older than the policy allows.
    Stale(String),
}

impl Reading {
    pub fn value(&self) -> Option<f64> {
        match self {
            Reading::Value(v) => Some(*v),
            _ => None,
        }
    }
}

/// Why a source could not answer.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The query itself is wrong (Prometheus `bad_data`): a policy problem, not an outage.
    #[error("the query was rejected: {0}")]
    BadQuery(String),
    #[error("timed out after {0:?}")]
    Timeout(std::time::Duration),
    #[error("the query returned {0} series; aggregate it to one (sum, avg, max)")]
    Ambiguous(usize),
    #[error("{0}")]
    Unavailable(String),
    #[error("the {0} source is not configured (see `run --help`)")]
    NotConfigured(&'static str),
}

impl SourceError {
    /// A short label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceError::BadQuery(_) => "bad_query",
            SourceError::Timeout(_) => "timeout",
            SourceError::Ambiguous(_) => "ambiguous",
            SourceError::Unavailable(_) => "unavailable",
            SourceError::NotConfigured(_) => "not_configured",
        }
    }

    /// True when the policy, not the source, is at fault: the policy gets a `Valid=False` condition.
    pub fn is_policy_error(&self) -> bool {
        matches!(
            self,
            SourceError::BadQuery(_) | SourceError::Ambiguous(_) | SourceError::NotConfigured(_)
        )
    }
}

/// Reads metrics for the controller; a trait so reconcile tests can use canned readings.
pub trait MetricReader: Send + Sync {
    /// Read one metric of a policy as of `now`.
    fn read<'a>(
        &'a self,
        metric: &'a MetricSpec,
        now: SystemTime,
        stale_after_seconds: u32,
    ) -> BoxFuture<'a, Result<Reading, SourceError>>;

    /// Run a PromQL instant query that returns one number (history-derived thresholds).
    fn promql<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<Reading, SourceError>>;
}

/// The real sources; either may be absent when not configured.
pub struct Sources {
    pub prometheus: Option<PrometheusSource>,
    pub cloudwatch: Option<CloudWatchSource>,
}

impl MetricReader for Sources {
    fn read<'a>(
        &'a self,
        metric: &'a MetricSpec,
        now: SystemTime,
        stale_after_seconds: u32,
    ) -> BoxFuture<'a, Result<Reading, SourceError>> {
        Box::pin(async move {
            if let Some(p) = &metric.prometheus {
                let src = self
                    .prometheus
                    .as_ref()
                    .ok_or(SourceError::NotConfigured("prometheus"))?;
                return src.query(&p.query).await;
            }
            if let Some(c) = &metric.cloudwatch {
                let src = self
                    .cloudwatch
                    .as_ref()
                    .ok_or(SourceError::NotConfigured("cloudwatch"))?;
                return src.read(c, now, stale_after_seconds).await;
            }
            Err(SourceError::BadQuery(format!(
                "metric {} has no source",
                metric.name
            )))
        })
    }

    fn promql<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<Reading, SourceError>> {
        Box::pin(async move {
            let src = self
                .prometheus
                .as_ref()
                .ok_or(SourceError::NotConfigured("prometheus"))?;
            src.query(query).await
        })
    }
}
