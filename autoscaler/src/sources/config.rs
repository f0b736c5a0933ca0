//! The flags that say where the metric sources are (shared by `run` and `evaluate`), and the
//! [`Sources`] they build.

use std::time::Duration;

use super::{CloudWatchSource, PrometheusSource, SourceError, Sources};

/// Where Prometheus and CloudWatch are; every flag also reads its environment variable.
#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
    /// Prometheus base URL; without it, Prometheus metrics are unknown (held).
    #[arg(long, env = "NOTEJAM_AUTOSCALER_PROMETHEUS_URL")]
    pub prometheus_url: Option<String>,
    /// Seconds before a metric query is abandoned (the metric is then unknown, and held).
    #[arg(
        long,
        env = "NOTEJAM_AUTOSCALER_QUERY_TIMEOUT_SECONDS",
        default_value_t = 5
    )]
    pub query_timeout_seconds: u64,
    /// Read CloudWatch metrics (credentials and region from the standard AWS environment).
    #[arg(long, env = "NOTEJAM_AUTOSCALER_CLOUDWATCH", default_value_t = true, action = clap::ArgAction::Set)]
    pub cloudwatch: bool,
    /// CloudWatch endpoint override, e.g. an emulator.
    #[arg(long, env = "NOTEJAM_AUTOSCALER_CLOUDWATCH_ENDPOINT_URL")]
    pub cloudwatch_endpoint_url: Option<String>,
}

impl SourceArgs {
    /// The per-query timeout (at least one second).
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.query_timeout_seconds.max(1))
    }

    /// Build the sources; CloudWatch only when enabled and `wanted` (some metric reads it).
    pub async fn sources(&self, wanted_cloudwatch: bool) -> Result<Sources, SourceError> {
        let timeout = self.timeout();
        let prometheus = match &self.prometheus_url {
            Some(url) => Some(PrometheusSource::new(url, timeout)?),
            None => None,
        };
        let cloudwatch = if self.cloudwatch && wanted_cloudwatch {
            Some(CloudWatchSource::from_env(self.cloudwatch_endpoint_url.as_deref(), timeout).await)
        } else {
            None
        };
        Ok(Sources {
            prometheus,
            cloudwatch,
        })
    }
}
