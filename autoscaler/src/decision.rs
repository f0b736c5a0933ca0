//! The scaling decision: a pure function of (policy, observations, history).
//!
//! It follows the Kubernetes HPA algorithm (ratio to target over ready pods, a tolerance band,
//! the maximum over metrics, stabilisation windows, Pods/Percent rate limits, min and max),
//! and adds what the HPA lacks: missing data never scales down, and a database budget guard.
//! No I/O and no clock: `simulate` and the controller call the same code.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// How an observed value relates to its target, as in the HPA's `MetricTarget`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TargetKind {
    /// The observed value is a total over all pods; the target is per ready pod.
    AverageValue,
    /// The observed value is already per pod (or a ratio such as latency); compared as is.
    Value,
}

/// What a rate-limit policy counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RateKind {
    Pods,
    Percent,
}

/// One HPA `HPAScalingPolicy`: at most `value` pods (or percent) per `period_seconds`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RatePolicy {
    pub kind: RateKind,
    pub value: u32,
    pub period_seconds: u32,
}

/// Which rate policy wins when several are given (HPA `selectPolicy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Select {
    /// The policy allowing the largest change.
    Max,
    /// The policy allowing the smallest change.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// The rules for one direction (HPA `HPAScalingRules`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DirectionRules {
    pub stabilization_window_seconds: u32,
    pub select: Select,
    pub policies: Vec<RatePolicy>,
}

impl DirectionRules {
    /// The HPA's default scale-up: no window, double or add 4 pods every 15 s, whichever is more.
    pub fn hpa_default_up() -> Self {
        Self {
            stabilization_window_seconds: 0,
            select: Select::Max,
            policies: vec![
                RatePolicy {
                    kind: RateKind::Percent,
                    value: 100,
                    period_seconds: 15,
                },
                RatePolicy {
                    kind: RateKind::Pods,
                    value: 4,
                    period_seconds: 15,
                },
            ],
        }
    }

    /// The HPA's default scale-down: a 300 s window, then down to the recommendation at once.
    pub fn hpa_default_down() -> Self {
        Self {
            stabilization_window_seconds: 300,
            select: Select::Max,
            policies: vec![RatePolicy {
                kind: RateKind::Percent,
                value: 100,
                period_seconds: 15,
            }],
        }
    }

    fn longest_period(&self) -> u32 {
        self.policies
            .iter()
            .map(|p| p.period_seconds)
            .max()
            .unwrap_or(0)
    }
}

/// What to do while a metric is missing or stale. Neither choice ever scales down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MissingAction {
    /// Keep the current replicas (other metrics may still scale up).
    Hold,
    /// Go to at least this many replicas (other metrics may still ask for more).
    Fallback(u32),
}

/// The validated numbers the decision needs; built from a `ScalingPolicy` spec.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DecisionConfig {
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// Relative band around 1.0 inside which a metric asks for no change (HPA default 0.1).
    pub tolerance: f64,
    pub scale_up: DirectionRules,
    pub scale_down: DirectionRules,
    pub on_missing: MissingAction,
    /// Most replicas the database connection budget allows (budget / pool size per pod).
    pub database_cap: Option<u32>,
}

impl DecisionConfig {
    /// The plain HPA with its default behaviour and the same bounds, for comparison.
    pub fn plain_hpa(min_replicas: u32, max_replicas: u32) -> Self {
        Self {
            min_replicas,
            max_replicas,
            tolerance: 0.1,
            scale_up: DirectionRules::hpa_default_up(),
            scale_down: DirectionRules::hpa_default_down(),
            on_missing: MissingAction::Hold,
            database_cap: None,
        }
    }

    /// The highest replica count any decision may reach: `max_replicas`, lowered by the database cap.
    pub fn effective_max(&self) -> u32 {
        match self.database_cap {
            Some(cap) => self.max_replicas.min(cap),
            None => self.max_replicas,
        }
    }
}

/// One metric as observed this cycle, with the target it is compared to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricObservation {
    pub name: String,
    pub kind: TargetKind,
    /// The per-pod target (already derived from a baseline, history or a fixed value); > 0.
    pub target: f64,
    /// `None` when the source had no fresh value: missing, stale or failed. Never read as zero.
    pub value: Option<f64>,
}

/// Everything observed in one cycle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observations {
    /// Seconds since the Unix epoch (any monotonic second count works for replay).
    pub now: i64,
    /// The scale's `spec.replicas`.
    pub current_replicas: u32,
    /// Pods that are ready; usage ratios are computed over these.
    pub ready_replicas: u32,
    pub metrics: Vec<MetricObservation>,
}

/// What happened before: raw recommendations and applied scale changes, newest last.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct History {
    recommendations: VecDeque<(i64, u32)>,
    scale_events: VecDeque<(i64, i64)>,
}

impl History {
    /// Remember this cycle's recommendation and, if it was applied, the change it made.
    /// Entries older than every window and period in `config` are dropped.
    pub fn record(
        &mut self,
        config: &DecisionConfig,
        decision: &Decision,
        now: i64,
        applied: bool,
    ) {
        self.recommendations
            .push_back((now, decision.recommendation));
        if applied && decision.desired != decision.current {
            self.scale_events.push_back((
                now,
                i64::from(decision.desired) - i64::from(decision.current),
            ));
        }
        let keep = [
            config.scale_up.stabilization_window_seconds,
            config.scale_down.stabilization_window_seconds,
            config.scale_up.longest_period(),
            config.scale_down.longest_period(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        let cutoff = now - i64::from(keep);
        while self
            .recommendations
            .front()
            .is_some_and(|(t, _)| *t < cutoff)
        {
            self.recommendations.pop_front();
        }
        while self.scale_events.front().is_some_and(|(t, _)| *t < cutoff) {
            self.scale_events.pop_front();
        }
    }

    /// Number of remembered recommendations (bounded by the longest window).
    pub fn len(&self) -> usize {
        self.recommendations.len()
    }

    /// True when nothing has been recorded yet.
    pub fn is_empty(&self) -> bool {
        self.recommendations.is_empty()
    }

    fn changes_since(&self, cutoff: i64, up: bool) -> i64 {
        self.scale_events
            .iter()
            .filter(|(t, _)| *t > cutoff)
            .map(|(_, d)| *d)
            .filter(|d| if up { *d > 0 } else { *d < 0 })
            .map(i64::abs)
            .sum()
    }
}

/// Why the decision came out as it did; also a metric label, so the set is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reason {
    /// Every metric is within tolerance of its target.
    WithinTolerance,
    ScaleUp,
    ScaleDown,
    /// A metric is missing or stale: held at the current replicas.
    MetricsMissing,
    /// A metric is missing or stale: raised to the policy's fallback replicas.
    Fallback,
    /// A stabilisation window held the change back.
    Stabilized,
    /// A Pods/Percent rate limit cut the change short.
    RateLimited,
    /// `selectPolicy: Disabled` forbids this direction.
    DirectionDisabled,
    /// Clamped to `max_replicas`.
    AtMaxReplicas,
    /// Clamped to `min_replicas`.
    AtMinReplicas,
    /// Clamped by the database connection budget.
    DatabaseBudget,
    /// The target has zero replicas: autoscaling is off, as in the HPA.
    ScalingDisabled,
    /// No pod is ready, so no usage can be computed: held.
    NoReadyPods,
}

impl Reason {
    /// The label value used in metrics, events and status.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::WithinTolerance => "WithinTolerance",
            Reason::ScaleUp => "ScaleUp",
            Reason::ScaleDown => "ScaleDown",
            Reason::MetricsMissing => "MetricsMissing",
            Reason::Fallback => "Fallback",
            Reason::Stabilized => "Stabilized",
            Reason::RateLimited => "RateLimited",
            Reason::DirectionDisabled => "DirectionDisabled",
            Reason::AtMaxReplicas => "AtMaxReplicas",
            Reason::AtMinReplicas => "AtMinReplicas",
            Reason::DatabaseBudget => "DatabaseBudget",
            Reason::ScalingDisabled => "ScalingDisabled",
            Reason::NoReadyPods => "NoReadyPods",
        }
    }
}

/// What one metric asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricOutcome {
    pub name: String,
    pub value: Option<f64>,
    pub target: f64,
    /// Usage over target; `None` when the value is unknown.
    pub ratio: Option<f64>,
    /// Replicas this metric alone asks for; `None` when unknown.
    pub proposal: Option<u32>,
}

/// The outcome of one cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub current: u32,
    /// Replicas to run now.
    pub desired: u32,
    /// The raw recommendation before stabilisation and limits (what the history remembers).
    pub recommendation: u32,
    pub reason: Reason,
    pub message: String,
    pub metrics: Vec<MetricOutcome>,
    /// True when at least one metric was unknown this cycle.
    pub holding: bool,
}

impl Decision {
    /// True when the decision changes the replica count.
    pub fn changes(&self) -> bool {
        self.desired != self.current
    }
}

// `ceil` that forgives float noise: 2.0000000001 pods is 2 pods, not 3.
fn ceil_u32(x: f64) -> u32 {
    let c = (x - 1e-9).ceil();
    if c <= 0.0 {
        0
    } else if c >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        c as u32
    }
}

fn metric_outcome(
    config: &DecisionConfig,
    obs: &Observations,
    m: &MetricObservation,
) -> MetricOutcome {
    let ready = obs.ready_replicas;
    let mut out = MetricOutcome {
        name: m.name.clone(),
        value: m.value,
        target: m.target,
        ratio: None,
        proposal: None,
    };
    let Some(value) = m.value.filter(|v| v.is_finite() && *v >= 0.0) else {
        out.value = None;
        return out;
    };
    if ready == 0 || !m.target.is_finite() || m.target <= 0.0 {
        return out;
    }
    let per_pod = match m.kind {
        TargetKind::AverageValue => value / f64::from(ready),
        TargetKind::Value => value,
    };
    let ratio = per_pod / m.target;
    out.ratio = Some(ratio);
    let current = obs.current_replicas;
    out.proposal = Some(if (ratio - 1.0).abs() <= config.tolerance {
        current
    } else {
        let raw = ceil_u32(ratio * f64::from(ready));
        // With unready pods the raw count can point the other way from the ratio; like the HPA,
        // never let an overloaded metric ask for fewer pods, nor an idle one for more.
        if ratio > 1.0 {
            raw.max(current)
        } else {
            raw.min(current)
        }
    });
    out
}

fn limit_up(current: u32, rules: &DirectionRules, history: &History, now: i64) -> u32 {
    let mut limit: Option<u32> = None;
    for p in &rules.policies {
        let added = history.changes_since(now - i64::from(p.period_seconds), true);
        let start = (i64::from(current) - added).max(0) as f64;
        let proposed = match p.kind {
            RateKind::Pods => start + f64::from(p.value),
            RateKind::Percent => (start * (1.0 + f64::from(p.value) / 100.0) - 1e-9).ceil(),
        };
        let proposed = proposed.clamp(0.0, f64::from(u32::MAX)) as u32;
        limit = Some(match (limit, rules.select) {
            (None, _) => proposed,
            (Some(l), Select::Min) => l.min(proposed),
            (Some(l), _) => l.max(proposed),
        });
    }
    // With no policies there is no rate limit; a limit below current means "no more this period".
    limit.unwrap_or(u32::MAX).max(current)
}

fn limit_down(current: u32, rules: &DirectionRules, history: &History, now: i64) -> u32 {
    let mut limit: Option<u32> = None;
    for p in &rules.policies {
        let removed = history.changes_since(now - i64::from(p.period_seconds), false);
        let start = (i64::from(current) + removed) as f64;
        let proposed = match p.kind {
            RateKind::Pods => start - f64::from(p.value),
            // The HPA truncates here (int32 conversion), which rounds the pods removed up.
            RateKind::Percent => (start * (1.0 - f64::from(p.value) / 100.0) + 1e-9).floor(),
        };
        let proposed = proposed.clamp(0.0, f64::from(u32::MAX)) as u32;
        limit = Some(match (limit, rules.select) {
            (None, _) => proposed,
            (Some(l), Select::Min) => l.max(proposed),
            (Some(l), _) => l.min(proposed),
        });
    }
    limit.unwrap_or(0).min(current)
}

/// Decide how many replicas to run. Pure: the same inputs always give the same decision.
///
/// Order, as in the HPA: per-metric proposals (ratio over ready pods, tolerance), the maximum
/// over metrics, missing-data handling, stabilisation windows, rate limits, min/max; then the
/// database budget. Missing data can raise replicas (fallback) but never lower them; only
/// the min/max bounds and the database cap may pull replicas below the current count.
pub fn decide(config: &DecisionConfig, obs: &Observations, history: &History) -> Decision {
    let current = obs.current_replicas;
    let metrics: Vec<MetricOutcome> = obs
        .metrics
        .iter()
        .map(|m| metric_outcome(config, obs, m))
        .collect();
    let unknown = metrics.iter().filter(|m| m.proposal.is_none()).count();
    let holding = unknown > 0;
    let finish = |desired: u32, recommendation: u32, reason: Reason, message: String| Decision {
        current,
        desired,
        recommendation,
        reason,
        message,
        metrics: metrics.clone(),
        holding,
    };

    if current == 0 {
        return finish(
            0,
            0,
            Reason::ScalingDisabled,
            "the target has 0 replicas; autoscaling is off".into(),
        );
    }

    let known_max = metrics.iter().filter_map(|m| m.proposal).max();
    let mut reason;
    let mut message;
    let recommendation = if unknown == 0 {
        let r = known_max.unwrap_or(current);
        reason = match r.cmp(&current) {
            std::cmp::Ordering::Greater => Reason::ScaleUp,
            std::cmp::Ordering::Less => Reason::ScaleDown,
            std::cmp::Ordering::Equal => Reason::WithinTolerance,
        };
        message = match metrics
            .iter()
            .filter(|m| m.proposal == Some(r))
            .map(|m| m.name.as_str())
            .next()
        {
            Some(name) if r != current => format!("metric {name} asks for {r} replicas"),
            _ => "all metrics within tolerance of their targets".into(),
        };
        r
    } else {
        let names: Vec<&str> = metrics
            .iter()
            .filter(|m| m.proposal.is_none())
            .map(|m| m.name.as_str())
            .collect();
        let names = names.join(", ");
        let floor = match config.on_missing {
            MissingAction::Hold => current,
            MissingAction::Fallback(n) => current.max(n),
        };
        let r = known_max.map_or(floor, |k| k.max(floor));
        if obs.ready_replicas == 0 {
            reason = Reason::NoReadyPods;
            message = "no ready pods; holding".to_string();
        } else if known_max.is_some_and(|k| k > floor) {
            reason = Reason::ScaleUp;
            message = format!("scaling up on the metrics that are known; unknown: {names}");
        } else if r > current {
            reason = Reason::Fallback;
            message = format!("unknown metrics ({names}): going to fallback {r} replicas");
        } else {
            reason = Reason::MetricsMissing;
            message = format!("unknown metrics ({names}): holding, missing data never scales down");
        }
        r
    };

    // Stabilisation, exactly as the HPA: the lowest recommendation within the up window and the
    // highest within the down window bound the move from the current replicas.
    let up_cutoff = obs.now - i64::from(config.scale_up.stabilization_window_seconds);
    let down_cutoff = obs.now - i64::from(config.scale_down.stabilization_window_seconds);
    let mut up_rec = recommendation;
    let mut down_rec = recommendation;
    for &(t, r) in &history.recommendations {
        if t > up_cutoff {
            up_rec = up_rec.min(r);
        }
        if t > down_cutoff {
            down_rec = down_rec.max(r);
        }
    }
    let mut desired = current.max(up_rec).min(down_rec);
    if desired != recommendation && matches!(reason, Reason::ScaleUp | Reason::ScaleDown) {
        message = format!("{message}; held at {desired} by the stabilisation window");
        reason = Reason::Stabilized;
    }

    // Rate limits and bounds.
    let max = config.max_replicas;
    let min = config.min_replicas;
    if desired > current {
        if config.scale_up.select == Select::Disabled {
            desired = current;
            reason = Reason::DirectionDisabled;
            message = "scale-up is disabled by the policy".into();
        } else {
            let limit = limit_up(current, &config.scale_up, history, obs.now);
            if desired > limit {
                desired = limit;
                reason = Reason::RateLimited;
                message = format!("scale-up limited to {limit} replicas by the rate policy");
            }
        }
    } else if desired < current {
        if config.scale_down.select == Select::Disabled {
            desired = current;
            reason = Reason::DirectionDisabled;
            message = "scale-down is disabled by the policy".into();
        } else {
            let limit = limit_down(current, &config.scale_down, history, obs.now);
            if desired < limit {
                desired = limit;
                reason = Reason::RateLimited;
                message = format!("scale-down limited to {limit} replicas by the rate policy");
            }
        }
    }
    if desired > max {
        desired = max;
        reason = Reason::AtMaxReplicas;
        message = format!("clamped to maxReplicas {max}");
    }
    if desired < min {
        desired = min;
        reason = Reason::AtMinReplicas;
        message = format!("raised to minReplicas {min}");
    }
    if let Some(cap) = config.database_cap
        && desired > cap
    {
        desired = cap.max(1);
        reason = Reason::DatabaseBudget;
        message = format!("capped at {desired} replicas by the database connection budget");
    }
    finish(desired, recommendation, reason, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> DecisionConfig {
        DecisionConfig::plain_hpa(1, 100)
    }

    fn obs(now: i64, current: u32, value: Option<f64>, target: f64) -> Observations {
        Observations {
            now,
            current_replicas: current,
            ready_replicas: current,
            metrics: vec![MetricObservation {
                name: "m".into(),
                kind: TargetKind::Value,
                target,
                value,
            }],
        }
    }

    #[test]
    fn ceil_forgives_float_noise() {
        assert_eq!(ceil_u32(2.000_000_000_1), 2);
        assert_eq!(ceil_u32(2.1), 3);
        assert_eq!(ceil_u32(-1.0), 0);
    }

    #[test]
    fn doubling_the_value_doubles_the_replicas() {
        let d = decide(&cfg(), &obs(0, 3, Some(200.0), 100.0), &History::default());
        assert_eq!(d.desired, 6);
        assert_eq!(d.reason, Reason::ScaleUp);
    }

    #[test]
    fn history_is_pruned_to_the_longest_window() {
        let c = cfg();
        let mut h = History::default();
        for t in 0..1000 {
            let d = decide(&c, &obs(t * 15, 3, Some(100.0), 100.0), &h);
            h.record(&c, &d, t * 15, true);
        }
        assert!(h.len() <= 21, "kept {}", h.len());
    }
}
