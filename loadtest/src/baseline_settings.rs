//! How a `baseline` ramp is to be judged and described: the SLO, the knee rule's tunables and the
//! target's description. Below both the result (which carries them, so `merge --baseline-output`
//! can judge a sharded ramp) and the baseline file (which records the SLO), so neither of those
//! two imports the other for it.

use serde::{Deserialize, Serialize};

/// The service-level objective a ramp step must stay within.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    pub p95_ms: f64,
    pub max_error_rate: f64,
}

/// How a `baseline` run is to be judged and described: carried in each ramp's result
/// (`RunResult::baseline`), so `merge --baseline-output` can build the baseline file of a sharded
/// ramp with the same rule and the same target description as `baseline --output` would.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BaselineSettings {
    pub slo: Slo,
    pub plateau: f64,
    pub normal_fraction: f64,
    pub environment: String,
    pub replicas: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_pool_size: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    pub step_duration_seconds: f64,
    pub warmup_seconds: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus_url: Option<String>,
}
