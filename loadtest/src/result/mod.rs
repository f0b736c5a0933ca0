//! The result of a run, as written to `result.json` (and, for shards, as the last line of
//! stdout): summaries for people, and the exact histograms (HDR V2 + deflate, base64) so
//! `merge` can combine shards without losing precision.

pub mod merge;
pub mod shards;
pub mod stats;

#[cfg(test)]
pub mod fixtures;

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

pub use self::stats::Stats;
use crate::baseline_settings::BaselineSettings;
use crate::recorder::Second;

/// Identifies the result format; `merge` and `gate --from` refuse others.
pub const RESULT_FORMAT: &str = "notejam-loadtest/result/v1";

/// How the load was made.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Method {
    /// `users`, `rate` or `stepped-ramp`.
    pub kind: String,
    pub users: usize,
    /// Target requests/s in rate mode.
    pub rate: Option<f64>,
    pub run_time_seconds: f64,
    pub warmup_seconds: f64,
    pub weights: BTreeMap<String, f64>,
    /// `scheduled` (rate mode: latency from the intended send time) or `expected-interval`
    /// (users mode: HdrHistogram's record_correct at the series' mean latency).
    pub coordinated_omission_correction: String,
}

/// One step of a stepped ramp.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StepResult {
    pub users: usize,
    pub duration_seconds: f64,
    pub stats: Stats,
    /// Mean open connections over the step and where the figure comes from.
    pub open_connections: f64,
    pub open_connections_source: String,
    /// Server-side p95 from `http_server_request_duration_seconds`, when Prometheus was given.
    pub server_p95_ms: Option<f64>,
}

/// Which shard of a sharded run this is.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// A server-side time series read from Prometheus, for the report's charts.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ServerSeries {
    pub prometheus_url: String,
    /// (seconds since the run started, value)
    pub open_connections: Vec<(f64, f64)>,
    /// Requests the app counted in its `http_server_request_duration_seconds_count` during the
    /// run, when it could be read.
    pub requests_counted: Option<f64>,
}

/// Everything one run measured.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunResult {
    pub format: String,
    pub generated_by: String,
    pub target: String,
    pub started_at: String,
    pub finished_at: String,
    /// The measured window (after warm-up), seconds.
    pub duration_seconds: f64,
    pub method: Method,
    pub shards: Vec<Shard>,
    pub total: Stats,
    pub journeys: BTreeMap<String, Stats>,
    pub requests: BTreeMap<String, Stats>,
    /// Failures by request and reason.
    pub failures: BTreeMap<String, u64>,
    /// What goose itself counted (requests, failures), a cross-check of our own counts: only
    /// with `--goose-metrics` (goose's own metrics cost about 5 % of the generator's CPU).
    pub goose_counts: Option<(u64, u64)>,
    /// Every request we sent, including warm-up and those finishing after the window.
    pub requests_sent: u64,
    /// Redirects the clients followed: the server saw `requests_sent + redirects_followed`.
    #[serde(default)]
    pub redirects_followed: u64,
    pub timeline: Vec<Second>,
    pub steps: Vec<StepResult>,
    pub server: Option<ServerSeries>,
    /// A `baseline` ramp's knee rule and target description, so `merge --baseline-output` can
    /// write the baseline file of sharded ramps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSettings>,
}

impl RunResult {
    pub fn from_json(text: &str, what: &str) -> Result<Self> {
        let r: RunResult = serde_json::from_str(text.trim())
            .with_context(|| format!("{what} is not a notejam-loadtest result"))?;
        if r.format != RESULT_FORMAT {
            bail!(
                "{what} has format {:?}; this tool reads {RESULT_FORMAT:?}",
                r.format
            );
        }
        Ok(r)
    }
}
