//! The `ScalingPolicy` status the controller writes: conditions, the last decision, and each
//! metric's state, value, target and where the target came from.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Observed state, written by the controller.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScalingPolicyStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_replicas: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_replicas: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_decision: Option<DecisionStatus>,
    #[serde(default)]
    pub metrics: Vec<MetricStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scale_time: Option<String>,
}

/// A Kubernetes-style condition (`Valid`, `MetricsAvailable`, `ScalingActive`).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    pub reason: String,
    pub message: String,
    pub last_transition_time: String,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionStatus {
    pub time: String,
    pub mode: String,
    pub current_replicas: u32,
    pub desired_replicas: u32,
    /// The raw recommendation before stabilisation and limits.
    pub recommendation: u32,
    pub reason: String,
    pub message: String,
    /// True when the change was made (false in dry-run or when nothing changed).
    pub applied: bool,
    /// True when a metric was unknown and the decision held.
    pub holding: bool,
    /// True while in panic mode (no scale-down, scale-up at once).
    #[serde(default)]
    pub panic: bool,
    /// Replicas the forecast asked for as a floor, when it had history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast_replicas: Option<u32>,
    /// Guards above their limit (scale-up held while any is).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub saturated_guards: Vec<String>,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricStatus {
    pub name: String,
    /// `ok`, `missing`, `stale` or `error`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// Which source set the target: `history`, `baseline` or `fixed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<u32>,
    /// `scale` or `guard`.
    #[serde(default = "default_role_name")]
    pub role: String,
    /// The highest value expected within the forecast horizon, when forecast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

fn default_role_name() -> String {
    "scale".into()
}
