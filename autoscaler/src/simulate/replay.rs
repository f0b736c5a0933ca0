//! Replaying samples through ours, the plain HPA and a KEDA-like scaler side by side, each
//! running its own simulated Deployment (new pods serve only after the start-up delay) and
//! scored on the same demand.

use std::collections::BTreeMap;

use serde::Serialize;

use super::SimulateError;
use super::runner::Runner;
use super::score::{Score, Scorer};
use super::trace::Sample;
use super::world::Deployment;
use crate::baseline::{Baseline, resolve_threshold};
use crate::decision::{
    Decision, GuardObservation, MetricForecast, MetricObservation, Observations, TargetKind,
};
use crate::forecast::{combine, peak_between};
use crate::policy::{MetricStatus, ValidPolicy, duration_seconds};
use crate::step::Step;

/// The scores of the three autoscalers over one replay.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Scores {
    pub ours: Score,
    pub hpa: Score,
    pub keda: Score,
}

/// A whole replay kept in memory (tests, the benchmark and small traces).
#[derive(Clone, Debug, Serialize)]
pub struct Replay {
    pub steps: Vec<Step>,
    pub scores: Scores,
}

/// How to start a replay.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReplayOptions {
    /// Replicas at the start; default: the trace's first `replicas`, else minReplicas.
    pub initial_replicas: Option<u32>,
    /// Seconds before a new pod serves; default: the policy's `startupSeconds`.
    pub startup_seconds: Option<u32>,
}

/// A metric as the replay knows it (no history offline: the target is the baseline's or fixed).
struct Metric {
    name: String,
    kind: TargetKind,
    target: f64,
    source: &'static str,
    note: String,
    guard: bool,
    /// Seasons (name, seconds) and horizon of its forecast.
    forecast: Option<(Vec<(String, i64)>, i64)>,
}

fn metrics_of(
    policy: &ValidPolicy,
    baseline: Option<&Baseline>,
) -> Result<Vec<Metric>, SimulateError> {
    policy
        .metrics
        .iter()
        .map(|m| {
            let t = resolve_threshold(m, None, baseline)
                .ok_or_else(|| SimulateError::NoTarget(m.name.clone()))?;
            let forecast = m.forecast.as_ref().map(|f| {
                let seasons = f
                    .seasons
                    .iter()
                    .filter_map(|s| duration_seconds(s).map(|secs| (s.clone(), secs as i64)))
                    .collect();
                (seasons, i64::from(policy.forecast_horizon(m)))
            });
            Ok(Metric {
                name: m.name.clone(),
                kind: m.target_kind(),
                target: t.value,
                source: t.source.as_str(),
                note: t.note,
                guard: m.is_guard(),
                forecast,
            })
        })
        .collect()
}

/// One autoscaler with its own Deployment and score.
struct Side {
    runner: Runner,
    deployment: Deployment,
    scorer: Scorer,
}

impl Side {
    /// What this side observes of `sample`: a per-pod (`Value`) metric recorded at r0 replicas
    /// is spread over the pods that serve now; totals (`AverageValue`) and guards are as recorded.
    fn observe(
        &self,
        sample: &Sample,
        metrics: &[Metric],
        forecasts: &[MetricForecast],
    ) -> Observations {
        let now = sample.time;
        let ready = self.deployment.ready(now);
        let value = |m: &Metric| {
            let raw = sample.metrics.get(&m.name).copied().flatten();
            match (m.kind, sample.replicas, m.guard) {
                (TargetKind::Value, Some(r0), false) if r0 > 0 => {
                    raw.and_then(|v| (ready > 0).then(|| v * f64::from(r0) / f64::from(ready)))
                }
                _ => raw,
            }
        };
        Observations {
            now,
            current_replicas: self.deployment.current(),
            ready_replicas: ready,
            metrics: metrics
                .iter()
                .filter(|m| !m.guard)
                .map(|m| MetricObservation {
                    name: m.name.clone(),
                    kind: m.kind,
                    target: m.target,
                    value: value(m),
                })
                .collect(),
            guards: metrics
                .iter()
                .filter(|m| m.guard)
                .map(|m| GuardObservation {
                    name: m.name.clone(),
                    limit: m.target,
                    value: value(m),
                })
                .collect(),
            forecasts: forecasts.to_vec(),
        }
    }

    fn step(
        &mut self,
        sample: &Sample,
        metrics: &[Metric],
        forecasts: &[MetricForecast],
        demand: Option<f64>,
        next: i64,
    ) -> Decision {
        let obs = self.observe(sample, metrics, forecasts);
        let outage = obs.metrics.iter().any(|m| m.value.is_none());
        let d = self.runner.decide(obs);
        self.scorer.decision(&d, sample.time, outage);
        self.deployment.scale(d.desired, sample.time);
        self.scorer
            .interval(&self.deployment, demand, sample.time, next);
        d
    }
}

/// The true demand of a sample in pods: the highest over the scaling metrics of the load over
/// the per-pod target, from `demand:` columns where the trace hides a value, else the value,
/// else the last value known (`last`, updated).
fn demand_pods(
    sample: &Sample,
    metrics: &[Metric],
    last: &mut BTreeMap<String, f64>,
) -> Option<f64> {
    let mut pods: Option<f64> = None;
    for m in metrics.iter().filter(|m| !m.guard) {
        let seen = sample.metrics.get(&m.name).copied().flatten();
        let v = sample.demand.get(&m.name).copied().or(seen);
        if let Some(v) = v {
            last.insert(m.name.clone(), v);
        }
        let Some(v) = v.or_else(|| last.get(&m.name).copied()) else {
            continue;
        };
        let p = match (m.kind, sample.replicas) {
            (TargetKind::AverageValue, _) => Some(v / m.target),
            (TargetKind::Value, Some(r0)) => Some(v * f64::from(r0) / m.target),
            // A per-pod figure with no replica count says nothing about the total.
            (TargetKind::Value, None) => None,
        };
        if let Some(p) = p.filter(|p| p.is_finite()) {
            pods = Some(pods.map_or(p, |q| q.max(p)));
        }
    }
    pods
}

fn status(sample: &Sample, metrics: &[Metric], ours: &Decision) -> Vec<MetricStatus> {
    metrics
        .iter()
        .map(|m| {
            let value = sample.metrics.get(&m.name).copied().flatten();
            let outcome = ours.metrics.iter().find(|o| o.name == m.name && !m.guard);
            MetricStatus {
                name: m.name.clone(),
                state: if value.is_some() { "ok" } else { "missing" }.into(),
                value,
                target: Some(m.target),
                threshold_source: Some(m.source.into()),
                ratio: outcome.and_then(|o| o.ratio),
                proposal: outcome.and_then(|o| o.proposal),
                role: if m.guard { "guard" } else { "scale" }.into(),
                forecast: None,
                message: Some(if value.is_some() {
                    m.note.clone()
                } else {
                    "no sample in the trace".into()
                }),
            }
        })
        .collect()
}

/// Replay `samples` through `policy`, the plain HPA and the KEDA-like scaler with the same bounds
/// and targets, handing each step to `on_step` as it is made (nothing is kept), and return the
/// scores.
pub fn replay_each(
    policy: &ValidPolicy,
    baseline: Option<&Baseline>,
    samples: &[Sample],
    options: ReplayOptions,
    mut on_step: impl FnMut(Step),
) -> Result<Scores, SimulateError> {
    let metrics = metrics_of(policy, baseline)?;
    // A policy metric with no column at all is a naming mistake, not an outage: say so rather
    // than replay a trace in which every sample of it is missing.
    for m in &metrics {
        if !samples.is_empty() && !samples.iter().any(|s| s.metrics.contains_key(&m.name)) {
            let columns: Vec<&str> = samples[0].metrics.keys().map(String::as_str).collect();
            return Err(SimulateError::Trace(format!(
                "the trace has no column for metric {} (it has: {}); leave cells empty to simulate missing data",
                m.name,
                columns.join(", ")
            )));
        }
    }
    if let Some(w) = samples.windows(2).find(|w| w[1].time < w[0].time) {
        return Err(SimulateError::Trace(format!(
            "time goes backwards at {}",
            w[1].time
        )));
    }
    let cfg = &policy.decision;
    let start = options
        .initial_replicas
        .or_else(|| samples.first().and_then(|s| s.replicas))
        .unwrap_or(cfg.min_replicas)
        .clamp(cfg.min_replicas, cfg.max_replicas);
    let startup = options.startup_seconds.unwrap_or(policy.startup_seconds);
    let t0 = samples.first().map_or(0, |s| s.time);
    let side = |runner: Runner| Side {
        runner,
        deployment: Deployment::new(start, t0, startup),
        scorer: Scorer::new(start, cfg.tolerance),
    };
    let mut ours = side(Runner::ours(cfg.clone(), start));
    let mut hpa = side(Runner::plain_hpa(cfg, start));
    let mut keda = side(Runner::keda(cfg, start));
    // The forecast reads the trace's own past, as the controller reads Prometheus's.
    let columns: BTreeMap<&str, Vec<(i64, Option<f64>)>> = metrics
        .iter()
        .filter(|m| m.forecast.is_some())
        .map(|m| {
            let col = samples
                .iter()
                .map(|s| (s.time, s.metrics.get(&m.name).copied().flatten()))
                .collect();
            (m.name.as_str(), col)
        })
        .collect();
    let mut last = BTreeMap::new();
    for (i, s) in samples.iter().enumerate() {
        let next = samples.get(i + 1).map_or(s.time, |n| n.time);
        let demand = demand_pods(s, &metrics, &mut last);
        let forecasts: Vec<MetricForecast> = metrics
            .iter()
            .filter_map(|m| {
                let (seasons, horizon) = m.forecast.as_ref()?;
                let col = columns.get(m.name.as_str())?;
                let peaks: Vec<(String, Option<f64>)> = seasons
                    .iter()
                    .map(|(name, secs)| {
                        let from = s.time - secs;
                        (name.clone(), peak_between(col, from, from + horizon))
                    })
                    .collect();
                let (peak, basis) = combine(&peaks);
                Some(MetricForecast {
                    name: m.name.clone(),
                    target: m.target,
                    peak,
                    basis,
                })
            })
            .collect();
        let o = ours.step(s, &metrics, &forecasts, demand, next);
        let h = hpa.step(s, &metrics, &[], demand, next);
        let k = keda.step(s, &metrics, &[], demand, next);
        let mut st = status(s, &metrics, &o);
        for (entry, f) in st
            .iter_mut()
            .filter_map(|e| forecasts.iter().find(|f| f.name == e.name).map(|f| (e, f)))
        {
            entry.forecast = f.peak;
        }
        on_step(Step {
            time: s.time,
            metrics: s.metrics.clone(),
            status: st,
            ours: o,
            hpa: h,
            keda: k,
        });
    }
    Ok(Scores {
        ours: ours.scorer.score().clone(),
        hpa: hpa.scorer.score().clone(),
        keda: keda.scorer.score().clone(),
    })
}

/// Replay and keep every step (for tests and small traces).
pub fn replay(
    policy: &ValidPolicy,
    baseline: Option<&Baseline>,
    samples: &[Sample],
    options: ReplayOptions,
) -> Result<Replay, SimulateError> {
    let mut steps = Vec::with_capacity(samples.len());
    let scores = replay_each(policy, baseline, samples, options, |s| steps.push(s))?;
    Ok(Replay { steps, scores })
}

/// Replay and keep only the scores (the benchmark).
pub fn replay_scores(
    policy: &ValidPolicy,
    baseline: Option<&Baseline>,
    samples: &[Sample],
    options: ReplayOptions,
) -> Result<Scores, SimulateError> {
    replay_each(policy, baseline, samples, options, |_| {})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::ScalingPolicySpec;
    use crate::simulate::trace::parse_csv_trace;

    /// A policy spec in YAML, validated.
    fn valid(yaml: &str) -> ValidPolicy {
        let spec: ScalingPolicySpec = serde_yaml::from_str(yaml).unwrap();
        spec.validate().unwrap()
    }

    #[test]
    fn a_metric_without_a_column_is_an_error() {
        let policy = valid(
            "targetRef: {name: x}\nminReplicas: 1\nmaxReplicas: 5\nmetrics:\n- name: conns\n  prometheus: {query: up}\n  target: {type: Value, value: 1}\n",
        );
        let samples = parse_csv_trace("time,other\n0,1\n").unwrap();
        let err = replay(&policy, None, &samples, ReplayOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no column for metric conns") && err.contains("other"),
            "{err}"
        );
    }

    #[test]
    fn a_guard_is_seen_unscaled_and_holds_scale_up_while_saturated() {
        let policy = valid(
            "targetRef: {name: x}\nminReplicas: 2\nmaxReplicas: 20\nmetrics:\n- name: conns\n  prometheus: {query: sum(c)}\n  target: {type: AverageValue, value: 10}\n- name: db\n  role: Guard\n  cloudwatch: {namespace: AWS/RDS, metricName: CPUUtilization, statistic: Average}\n  target: {type: Value, value: 80}\n",
        );
        // Load for 6 pods at 4 running; the database is saturated, then relieved.
        let samples =
            parse_csv_trace("time,replicas,conns,db\n0,4,60,95\n15,4,60,95\n30,4,60,50\n").unwrap();
        let r = replay(&policy, None, &samples, ReplayOptions::default()).unwrap();
        let ours: Vec<(u32, &str)> = r
            .steps
            .iter()
            .map(|s| (s.ours.desired, s.ours.reason.as_str()))
            .collect();
        assert_eq!(ours, vec![(4, "Guarded"), (4, "Guarded"), (6, "ScaleUp")]);
        // Not rescaled by replicas: the database's CPU is the database's.
        assert_eq!(r.steps[0].ours.guards[0].value, Some(95.0));
        // The plain HPA knows no guard and scales up at once.
        assert_eq!(r.steps[0].hpa.desired, 6);
    }
}
