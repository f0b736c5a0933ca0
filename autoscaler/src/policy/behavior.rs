//! `spec.behavior`: the HPA's scaling rules per direction, and panic mode.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn default_true() -> bool {
    true
}
fn default_panic_threshold() -> f64 {
    2.0
}
fn default_panic_window() -> u32 {
    60
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Behavior {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_up: Option<ScalingRules>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<ScalingRules>,
    /// Knative-like panic mode for bursts; on unless `enabled: false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panic: Option<PanicSpec>,
}

/// When a metric asks for `threshold` x the ready pods or more: scale up at once (no up window,
/// no rate limit) and not down until it has stayed below for `stableWindowSeconds`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PanicSpec {
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Usage over target per ready pod that starts panic mode (> 1; Knative: 2.0).
    #[serde(default = "default_panic_threshold")]
    pub threshold: f64,
    #[serde(default = "default_panic_window")]
    pub stable_window_seconds: u32,
}

/// As the HPA's `HPAScalingRules`; omitted fields take the HPA defaults.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScalingRules {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stabilization_window_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_policy: Option<SelectPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<Vec<RatePolicySpec>>,
}

#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum SelectPolicy {
    Max,
    Min,
    Disabled,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RatePolicySpec {
    #[serde(rename = "type")]
    pub type_: RateType,
    pub value: u32,
    pub period_seconds: u32,
}

#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum RateType {
    Pods,
    Percent,
}
