//! The baseline file (`loadtest/baseline.schema.json`, schema_version 1) and the rule that
//! finds the normal operating point and the knee in a stepped ramp.
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

use serde::{Deserialize, Serialize};

use anyhow::{Result, bail};

use crate::result::RunResult;

/// Current `schema_version`.
pub const SCHEMA_VERSION: u32 = 1;

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

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    pub p95_ms: f64,
    pub max_error_rate: f64,
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

/// Tunables of the knee rule.
#[derive(Clone, Copy, Debug)]
pub struct KneeRule {
    pub slo: Slo,
    /// Least relative growth of requests/s that still counts as growing (0.05 = 5 %).
    pub plateau: f64,
    /// The normal step carries at most this share of capacity's requests/s.
    pub normal_fraction: f64,
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

impl BaselineSettings {
    pub fn rule(&self) -> KneeRule {
        KneeRule {
            slo: self.slo,
            plateau: self.plateau,
            normal_fraction: self.normal_fraction,
        }
    }
}

/// The baseline file of a stepped ramp (one run, or shards merged): each step's figures from
/// `run.steps`, judged by the knee rule of `settings`.
pub fn from_run(run: &RunResult, settings: &BaselineSettings) -> Result<BaselineFile> {
    let rule = settings.rule();
    if run.steps.is_empty() {
        bail!("the result has no ramp steps: it was not made by `baseline`");
    }
    let mut steps = Vec::with_capacity(run.steps.len());
    for (i, s) in run.steps.iter().enumerate() {
        if s.stats.requests == 0 {
            bail!(
                "step {i} ({} users) measured no request: the load did not run",
                s.users
            );
        }
        let mut step = Step {
            users: s.users as u64,
            duration_seconds: s.duration_seconds,
            requests: s.stats.requests,
            requests_per_second: s.stats.requests_per_second,
            open_connections: s.open_connections,
            open_connections_source: s.open_connections_source.clone(),
            latency_ms: StepLatency {
                p50: s.stats.latency_ms.p50,
                p95: s.stats.latency_ms.p95,
                p99: s.stats.latency_ms.p99,
            },
            error_rate: s.stats.error_rate,
            within_slo: false,
        };
        step.within_slo = rule.within_slo(&step);
        steps.push(step);
    }
    let f = rule.find(&steps)?;
    let replicas = f64::from(settings.replicas);
    let server = steps.iter().all(|s| s.open_connections_source == "server");
    if steps[f.normal].open_connections <= 0.0 || steps[f.capacity].open_connections <= 0.0 {
        bail!("a step measured no open connection: the per-pod figures would be 0");
    }
    Ok(BaselineFile {
        schema_version: SCHEMA_VERSION,
        generated_by: run.generated_by.clone(),
        measured_at: run.started_at.clone(),
        finished_at: Some(run.finished_at.clone()),
        target: Target {
            base_url: run.target.clone(),
            environment: settings.environment.clone(),
            app_version: settings.app_version.clone(),
            replicas: settings.replicas,
            db_pool_size: settings.db_pool_size,
        },
        method: BaselineMethod {
            kind: "stepped-ramp".into(),
            step_duration_seconds: settings.step_duration_seconds,
            warmup_seconds: settings.warmup_seconds,
            journey_weights: Some(run.method.weights.clone()),
            prometheus_url: settings.prometheus_url.clone(),
        },
        slo: settings.slo,
        connections_source: if server { "server" } else { "client" }.into(),
        normal_connections_per_pod: steps[f.normal].open_connections / replicas,
        capacity_connections_per_pod: steps[f.capacity].open_connections / replicas,
        capacity_rps_per_pod: steps[f.capacity].requests_per_second / replicas,
        normal_step: f.normal,
        knee_step: f.knee,
        steps,
    })
}

/// What the rule found: indexes into the steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Findings {
    pub normal: usize,
    pub capacity: usize,
    pub knee: Option<usize>,
}

impl KneeRule {
    pub fn within_slo(&self, s: &Step) -> bool {
        s.latency_ms.p95 <= self.slo.p95_ms && s.error_rate <= self.slo.max_error_rate
    }

    /// Applies the rule (see the module documentation).
    pub fn find(&self, steps: &[Step]) -> Result<Findings> {
        if steps.is_empty() {
            bail!("the ramp has no steps");
        }
        let mut knee = None;
        let mut best_rps: f64 = 0.0;
        for (i, s) in steps.iter().enumerate() {
            let plateau = i > 0
                && s.users > steps[i - 1].users
                && s.requests_per_second < best_rps * (1.0 + self.plateau);
            if !self.within_slo(s) || plateau {
                knee = Some(i);
                break;
            }
            best_rps = best_rps.max(s.requests_per_second);
        }
        let capacity = match knee {
            Some(0) => bail!(
                "the first step ({} users) already broke the SLO (p95 {:.1} ms, errors {:.2} %): \
                 start the ramp lower (--steps)",
                steps[0].users,
                steps[0].latency_ms.p95,
                steps[0].error_rate * 100.0
            ),
            Some(k) => k - 1,
            None => steps.len() - 1,
        };
        let cap_rps = steps[capacity].requests_per_second;
        let normal = (0..=capacity)
            .filter(|&i| {
                steps[i].requests_per_second <= cap_rps * self.normal_fraction
                    && steps[i].latency_ms.p95 <= self.slo.p95_ms / 2.0
            })
            .max_by(|&a, &b| {
                steps[a]
                    .requests_per_second
                    .total_cmp(&steps[b].requests_per_second)
            })
            .unwrap_or(0);
        Ok(Findings {
            normal,
            capacity,
            knee,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(users: u64, rps: f64, p95: f64, errors: f64) -> Step {
        Step {
            users,
            duration_seconds: 30.0,
            requests: (rps * 30.0) as u64,
            requests_per_second: rps,
            open_connections: users as f64,
            open_connections_source: "client".into(),
            latency_ms: StepLatency {
                p50: p95 / 3.0,
                p95,
                p99: p95 * 2.0,
            },
            error_rate: errors,
            within_slo: true,
        }
    }

    fn rule() -> KneeRule {
        KneeRule {
            slo: Slo {
                p95_ms: 300.0,
                max_error_rate: 0.01,
            },
            plateau: 0.05,
            normal_fraction: 0.6,
        }
    }

    #[test]
    fn knee_is_the_first_step_over_the_latency_slo() {
        let steps = [
            step(10, 100.0, 20.0, 0.0),
            step(20, 200.0, 30.0, 0.0),
            step(40, 390.0, 60.0, 0.0),
            step(80, 700.0, 250.0, 0.0),
            step(160, 760.0, 900.0, 0.0),
        ];
        let f = rule().find(&steps).unwrap();
        assert_eq!(f.knee, Some(4));
        assert_eq!(f.capacity, 3);
        // 60 % of 700 = 420 req/s, and p95 <= 150 ms: step 2 (390 req/s).
        assert_eq!(f.normal, 2);
    }

    #[test]
    fn errors_break_the_slo_too() {
        let steps = [step(10, 100.0, 20.0, 0.0), step(20, 200.0, 30.0, 0.02)];
        let f = rule().find(&steps).unwrap();
        assert_eq!((f.knee, f.capacity, f.normal), (Some(1), 0, 0));
    }

    #[test]
    fn a_throughput_plateau_is_the_knee() {
        let steps = [
            step(10, 100.0, 20.0, 0.0),
            step(20, 200.0, 40.0, 0.0),
            step(40, 205.0, 80.0, 0.0),
            step(80, 206.0, 200.0, 0.0),
        ];
        let f = rule().find(&steps).unwrap();
        assert_eq!((f.knee, f.capacity, f.normal), (Some(2), 1, 0));
    }

    #[test]
    fn without_a_knee_capacity_is_the_last_step() {
        let steps = [
            step(1, 10.0, 5.0, 0.0),
            step(2, 20.0, 5.0, 0.0),
            step(4, 40.0, 6.0, 0.0),
        ];
        let f = rule().find(&steps).unwrap();
        assert_eq!((f.knee, f.capacity, f.normal), (None, 2, 1));
    }

    #[test]
    fn a_ramp_broken_from_the_start_is_an_error() {
        let e = rule().find(&[step(50, 100.0, 900.0, 0.0)]).unwrap_err();
        assert!(e.to_string().contains("start the ramp lower"), "{e}");
    }
}
