//! One decision cycle as recorded: a step of `simulate --output json` and a cycle of
//! `evaluate --output json` are this same object, so a tool reading one reads the other.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::decision::Decision;
use crate::policy::MetricStatus;

/// What one cycle saw and decided, for our policy and for the plain HPA beside it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Step {
    /// Seconds: from the trace's start for a trace file, since the Unix epoch for live data
    /// (`evaluate`, `simulate --from-prometheus`).
    pub time: i64,
    /// Each metric's observed value; `null` while unknown (missing, stale, failed).
    pub metrics: BTreeMap<String, Option<f64>>,
    /// Our policy's decision, as the controller records it.
    pub ours: Decision,
    /// The plain HPA's decision on the same data (default behaviour; missing data never scales it down).
    pub hpa: Decision,
    /// A KEDA-like scaler's decision (the HPA fed by KEDA's Prometheus scaler: missing read as 0).
    pub keda: Decision,
    /// Per metric, as the controller writes `status.metrics`: state, value, target, where the
    /// target came from, ratio, proposal and a message.
    pub status: Vec<MetricStatus>,
}
