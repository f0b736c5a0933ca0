//! Validation: a `ScalingPolicySpec` becomes a [`ValidPolicy`] (the numbers the decision needs),
//! or the list of every problem found. Parse, don't validate: past here nothing is re-checked.

use std::collections::BTreeSet;

use super::checks::{duration_seconds, metric_problems, rules};
use super::{MetricSpec, MissingActionSpec, OnMissing, ScalingPolicySpec, default_stale_after};
use crate::decision::{DecisionConfig, DirectionRules, MissingAction, PanicRules};

/// A policy that passed validation: trusted from here on.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidPolicy {
    pub decision: DecisionConfig,
    /// Every metric, scaling ones and guards, in the policy's order.
    pub metrics: Vec<MetricSpec>,
    pub stale_after_seconds: u32,
    pub interval_seconds: u32,
    /// Seconds from asking for a pod to it serving.
    pub startup_seconds: u32,
}

impl ValidPolicy {
    /// How far ahead `m`'s forecast looks: its own horizon, else the longer of start-up plus
    /// one interval (the least that has pods serving in time) and the scale-down window (a pod
    /// added is kept that long anyway, so looking less far ahead saves nothing).
    pub fn forecast_horizon(&self, m: &MetricSpec) -> u32 {
        m.forecast
            .as_ref()
            .and_then(|f| f.horizon_seconds)
            .unwrap_or_else(|| {
                (self.startup_seconds + self.interval_seconds)
                    .max(self.decision.scale_down.stabilization_window_seconds)
            })
    }
}

impl ScalingPolicySpec {
    /// Check everything that can be checked without I/O; every problem is listed, not just the first.
    pub fn validate(&self) -> Result<ValidPolicy, Vec<String>> {
        let mut problems = Vec::new();
        if self.target_ref.name.trim().is_empty() {
            problems.push("targetRef.name is empty".to_string());
        }
        if self.min_replicas == 0 {
            problems.push("minReplicas must be at least 1".into());
        }
        if self.min_replicas > self.max_replicas {
            problems.push(format!(
                "minReplicas ({}) is above maxReplicas ({})",
                self.min_replicas, self.max_replicas
            ));
        }
        if self.interval_seconds == 0 {
            problems.push("intervalSeconds must be at least 1".into());
        }
        if self.startup_seconds > 3600 {
            problems.push("startupSeconds must be at most 3600".into());
        }
        if !(0.0..1.0).contains(&self.tolerance) {
            problems.push(format!(
                "tolerance must be in [0, 1), got {}",
                self.tolerance
            ));
        }
        if self.metrics.is_empty() {
            problems.push("metrics is empty: nothing to scale on".into());
        } else if self.metrics.iter().all(MetricSpec::is_guard) {
            problems.push("every metric is a guard: nothing to scale on".into());
        }
        let mut names = BTreeSet::new();
        for m in &self.metrics {
            let n = &m.name;
            if n.trim().is_empty() {
                problems.push("a metric has an empty name".into());
            } else if !names.insert(n.clone()) {
                problems.push(format!("metric name {n} is used twice"));
            }
            metric_problems(self, m, &mut problems);
        }
        let behavior = self.behavior.clone().unwrap_or_default();
        let scale_up = rules(
            behavior.scale_up.as_ref(),
            DirectionRules::hpa_default_up(),
            "scaleUp",
            &mut problems,
        );
        let scale_down = rules(
            behavior.scale_down.as_ref(),
            DirectionRules::hpa_default_down(),
            "scaleDown",
            &mut problems,
        );
        let panic = match &behavior.panic {
            None => Some(PanicRules::default()),
            Some(p) if !p.enabled => None,
            Some(p) => {
                if !(p.threshold > 1.0 && p.threshold.is_finite()) {
                    problems.push(format!(
                        "behavior.panic.threshold must be above 1, got {}",
                        p.threshold
                    ));
                }
                if p.stable_window_seconds > 3600 {
                    problems.push("behavior.panic.stableWindowSeconds must be at most 3600".into());
                }
                Some(PanicRules {
                    threshold: p.threshold,
                    stable_window_seconds: p.stable_window_seconds,
                })
            }
        };
        let on_missing = self.on_missing.clone().unwrap_or(OnMissing {
            action: MissingActionSpec::Hold,
            fallback_replicas: None,
            stale_after_seconds: default_stale_after(),
        });
        let missing = match (on_missing.action, on_missing.fallback_replicas) {
            (MissingActionSpec::Hold, _) => MissingAction::Hold,
            (MissingActionSpec::Fallback, Some(n)) => {
                if n < self.min_replicas || n > self.max_replicas {
                    problems.push(format!(
                        "onMissing.fallbackReplicas ({n}) is outside minReplicas..maxReplicas"
                    ));
                }
                MissingAction::Fallback(n)
            }
            (MissingActionSpec::Fallback, None) => {
                problems.push("onMissing.action Fallback needs fallbackReplicas".into());
                MissingAction::Hold
            }
        };
        let database_cap = match &self.database_budget {
            None => None,
            Some(b) => match b.cap() {
                None => {
                    problems.push("databaseBudget.poolSizePerPod must be greater than 0".into());
                    None
                }
                Some(cap) => {
                    if cap < self.min_replicas {
                        problems.push(format!(
                            "databaseBudget allows {cap} replicas ({} connections less {} reserved, {} per pod), below minReplicas {}",
                            b.max_connections, b.reserved_connections, b.pool_size_per_pod, self.min_replicas
                        ));
                    }
                    Some(cap)
                }
            },
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let valid = ValidPolicy {
            decision: DecisionConfig {
                min_replicas: self.min_replicas,
                max_replicas: self.max_replicas,
                tolerance: self.tolerance,
                scale_up,
                scale_down,
                on_missing: missing,
                database_cap,
                panic,
                hpa_replica_math: false,
            },
            metrics: self.metrics.clone(),
            stale_after_seconds: on_missing.stale_after_seconds,
            interval_seconds: self.interval_seconds,
            startup_seconds: self.startup_seconds,
        };
        // The seasons are checked against the horizon, which needs the rules above.
        for m in &valid.metrics {
            let Some(f) = &m.forecast else { continue };
            let horizon = u64::from(valid.forecast_horizon(m));
            for s in &f.seasons {
                if duration_seconds(s).is_some_and(|secs| secs <= horizon) {
                    problems.push(format!(
                        "metric {}: forecast season {s} must be longer than the horizon ({horizon} s)",
                        m.name
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(valid)
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::checks::{duration_ok, duration_seconds, promql_problem};

    #[test]
    fn promql_check_catches_unbalanced_queries() {
        assert_eq!(promql_problem("sum(rate(x[5m]))"), None);
        assert_eq!(
            promql_problem(r#"sum(x{a="("}"#),
            Some("has an unclosed '('".into())
        );
        assert!(promql_problem("sum(x))").is_some());
        assert!(promql_problem("  ").is_some());
        assert!(promql_problem(r#"x{a="b}"#).is_some());
    }

    #[test]
    fn durations() {
        assert!(duration_ok("7d"));
        assert!(duration_ok("1h30m"));
        assert!(!duration_ok("7"));
        assert!(!duration_ok("d"));
        assert!(!duration_ok(""));
    }

    #[test]
    fn duration_seconds_adds_the_parts() {
        assert_eq!(duration_seconds("1d"), Some(86_400));
        assert_eq!(duration_seconds("1h30m"), Some(5400));
        assert_eq!(duration_seconds("7"), None);
    }
}
