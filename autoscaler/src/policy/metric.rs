//! One metric of a policy: its source (Prometheus or CloudWatch), its role, its target (fixed,
//! from the baseline, from history) and its forecast.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::decision::TargetKind;

fn default_seasons() -> Vec<String> {
    vec!["1d".into(), "7d".into()]
}
fn default_forecast_resolution() -> String {
    "1m".into()
}
fn default_period() -> u32 {
    60
}
fn default_lookback() -> u32 {
    5
}
fn default_percentile() -> f64 {
    0.95
}
fn default_window() -> String {
    "7d".into()
}
fn default_resolution() -> String {
    "5m".into()
}
fn default_min_samples() -> u32 {
    288
}
fn default_one() -> f64 {
    1.0
}

/// One metric: exactly one source (`prometheus` or `cloudwatch`) and a target.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricSpec {
    /// Short name used in status, events, metrics labels and traces.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<PrometheusMetric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch: Option<CloudWatchMetric>,
    pub target: TargetSpec,
    /// `Scale` (default): drives the decision. `Guard`: a signal more pods cannot relieve (RDS
    /// CPU); above its `target.value` scale-up is held, and it never asks for pods itself.
    #[serde(default)]
    pub role: MetricRole,
    /// Scale ahead of known load: a floor from the same time in earlier seasons (AverageValue only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<ForecastSpec>,
    /// In `tune` mode, the HPA metric (pods/object/external `metric.name`) that gets this target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpa_metric_name: Option<String>,
}

/// What a metric is for.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default, JsonSchema)]
pub enum MetricRole {
    /// Drives the replica count.
    #[default]
    Scale,
    /// Holds scale-up back while above its limit; never asks for pods.
    Guard,
}

/// A forecast from history: the highest value in the coming `horizonSeconds`, as it was one
/// season ago, for each season; the lowest of those is the floor (one odd day sets none).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForecastSpec {
    /// Prometheus durations, e.g. `1d` (same time yesterday) and `7d` (same time last week).
    #[serde(default = "default_seasons")]
    pub seasons: Vec<String>,
    /// How far ahead to look; default: the longer of `startupSeconds` + `intervalSeconds` and
    /// the scale-down window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon_seconds: Option<u32>,
    /// Subquery resolution of the history read, e.g. `1m`.
    #[serde(default = "default_forecast_resolution")]
    pub resolution: String,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
pub struct PrometheusMetric {
    /// PromQL instant query returning one sample (a scalar or a one-series vector).
    pub query: String,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CloudWatchMetric {
    /// e.g. `AWS/ApplicationELB` or `AWS/RDS`.
    pub namespace: String,
    /// e.g. `RequestCountPerTarget`, `TargetResponseTime`, `DatabaseConnections`, `CPUUtilization`.
    pub metric_name: String,
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    /// `Average`, `Sum`, `Maximum`, `Minimum` or `SampleCount` (percentiles are not supported).
    pub statistic: String,
    #[serde(default = "default_period")]
    pub period_seconds: u32,
    /// How many periods to look back; the newest, still-filling period is always skipped.
    #[serde(default = "default_lookback")]
    pub lookback_periods: u32,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
pub struct Dimension {
    pub name: String,
    pub value: String,
}

/// How the observed value compares to the target.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum TargetType {
    /// The value is a total over pods; the target is per ready pod.
    AverageValue,
    /// The value is compared to the target as is.
    Value,
}

/// The per-pod target. Sources are tried in order: history, baseline, fixed `value`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TargetSpec {
    #[serde(rename = "type")]
    pub type_: TargetType,
    /// A fixed target; also the last resort when the derived sources have nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_baseline: Option<FromBaseline>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_history: Option<FromHistory>,
}

/// A baseline figure per pod, times a utilisation target.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FromBaseline {
    pub field: BaselineField,
    /// Fraction of the baseline figure to aim for, in (0, 2].
    #[serde(default = "default_one")]
    pub utilization: f64,
}

/// The derived per-pod figures of the baseline file.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum BaselineField {
    #[serde(rename = "normal_connections_per_pod")]
    NormalConnectionsPerPod,
    #[serde(rename = "capacity_connections_per_pod")]
    CapacityConnectionsPerPod,
    #[serde(rename = "capacity_rps_per_pod")]
    CapacityRpsPerPod,
}

impl BaselineField {
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineField::NormalConnectionsPerPod => "normal_connections_per_pod",
            BaselineField::CapacityConnectionsPerPod => "capacity_connections_per_pod",
            BaselineField::CapacityRpsPerPod => "capacity_rps_per_pod",
        }
    }
}

/// A high percentile of a per-pod series over a window, counting only times the SLO held.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FromHistory {
    /// PromQL for the per-pod value, e.g. `sum(notejam_http_open_connections) / count(up{job="notejam"} == 1)`.
    pub per_pod_query: String,
    /// PromQL that returns a sample only while the SLO held, e.g. `histogram_quantile(0.95, ...) < 0.3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo_query: Option<String>,
    #[serde(default = "default_percentile")]
    pub percentile: f64,
    /// Prometheus duration, e.g. `7d`.
    #[serde(default = "default_window")]
    pub window: String,
    /// Subquery resolution, e.g. `5m`.
    #[serde(default = "default_resolution")]
    pub resolution: String,
    #[serde(default = "default_one")]
    pub utilization: f64,
    /// Healthy samples the window must hold before history is trusted over the baseline
    /// (default 288: one day at the default 5m resolution). A new cluster's few minutes of data,
    /// or a week where the SLO rarely held, are not "normal" yet.
    #[serde(default = "default_min_samples")]
    pub min_samples: u32,
}

impl MetricRole {
    /// The name used in status: `scale` or `guard`.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricRole::Scale => "scale",
            MetricRole::Guard => "guard",
        }
    }
}

impl MetricSpec {
    /// How the value compares to the target, for the decision.
    pub fn target_kind(&self) -> TargetKind {
        match self.target.type_ {
            TargetType::AverageValue => TargetKind::AverageValue,
            TargetType::Value => TargetKind::Value,
        }
    }

    /// True for a guard (a signal that can only hold scale-up back).
    pub fn is_guard(&self) -> bool {
        self.role == MetricRole::Guard
    }
}
