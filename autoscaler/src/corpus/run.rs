//! Running a policy over a family's seeds: the summed scores of ours, the plain HPA and the
//! KEDA-like scaler, as the benchmark prints them and the dominance tests check them.

use super::{Family, generate};
use crate::baseline::Baseline;
use crate::policy::ValidPolicy;
use crate::simulate::{ReplayOptions, Score, Scores, SimulateError, replay_scores};

/// The summed scores of one family over its seeds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FamilyScores {
    pub family: Option<Family>,
    pub seeds: u32,
    pub scores: Scores,
}

fn add(total: &mut Scores, run: &Scores, first: bool) {
    if first {
        *total = run.clone();
        return;
    }
    total.ours.add(&run.ours);
    total.hpa.add(&run.hpa);
    total.keda.add(&run.keda);
}

/// Replay every seed of `family` through `policy` (targets from `baseline`).
pub fn run_family(
    policy: &ValidPolicy,
    baseline: Option<&Baseline>,
    family: Family,
    seeds: impl IntoIterator<Item = u64>,
) -> Result<FamilyScores, SimulateError> {
    let mut out = FamilyScores {
        family: Some(family),
        ..FamilyScores::default()
    };
    for seed in seeds {
        let trace = generate(family, seed);
        let run = replay_scores(policy, baseline, &trace.samples, ReplayOptions::default())?;
        add(&mut out.scores, &run, out.seeds == 0);
        out.seeds += 1;
    }
    Ok(out)
}

/// How `ours` compares with `than` on the dominance claims: overload (pod-seconds) no more,
/// churn no more, cost within `cost_ratio`; `None` when every claim holds, else what failed.
pub fn dominance_failures(ours: &Score, than: &Score, cost_ratio: f64) -> Option<String> {
    let mut failed = Vec::new();
    // A pod-second of slack: float sums of the same integrals.
    if ours.overload_pod_seconds > than.overload_pod_seconds + 1.0 {
        failed.push(format!(
            "overload {:.0} > {:.0} pod-s",
            ours.overload_pod_seconds, than.overload_pod_seconds
        ));
    }
    if ours.churn() > than.churn() {
        failed.push(format!("churn {} > {}", ours.churn(), than.churn()));
    }
    if ours.pod_hours > than.pod_hours * cost_ratio {
        failed.push(format!(
            "cost {:.1} > {:.0} % of {:.1} pod-h",
            ours.pod_hours,
            cost_ratio * 100.0,
            than.pod_hours
        ));
    }
    (!failed.is_empty()).then(|| failed.join(", "))
}
