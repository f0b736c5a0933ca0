//! The behaviour rules of one direction (the HPA's `HPAScalingRules`: stabilisation window,
//! Pods/Percent rate limits, `selectPolicy`), the rate limits they impose, and panic mode.

use serde::Serialize;

use super::history::History;

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

    pub(crate) fn longest_period(&self) -> u32 {
        self.policies
            .iter()
            .map(|p| p.period_seconds)
            .max()
            .unwrap_or(0)
    }
}

/// Knative's panic mode: when a metric asks for `threshold` times the ready pods or more, scale
/// up to what it asks at once (no up window, no rate limit) and never down, until no metric
/// has crossed the threshold for `stable_window_seconds`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PanicRules {
    /// Proposal over ready pods that starts panic mode (Knative: 2.0).
    pub threshold: f64,
    /// Seconds below the threshold before panic mode ends (Knative's stable window: 60 s).
    pub stable_window_seconds: u32,
}

impl Default for PanicRules {
    fn default() -> Self {
        Self {
            threshold: 2.0,
            stable_window_seconds: 60,
        }
    }
}

/// The most replicas the scale-up rate policies allow now, counting the pods already added
/// within each policy's period.
pub(crate) fn limit_up(current: u32, rules: &DirectionRules, history: &History, now: i64) -> u32 {
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

/// The fewest replicas the scale-down rate policies allow now.
pub(crate) fn limit_down(current: u32, rules: &DirectionRules, history: &History, now: i64) -> u32 {
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
