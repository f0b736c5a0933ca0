//! What happened before a decision: recommendations (for the stabilisation windows), applied
//! changes (for the rate limits) and the panic-mode state, kept in memory per policy as the HPA
//! and Knative keep theirs.

use std::collections::VecDeque;

use serde::Serialize;

use super::{Decision, DecisionConfig};

/// What happened before: raw recommendations and applied scale changes, newest last.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct History {
    recommendations: VecDeque<(i64, u32)>,
    scale_events: VecDeque<(i64, i64)>,
    /// The last time a metric crossed the panic threshold, while panic mode lasts.
    panic_last_over: Option<i64>,
    /// The most replicas asked for in the current panic (Knative's `maxPanicPods`).
    panic_max: u32,
}

impl History {
    /// Remember this cycle's recommendation (already raised to the forecast floor, so the down
    /// window remembers a predicted peak too) and, if it was applied, the change it made.
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
        if decision.panic.active {
            if decision.panic.over_threshold {
                self.panic_last_over = Some(now);
            }
            self.panic_max = self.panic_max.max(decision.desired);
        } else {
            self.panic_last_over = None;
            self.panic_max = 0;
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

    pub(crate) fn recommendations(&self) -> impl Iterator<Item = &(i64, u32)> {
        self.recommendations.iter()
    }

    /// Panic mode carried over from earlier cycles: the last crossing and the most pods asked.
    pub(crate) fn panic(&self) -> Option<(i64, u32)> {
        self.panic_last_over.map(|t| (t, self.panic_max))
    }

    pub(crate) fn changes_since(&self, cutoff: i64, up: bool) -> i64 {
        self.scale_events
            .iter()
            .filter(|(t, _)| *t > cutoff)
            .map(|(_, d)| *d)
            .filter(|d| if up { *d > 0 } else { *d < 0 })
            .map(i64::abs)
            .sum()
    }
}
