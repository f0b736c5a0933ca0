//! The benchmark's claims as a test, so that a regression fails CI: with the prod overlay's
//! policy, on twelve seeds of every corpus family (not the benchmark's seeds), ours has no more
//! overload and no more churn than the plain HPA, costs at most 110 % of it, never scales down
//! while data is missing; where its decisions differ from the HPA's, it still wins when the
//! baseline's capacity moves 5 % either way; and the forecast lowers the overload of the
//! seasonal families.

use std::path::{Path, PathBuf};

use notejam_autoscaler::baseline::Baseline;
use notejam_autoscaler::corpus::Family;
use notejam_autoscaler::corpus::run::{dominance_failures, run_family};
use notejam_autoscaler::policy::ValidPolicy;
use notejam_autoscaler::simulate::{load_policy, read_baseline};

// Twelve seeds: on a noisy plateau ours and the HPA decide within 2 % of each other, and three
// seeds alone tipped either way when a target moved by 5 % (40 -> 42 connections per pod).
const SEEDS: std::ops::RangeInclusive<u64> = 101..=112;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn prod() -> (ValidPolicy, Baseline) {
    let policy = load_policy(&repo("k8s/overlays/prod/scaling-policy.yaml"))
        .unwrap()
        .validate()
        .unwrap();
    let baseline = read_baseline(&repo("k8s/overlays/prod/baseline.json")).unwrap();
    (policy, baseline)
}

/// Every dominance claim that fails with the prod policy and `baseline`, one line per family.
fn dominance_claims_failing(policy: &ValidPolicy, baseline: &Baseline) -> Vec<String> {
    let mut failures = Vec::new();
    for family in Family::ALL {
        let r = run_family(policy, Some(baseline), family, SEEDS).unwrap();
        let s = &r.scores;
        if let Some(why) = dominance_failures(&s.ours, &s.hpa, 1.10) {
            failures.push(format!("{}: {why}", family.name()));
        }
        if s.ours.scale_downs_in_outage > 0 {
            failures.push(format!(
                "{}: {} scale-downs while data was missing",
                family.name(),
                s.ours.scale_downs_in_outage
            ));
        }
        if family.has_outage() {
            // The test can fail: the KEDA-like scaler, reading missing as 0, does scale in.
            assert!(s.keda.scale_downs_in_outage > 0, "{}", family.name());
        }
    }
    failures
}

#[test]
fn ours_dominates_the_plain_hpa_on_every_family() {
    let (policy, baseline) = prod();
    let failures = dominance_claims_failing(&policy, &baseline);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Not one lucky target. Where ours decides differently from the HPA (panic mode on bursts, the
/// forecast on seasons), it must still have less overload when the measured capacity (which the
/// targets of both come from) moves 5 % either way, as the next load test's baseline may. On
/// the other families ours decides as the HPA does and the two tie; which lands a pod higher
/// inside the tolerance band then depends on the target (outage-one-source tipped 5 % against
/// ours at capacity x1.05), so those are held to cost and to never scaling down on missing data.
#[test]
fn where_ours_decides_differently_it_still_wins_when_the_baseline_moves_five_percent() {
    let (policy, baseline) = prod();
    let mut failures = Vec::new();
    for factor in [0.95, 1.05] {
        let moved = Baseline {
            capacity_connections_per_pod: baseline.capacity_connections_per_pod * factor,
            capacity_rps_per_pod: baseline.capacity_rps_per_pod * factor,
            ..baseline.clone()
        };
        for family in Family::ALL {
            let r = run_family(&policy, Some(&moved), family, SEEDS).unwrap();
            let (ours, hpa) = (&r.scores.ours, &r.scores.hpa);
            let winning = [
                Family::FlashCrowd,
                Family::Daily,
                Family::Weekly,
                Family::LongTailWeek,
            ];
            if winning.contains(&family) && ours.overload_pod_seconds >= hpa.overload_pod_seconds {
                failures.push(format!(
                    "x{factor} {}: overload {:.0}, not under the HPA's {:.0}",
                    family.name(),
                    ours.overload_pod_seconds,
                    hpa.overload_pod_seconds
                ));
            }
            if ours.pod_hours > 1.10 * hpa.pod_hours || ours.scale_downs_in_outage > 0 {
                failures.push(format!("x{factor} {}: {ours:?} vs {hpa:?}", family.name()));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_forecast_lowers_overload_on_the_seasonal_families() {
    let (policy, baseline) = prod();
    let mut without = policy.clone();
    for m in &mut without.metrics {
        m.forecast = None;
    }
    for family in [Family::Daily, Family::Weekly] {
        let with = run_family(&policy, Some(&baseline), family, SEEDS).unwrap();
        let none = run_family(&without, Some(&baseline), family, SEEDS).unwrap();
        let (a, b) = (&with.scores.ours, &none.scores.ours);
        assert!(
            a.overload_pod_seconds < b.overload_pod_seconds * 0.98,
            "{}: {:.0} with the forecast, {:.0} without",
            family.name(),
            a.overload_pod_seconds,
            b.overload_pod_seconds
        );
        assert!(
            a.samples_over_target < b.samples_over_target,
            "{}",
            family.name()
        );
    }
}
