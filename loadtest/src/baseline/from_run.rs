//! The baseline file of a measured ramp: `baseline --output` and `merge --baseline-output` both
//! write it through [`from_run`], so a sharded ramp is judged exactly as a single one.

use anyhow::{Result, bail};

use super::knee::KneeRule;
use super::{BaselineFile, BaselineMethod, SCHEMA_VERSION, Step, StepLatency, Target};
use crate::baseline_settings::BaselineSettings;
use crate::result::RunResult;

/// The baseline file of a stepped ramp (one run, or shards merged): each step's figures from
/// `run.steps`, judged by the knee rule of `settings`.
pub fn from_run(run: &RunResult, settings: &BaselineSettings) -> Result<BaselineFile> {
    let rule = KneeRule::of(settings);
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
