//! The knee rule (see the [module documentation](super)): which step is normal, which is
//! capacity, and where the knee is.

use anyhow::{Result, bail};

use super::Step;
use crate::baseline_settings::{BaselineSettings, Slo};

/// Tunables of the knee rule.
#[derive(Clone, Copy, Debug)]
pub struct KneeRule {
    pub slo: Slo,
    /// Least relative growth of requests/s that still counts as growing (0.05 = 5 %).
    pub plateau: f64,
    /// The normal step carries at most this share of capacity's requests/s.
    pub normal_fraction: f64,
}

/// What the rule found: indexes into the steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Findings {
    pub normal: usize,
    pub capacity: usize,
    pub knee: Option<usize>,
}

impl KneeRule {
    /// The rule that `settings` describe.
    pub fn of(settings: &BaselineSettings) -> Self {
        KneeRule {
            slo: settings.slo,
            plateau: settings.plateau,
            normal_fraction: settings.normal_fraction,
        }
    }

    /// Within the SLO: p95 and error rate at most the SLO's.
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
    use crate::baseline::StepLatency;

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
