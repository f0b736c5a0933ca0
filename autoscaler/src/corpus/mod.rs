//! A seeded corpus of traces, one generator per family of day the autoscaler must handle (spikes,
//! flash crowds, ramps, daily and weekly cycles, outages, noise, a long-tail week), for the
//! benchmark (`autoscaler/bench/`) and the dominance tests. Same family and seed, same trace.
//!
//! Traces carry the prod policy's metric names: `open-connections` (the load), `request-rate`
//! (about 1.2 requests/s per open connection) and `rds-cpu` (the database, sized so that even
//! a 10x spike stays below its guard's limit). Outages hide values but keep the true load in
//! `demand:` entries, so the score knows what the autoscalers could not see.

pub mod run;
mod shapes;

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::simulate::{Sample, Trace};

/// The example traces shipped in `examples/traces/` (made for `examples/policy.yaml`).
pub const EXAMPLE_TRACES: [&str; 6] = [
    "steady-day.csv",
    "daily-cycle.csv",
    "spike-4x.csv",
    "metrics-outage.csv",
    "noisy-flapping.csv",
    "short.json",
];

/// The connections metric of the corpus.
pub const CONNECTIONS: &str = "open-connections";
/// The request-rate metric of the corpus.
pub const REQUEST_RATE: &str = "request-rate";
/// The database CPU of the corpus (a guard in the prod policy).
pub const DATABASE_CPU: &str = "rds-cpu";

/// A family of traces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// 2 h: a 2x-10x spike of 10-30 min with noise.
    Spike,
    /// 1 h: a 5x-10x crowd for 30-120 s.
    FlashCrowd,
    /// 3 h: a ramp to 3x-5x over 30-90 min, a plateau, and back.
    SlowRamp,
    /// 9 days of a daily cycle (4x-6x at the peak, each day +-5 %), 1-minute samples.
    Daily,
    /// 15 days of daily cycles with quiet weekends, 1-minute samples.
    Weekly,
    /// 2 h: a 3x-6x spike during which the connections metric is missing for 10-20 min.
    OutageOneSource,
    /// As `OutageOneSource`, but Prometheus is gone: both of its metrics missing.
    OutageBothSources,
    /// 3 h at one level with +-30 % swings every few minutes and noise.
    NoisyPlateau,
    /// 7 days of daily cycles with bursts of Pareto-distributed size, 1-minute samples.
    LongTailWeek,
}

impl Family {
    /// Every family, in table order.
    pub const ALL: [Family; 9] = [
        Family::Spike,
        Family::FlashCrowd,
        Family::SlowRamp,
        Family::Daily,
        Family::Weekly,
        Family::OutageOneSource,
        Family::OutageBothSources,
        Family::NoisyPlateau,
        Family::LongTailWeek,
    ];

    /// The family's name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Family::Spike => "spike",
            Family::FlashCrowd => "flash-crowd",
            Family::SlowRamp => "slow-ramp",
            Family::Daily => "daily",
            Family::Weekly => "weekly",
            Family::OutageOneSource => "outage-one-source",
            Family::OutageBothSources => "outage-both-sources",
            Family::NoisyPlateau => "noisy-plateau",
            Family::LongTailWeek => "long-tail-week",
        }
    }

    /// The family called `name` (as in tables).
    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == name)
    }

    /// True for the families with an outage (no scale-down is allowed while data is missing).
    pub fn has_outage(self) -> bool {
        matches!(self, Family::OutageOneSource | Family::OutageBothSources)
    }
}

/// The load of one sample, before it is turned into metrics.
pub(crate) struct Point {
    pub time: i64,
    pub connections: f64,
    /// Which Prometheus metrics are hidden (an outage): connections, request rate.
    pub hidden: (bool, bool),
}

/// The trace of `family` for `seed`.
pub fn generate(family: Family, seed: u64) -> Trace {
    // One stream per (family, seed): changing one family never changes another's traces.
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ ((family as u64 + 1) << 32));
    let points = shapes::points(family, &mut rng);
    Trace {
        samples: to_samples(points, &mut rng),
        startup_seconds: None,
    }
}

/// Turn loads into the three metrics, with measurement noise on each.
fn to_samples(points: Vec<Point>, rng: &mut ChaCha8Rng) -> Vec<Sample> {
    let noise = Normal::new(0.0, 0.03).expect("a valid normal");
    points
        .into_iter()
        .map(|p| {
            let conns = (p.connections * (1.0 + noise.sample(rng))).max(0.0);
            let rps = (conns * 1.2 * (1.0 + noise.sample(rng))).max(0.0);
            let cpu = (10.0 + 0.012 * rps + rng.random_range(-1.0..1.0)).clamp(0.0, 100.0);
            let round = |v: f64| (v * 10.0).round() / 10.0;
            let mut metrics = BTreeMap::new();
            let mut demand = BTreeMap::new();
            metrics.insert(
                CONNECTIONS.to_string(),
                (!p.hidden.0).then_some(round(conns)),
            );
            metrics.insert(
                REQUEST_RATE.to_string(),
                (!p.hidden.1).then_some(round(rps)),
            );
            metrics.insert(DATABASE_CPU.to_string(), Some(round(cpu)));
            if p.hidden.0 {
                demand.insert(CONNECTIONS.to_string(), round(conns));
            }
            if p.hidden.1 {
                demand.insert(REQUEST_RATE.to_string(), round(rps));
            }
            Sample {
                time: p.time,
                replicas: None,
                metrics,
                demand,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_trace_and_another_seed_another() {
        for f in Family::ALL {
            let a = generate(f, 7);
            assert_eq!(a, generate(f, 7), "{}", f.name());
            assert_ne!(a, generate(f, 8), "{}", f.name());
            assert!(a.samples.len() > 100, "{}", f.name());
            assert!(a.samples.windows(2).all(|w| w[0].time < w[1].time));
        }
    }

    #[test]
    fn outages_hide_the_metric_but_keep_the_true_load() {
        let t = generate(Family::OutageBothSources, 1);
        let hidden: Vec<&Sample> = t
            .samples
            .iter()
            .filter(|s| s.metrics[CONNECTIONS].is_none())
            .collect();
        assert!(hidden.len() >= 40, "10-20 min at 15 s");
        assert!(hidden.iter().all(|s| s.metrics[REQUEST_RATE].is_none()));
        assert!(hidden.iter().all(|s| s.demand.contains_key(CONNECTIONS)));
        let one = generate(Family::OutageOneSource, 1);
        assert!(
            one.samples
                .iter()
                .all(|s| s.metrics[REQUEST_RATE].is_some())
        );
    }
}
