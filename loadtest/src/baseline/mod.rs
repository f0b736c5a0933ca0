//! The baseline file (`loadtest/baseline.schema.json`, schema_version 1): its types here, the
//! rule that finds the normal operating point and the knee in [`knee`], and the file of a measured
//! ramp in [`from_run`].
//!
//! The knee rule, applied to the steps in order:
//! 1. A step is **within the SLO** when its p95 ≤ `slo.p95_ms` and its error rate ≤
//!    `slo.max_error_rate`.
//! 2. The **knee** is the first step that is not within the SLO, or whose throughput stopped
//!    growing: it added users but its requests/s grew by less than `plateau` (default 5 %) over
//!    the best earlier step. A plateau is counted as the knee because more users there only queue.
//! 3. **Capacity** is the last step before the knee (it must be within the SLO). Without a knee,
//!    capacity is the last step and the figures are lower bounds.
//! 4. The **normal** step is the busiest step before the knee whose requests/s are at most
//!    `normal_fraction` (default 60 %) of capacity and whose p95 is at most half the SLO's: the
//!    load the service carries comfortably. When no step qualifies, the first step is used.
//!
//! Per-pod figures divide the step's open connections and requests/s by `replicas`.

pub mod from_run;
pub mod knee;

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::baseline_settings::Slo;

/// Current `schema_version`.
pub const SCHEMA_VERSION: u32 = 1;

/// The baseline file, as the autoscaler reads it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    pub schema_version: u32,
    pub generated_by: String,
    pub measured_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    pub target: Target,
    pub method: BaselineMethod,
    pub slo: Slo,
    pub connections_source: String,
    pub steps: Vec<Step>,
    pub normal_step: usize,
    pub knee_step: Option<usize>,
    pub normal_connections_per_pod: f64,
    pub capacity_connections_per_pod: f64,
    pub capacity_rps_per_pod: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub base_url: String,
    pub environment: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    pub replicas: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_pool_size: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BaselineMethod {
    pub kind: String,
    pub step_duration_seconds: f64,
    pub warmup_seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journey_weights: Option<std::collections::BTreeMap<String, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prometheus_url: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub users: u64,
    pub duration_seconds: f64,
    pub requests: u64,
    pub requests_per_second: f64,
    pub open_connections: f64,
    pub open_connections_source: String,
    pub latency_ms: StepLatency,
    pub error_rate: f64,
    pub within_slo: bool,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StepLatency {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

impl BaselineFile {
    /// Reads a baseline file, refusing another `schema_version` or a `normal_step` that is not a step.
    pub fn read(path: &Path) -> Result<BaselineFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the baseline {}", path.display()))?;
        let b: BaselineFile = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a baseline file (loadtest/baseline.schema.json)",
                path.display()
            )
        })?;
        if b.schema_version != SCHEMA_VERSION {
            bail!(
                "{} has schema_version {}; this tool reads {}",
                path.display(),
                b.schema_version,
                SCHEMA_VERSION
            );
        }
        if b.steps.get(b.normal_step).is_none() {
            bail!(
                "{}: normal_step {} is not a step",
                path.display(),
                b.normal_step
            );
        }
        Ok(b)
    }
}
