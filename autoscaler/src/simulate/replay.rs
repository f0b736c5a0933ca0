//! Replaying samples through the decision, ours beside the plain HPA's, each following its own
//! decisions. [`Runner`] is also what `evaluate --watch` steps once per cycle.

use serde::Serialize;

use super::SimulateError;
use super::trace::Sample;
use crate::baseline::{Baseline, resolve_threshold};
use crate::decision::{
    Decision, DecisionConfig, History, MetricObservation, Observations, TargetKind, decide,
};
use crate::policy::{MetricStatus, ValidPolicy};
use crate::step::Step;

/// Totals over a replay, for each autoscaler.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Totals {
    pub scale_events: u32,
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// Sum of replicas x seconds, in pod-hours.
    pub pod_hours: f64,
    /// Samples where some known metric was above target by more than the tolerance.
    pub overloaded_samples: u32,
}

impl Totals {
    fn starting_at(replicas: u32) -> Self {
        Self {
            min_replicas: replicas,
            max_replicas: replicas,
            ..Self::default()
        }
    }

    fn add(&mut self, d: &Decision, tolerance: f64, dt: i64) {
        if d.metrics
            .iter()
            .any(|m| m.ratio.is_some_and(|r| r > 1.0 + tolerance))
        {
            self.overloaded_samples += 1;
        }
        self.pod_hours += f64::from(d.current) * dt as f64 / 3600.0;
        if d.changes() {
            self.scale_events += 1;
        }
        self.min_replicas = self.min_replicas.min(d.desired);
        self.max_replicas = self.max_replicas.max(d.desired);
    }
}

/// A whole replay kept in memory (tests and small traces).
#[derive(Clone, Debug, Serialize)]
pub struct Replay {
    pub steps: Vec<Step>,
    pub ours: Totals,
    pub hpa: Totals,
}

/// One autoscaler stepping through time: its rules, its history, and the replicas it believes
/// are running. Every decision is recorded as applied, as in `scale` mode.
pub struct Runner {
    config: DecisionConfig,
    history: History,
    /// The replicas after the last decision (what a self-following replay runs next).
    pub replicas: u32,
    missing_as_zero: bool,
}

impl Runner {
    /// Our policy: missing data stays unknown (and is held).
    pub fn ours(config: DecisionConfig, replicas: u32) -> Self {
        Self {
            config,
            history: History::default(),
            replicas,
            missing_as_zero: false,
        }
    }

    /// The plain HPA with the same bounds: default behaviour, a missing sample read as 0
    /// (what KEDA's Prometheus scaler does by default).
    pub fn plain_hpa(like: &DecisionConfig, replicas: u32) -> Self {
        Self {
            config: DecisionConfig::plain_hpa(like.min_replicas, like.max_replicas),
            history: History::default(),
            replicas,
            missing_as_zero: true,
        }
    }

    /// The rules this runner decides with.
    pub fn config(&self) -> &DecisionConfig {
        &self.config
    }

    /// Decide at `now` with `current`/`ready` replicas and these readings (`None` = unknown),
    /// record the decision as applied, and remember its replicas.
    pub fn decide(
        &mut self,
        now: i64,
        current: u32,
        ready: u32,
        mut metrics: Vec<MetricObservation>,
    ) -> Decision {
        if self.missing_as_zero {
            for m in &mut metrics {
                m.value = Some(m.value.unwrap_or(0.0));
            }
        }
        let obs = Observations {
            now,
            current_replicas: current,
            ready_replicas: ready.min(current),
            metrics,
        };
        let d = decide(&self.config, &obs, &self.history);
        self.history.record(&self.config, &d, now, true);
        self.replicas = d.desired;
        d
    }
}

/// A metric's resolved target in a replay (no history offline: baseline or fixed).
struct Target {
    name: String,
    kind: TargetKind,
    value: f64,
    source: &'static str,
    note: String,
}

/// The readings of one sample as `runner` sees them: a per-pod (`Value`) metric recorded at r0
/// replicas spreads over the runner's replicas; totals (`AverageValue`) are not rescaled.
fn observe(sample: &Sample, targets: &[Target], replicas: u32) -> Vec<MetricObservation> {
    targets
        .iter()
        .map(|t| {
            let raw = sample.metrics.get(&t.name).copied().flatten();
            let value = match (t.kind, sample.replicas) {
                (TargetKind::Value, Some(r0)) if r0 > 0 && replicas > 0 => {
                    raw.map(|v| v * f64::from(r0) / f64::from(replicas))
                }
                _ => raw,
            };
            MetricObservation {
                name: t.name.clone(),
                kind: t.kind,
                target: t.value,
                value,
            }
        })
        .collect()
}

fn status(sample: &Sample, targets: &[Target], ours: &Decision) -> Vec<MetricStatus> {
    targets
        .iter()
        .zip(&ours.metrics)
        .map(|(t, o)| {
            let value = sample.metrics.get(&t.name).copied().flatten();
            MetricStatus {
                name: t.name.clone(),
                state: if value.is_some() { "ok" } else { "missing" }.into(),
                value,
                target: Some(t.value),
                threshold_source: Some(t.source.into()),
                ratio: o.ratio,
                proposal: o.proposal,
                message: Some(if value.is_some() {
                    t.note.clone()
                } else {
                    "no sample in the trace".into()
                }),
            }
        })
        .collect()
}

/// Replay `samples` through `policy` and through a plain HPA with the same bounds and targets,
/// handing each step to `on_step` as it is made (nothing is kept), and return the totals.
/// The plain HPA reads a missing sample as 0, as KEDA's Prometheus scaler does by default.
pub fn replay_each(
    policy: &ValidPolicy,
    baseline: Option<&Baseline>,
    samples: &[Sample],
    initial_replicas: Option<u32>,
    mut on_step: impl FnMut(Step),
) -> Result<(Totals, Totals), SimulateError> {
    let targets: Vec<Target> = policy
        .metrics
        .iter()
        .map(|m| {
            resolve_threshold(m, None, baseline)
                .map(|t| Target {
                    name: m.name.clone(),
                    kind: m.target_kind(),
                    value: t.value,
                    source: t.source.as_str(),
                    note: t.note,
                })
                .ok_or_else(|| SimulateError::NoTarget(m.name.clone()))
        })
        .collect::<Result<_, _>>()?;
    // A policy metric with no column at all is a naming mistake, not an outage: say so rather
    // than replay a trace in which every sample of it is missing.
    for t in &targets {
        if !samples.is_empty() && !samples.iter().any(|s| s.metrics.contains_key(&t.name)) {
            let columns: Vec<&str> = samples[0].metrics.keys().map(String::as_str).collect();
            return Err(SimulateError::Trace(format!(
                "the trace has no column for metric {} (it has: {}); leave cells empty to simulate missing data",
                t.name,
                columns.join(", ")
            )));
        }
    }
    let cfg = &policy.decision;
    let start = initial_replicas
        .or_else(|| samples.first().and_then(|s| s.replicas))
        .unwrap_or(cfg.min_replicas)
        .clamp(cfg.min_replicas, cfg.max_replicas);
    let mut ours = Runner::ours(cfg.clone(), start);
    let mut hpa = Runner::plain_hpa(cfg, start);
    let (mut ours_totals, mut hpa_totals) =
        (Totals::starting_at(start), Totals::starting_at(start));
    let mut prev: Option<i64> = None;
    for s in samples {
        if prev.is_some_and(|p| s.time < p) {
            return Err(SimulateError::Trace(format!(
                "time goes backwards at {}",
                s.time
            )));
        }
        let dt = prev.map_or(0, |p| s.time - p);
        prev = Some(s.time);
        let (r, h) = (ours.replicas, hpa.replicas);
        let o = ours.decide(s.time, r, r, observe(s, &targets, r));
        let p = hpa.decide(s.time, h, h, observe(s, &targets, h));
        ours_totals.add(&o, cfg.tolerance, dt);
        hpa_totals.add(&p, hpa.config().tolerance, dt);
        on_step(Step {
            time: s.time,
            metrics: s.metrics.clone(),
            status: status(s, &targets, &o),
            ours: o,
            hpa: p,
        });
    }
    Ok((ours_totals, hpa_totals))
}

/// Replay and keep every step (for tests and small traces).
pub fn replay(
    policy: &ValidPolicy,
    baseline: Option<&Baseline>,
    samples: &[Sample],
    initial_replicas: Option<u32>,
) -> Result<Replay, SimulateError> {
    let mut steps = Vec::with_capacity(samples.len());
    let (ours, hpa) = replay_each(policy, baseline, samples, initial_replicas, |s| {
        steps.push(s)
    })?;
    Ok(Replay { steps, ours, hpa })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::trace::parse_csv_trace;

    #[test]
    fn a_metric_without_a_column_is_an_error() {
        let spec: crate::policy::ScalingPolicySpec = serde_yaml::from_str(
            "targetRef: {name: x}\nminReplicas: 1\nmaxReplicas: 5\nmetrics:\n- name: conns\n  prometheus: {query: up}\n  target: {type: Value, value: 1}\n",
        )
        .unwrap();
        let policy = spec.validate().unwrap();
        let samples = parse_csv_trace("time,other\n0,1\n").unwrap();
        let err = replay(&policy, None, &samples, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no column for metric conns") && err.contains("other"),
            "{err}"
        );
    }
}
