//! The score of one autoscaler over a replay (README, "Scores"): overload, cost and churn, plus
//! the scale-downs it made while data was missing.

use serde::{Deserialize, Serialize};

use super::world::Deployment;
use crate::decision::Decision;

/// A direction change counts as churn when it comes this soon after the previous scale event.
pub const CHURN_WINDOW_SECONDS: i64 = 600;

/// Totals over a replay, for one autoscaler.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Score {
    /// Demand above ready capacity: the integral of (demand in pods − ready pods)+, in pod-seconds.
    /// A pod's capacity is the policy's target (the same yardstick for every autoscaler).
    pub overload_pod_seconds: f64,
    /// Samples where the demand per ready pod was over target by more than the tolerance.
    pub samples_over_target: u32,
    /// Every pod asked for, starting or serving, in pod-hours.
    pub pod_hours: f64,
    /// Decisions that changed the replica count.
    pub scale_events: u32,
    /// Scale events that reversed the previous one within 10 minutes.
    pub direction_changes: u32,
    /// Scale-downs decided while a scaling metric was missing.
    pub scale_downs_in_outage: u32,
    pub min_replicas: u32,
    pub max_replicas: u32,
}

impl Score {
    /// Churn: scale events plus quick direction changes.
    pub fn churn(&self) -> u32 {
        self.scale_events + self.direction_changes
    }
}

/// Accumulates a [`Score`] step by step.
#[derive(Clone, Debug)]
pub struct Scorer {
    score: Score,
    tolerance: f64,
    last_event: Option<(i64, bool)>,
}

impl Scorer {
    /// Scoring starts with `replicas` running; `tolerance` is the policy's.
    pub fn new(replicas: u32, tolerance: f64) -> Self {
        Self {
            score: Score {
                min_replicas: replicas,
                max_replicas: replicas,
                ..Score::default()
            },
            tolerance,
            last_event: None,
        }
    }

    /// Count one decision made at `now` while a scaling metric was missing (`outage`) or not.
    pub fn decision(&mut self, d: &Decision, now: i64, outage: bool) {
        let s = &mut self.score;
        s.min_replicas = s.min_replicas.min(d.desired);
        s.max_replicas = s.max_replicas.max(d.desired);
        if !d.changes() {
            return;
        }
        s.scale_events += 1;
        let up = d.desired > d.current;
        if outage && !up {
            s.scale_downs_in_outage += 1;
        }
        if let Some((t, was_up)) = self.last_event
            && was_up != up
            && now - t <= CHURN_WINDOW_SECONDS
        {
            s.direction_changes += 1;
        }
        self.last_event = Some((now, up));
    }

    /// Count the interval `[from, to)` during which `demand` (in pods) met `deployment`.
    pub fn interval(&mut self, deployment: &Deployment, demand: Option<f64>, from: i64, to: i64) {
        let s = &mut self.score;
        if let Some(d) = demand
            && d > f64::from(deployment.ready(from)) * (1.0 + self.tolerance)
        {
            s.samples_over_target += 1;
        }
        if to <= from {
            return;
        }
        s.pod_hours += f64::from(deployment.current()) * (to - from) as f64 / 3600.0;
        if let Some(d) = demand {
            for (secs, ready) in deployment.ready_pieces(from, to) {
                s.overload_pod_seconds += (d - f64::from(ready)).max(0.0) * secs as f64;
            }
        }
    }

    /// The totals so far.
    pub fn score(&self) -> &Score {
        &self.score
    }
}

impl Score {
    /// Add another run's totals to these (the corpus sums its seeds).
    pub fn add(&mut self, other: &Score) {
        self.overload_pod_seconds += other.overload_pod_seconds;
        self.samples_over_target += other.samples_over_target;
        self.pod_hours += other.pod_hours;
        self.scale_events += other.scale_events;
        self.direction_changes += other.direction_changes;
        self.scale_downs_in_outage += other.scale_downs_in_outage;
        self.min_replicas = self.min_replicas.min(other.min_replicas);
        self.max_replicas = self.max_replicas.max(other.max_replicas);
    }
}
