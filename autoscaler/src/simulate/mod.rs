//! Replaying a recorded trace through the decision, beside what the plain HPA would do.
//!
//! - [`trace`]: the trace file formats (see README).
//! - [`replay`]: the replay of ours, the plain HPA and a KEDA-like scaler side by side.
//! - [`runner`]: one autoscaler with its history (what `evaluate --watch` steps too).
//! - [`world`]: the simulated Deployment, whose new pods serve after the start-up delay.
//! - [`score`]: overload, cost and churn.
//! - [`table`]: the text table.
//! - [`range`]: samples from Prometheus's range API (and CloudWatch) instead of a file.

pub mod command;
pub mod range;
pub mod replay;
pub mod runner;
pub mod score;
pub mod table;
pub mod trace;
pub mod world;

use std::path::Path;

use crate::policy::ScalingPolicySpec;

pub use replay::{Replay, ReplayOptions, Scores, replay, replay_each, replay_scores};
pub use runner::{Kind, Runner};
pub use score::Score;
pub use table::{TableWriter, render_table};
pub use trace::{
    Sample, Trace, parse_csv_trace, parse_json_trace, read_trace, read_trace_file, write_csv,
};

/// Why a replay (or an evaluation) could not run; every variant is bad input (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the policy is not a ScalingPolicy: {0}")]
    PolicyYaml(#[from] serde_yaml::Error),
    #[error("the policy is invalid: {}", .0.join("; "))]
    PolicyInvalid(Vec<String>),
    #[error("the baseline is unusable: {0}")]
    Baseline(#[from] crate::baseline::BaselineError),
    #[error("metric {0} has no target: give it a value, or pass --baseline for fromBaseline")]
    NoTarget(String),
    #[error("trace: {0}")]
    Trace(String),
    #[error("Prometheus: {0}")]
    Source(String),
}

/// A policy file: the spec, and the namespace and name when the file is a whole object.
pub struct PolicyFile {
    pub spec: ScalingPolicySpec,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

/// Load a policy from YAML: a whole `ScalingPolicy` object or just its spec.
pub fn load_policy_file(path: &Path) -> Result<PolicyFile, SimulateError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimulateError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let value: serde_yaml::Value = serde_yaml::from_str(&text)?;
    let meta = |field: &str| {
        value
            .get("metadata")
            .and_then(|m| m.get(field))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let (namespace, name) = (meta("namespace"), meta("name"));
    let spec = match value.get("spec") {
        Some(spec) => spec.clone(),
        None => value,
    };
    Ok(PolicyFile {
        spec: serde_yaml::from_value(spec)?,
        namespace,
        name,
    })
}

/// Load a policy's spec from YAML: a whole `ScalingPolicy` object or just its spec.
pub fn load_policy(path: &Path) -> Result<ScalingPolicySpec, SimulateError> {
    load_policy_file(path).map(|f| f.spec)
}

/// Read a baseline file (for targets with `fromBaseline`).
pub fn read_baseline(path: &Path) -> Result<crate::baseline::Baseline, SimulateError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimulateError::Read {
        path: path.display().to_string(),
        source,
    })?;
    Ok(crate::baseline::Baseline::parse(&text)?)
}
