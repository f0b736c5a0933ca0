//! Table tests against the examples in the Kubernetes HPA documentation
//! (algorithm details, and "configurable scaling behavior").

use notejam_autoscaler::decision::{
    Decision, DecisionConfig, DirectionRules, History, MetricObservation, MissingAction,
    Observations, RateKind, RatePolicy, Reason, Select, TargetKind, decide,
};

use TargetKind::{AverageValue, Value};

fn obs(now: i64, current: u32, kind: TargetKind, value: Option<f64>, target: f64) -> Observations {
    let metric = MetricObservation::new("m", kind, target, value);
    Observations::all_ready(now, current, vec![metric])
}

/// `current` ready replicas and `Value` metrics with a target of 100, one per `(name, value)`.
fn value_metrics(current: u32, values: &[(&str, Option<f64>)]) -> Observations {
    let metrics = values
        .iter()
        .map(|&(name, value)| MetricObservation::new(name, Value, 100.0, value))
        .collect();
    Observations::all_ready(0, current, metrics)
}

/// The plain HPA between 1 and 100 replicas.
fn hpa() -> DecisionConfig {
    DecisionConfig::plain_hpa(1, 100)
}

/// The first decision (no history) at `current` replicas on one metric.
fn once(
    cfg: &DecisionConfig,
    current: u32,
    kind: TargetKind,
    value: Option<f64>,
    target: f64,
) -> Decision {
    decide(
        cfg,
        &obs(0, current, kind, value, target),
        &History::default(),
    )
}

/// No stabilisation window, `select` over rate policies of `(kind, value, period_seconds)`.
fn rules(select: Select, policies: &[(RateKind, u32, u32)]) -> DirectionRules {
    DirectionRules {
        stabilization_window_seconds: 0,
        select,
        policies: policies
            .iter()
            .map(|&(kind, value, period_seconds)| RatePolicy {
                kind,
                value,
                period_seconds,
            })
            .collect(),
    }
}

/// Pods 4 / 60 s and Percent 10 / 60 s, the docs' scale-down example.
const FOUR_PODS_OR_TEN_PERCENT: [(RateKind, u32, u32); 2] =
    [(RateKind::Pods, 4, 60), (RateKind::Percent, 10, 60)];

/// Run a controller loop: the replicas follow each decision; returns the replica counts.
fn run(
    cfg: &DecisionConfig,
    start: u32,
    steps: &[(i64, f64)],
    kind: TargetKind,
    target: f64,
) -> Vec<u32> {
    let mut h = History::default();
    let mut replicas = start;
    let mut out = Vec::new();
    for &(t, v) in steps {
        let d = decide(cfg, &obs(t, replicas, kind, Some(v), target), &h);
        h.record(cfg, &d, t, true);
        replicas = d.desired;
        out.push(replicas);
    }
    out
}

/// `n` steps `every` seconds apart, all at `value`.
fn steady(n: i64, every: i64, value: f64) -> Vec<(i64, f64)> {
    (0..n).map(|i| (i * every, value)).collect()
}

#[test]
fn value_twice_the_target_doubles_replicas() {
    // "if the current metric value is 200m, and the desired value is 100m, the number of replicas will be doubled"
    let d = once(&hpa(), 4, Value, Some(200.0), 100.0);
    assert_eq!((d.desired, d.reason), (8, Reason::ScaleUp));
}

#[test]
fn value_half_the_target_halves_replicas() {
    // "If the current value is instead 50m, you'll halve the number of replicas"
    let d = once(&hpa(), 8, Value, Some(50.0), 100.0);
    assert_eq!((d.desired, d.reason), (4, Reason::ScaleDown));
}

#[test]
fn ratio_within_tolerance_skips_scaling() {
    // "The control plane skips any scaling action if the ratio is sufficiently close to 1.0 (tolerance 0.1)"
    let cfg = hpa();
    for v in [91.0, 100.0, 109.0] {
        let d = once(&cfg, 5, Value, Some(v), 100.0);
        let want = (5, Reason::WithinTolerance);
        assert_eq!((d.desired, d.reason), want, "value {v}");
    }
    assert_eq!(once(&cfg, 5, Value, Some(111.0), 100.0).desired, 6);
}

#[test]
fn average_value_divides_the_total_over_ready_pods() {
    // 300 connections over 3 ready pods with a 50-per-pod target: 6 pods.
    let d = once(&hpa(), 3, AverageValue, Some(300.0), 50.0);
    assert_eq!(d.desired, 6);
}

#[test]
fn maximum_over_metrics_wins() {
    let o = value_metrics(4, &[("low", Some(50.0)), ("high", Some(300.0))]);
    let d = decide(&hpa(), &o, &History::default());
    assert_eq!(d.recommendation, 12);
    // The default scale-up limit (double or +4 per 15 s) then allows 8 at once.
    assert_eq!((d.desired, d.reason), (8, Reason::RateLimited));
}

#[test]
fn default_scale_up_doubles_or_adds_four_every_15s() {
    // Default scale-up: "double or add 4 pods, whichever is more, every 15 seconds".
    let cfg = hpa();
    let r = run(&cfg, 1, &steady(4, 15, 10_000.0), AverageValue, 10.0);
    assert_eq!(r, vec![5, 10, 20, 40]);
}

#[test]
fn default_scale_down_waits_for_the_300s_window() {
    let cfg = hpa();
    let mut steps = vec![(0, 1000.0)];
    steps.extend((1..=22).map(|i| (i * 15, 100.0)));
    let r = run(&cfg, 10, &steps, AverageValue, 100.0);
    assert_eq!(r[0], 10);
    // 300 s after the last high recommendation (t=0) the window lets go, at t=300 the cutoff excludes t=0.
    assert!(r[1..20].iter().all(|&x| x == 10), "{r:?}");
    assert_eq!(*r.last().unwrap(), 1);
}

#[test]
fn percent_and_pods_policies_on_scale_down_follow_the_docs_example() {
    // behavior.scaleDown: Pods 4 / 60s and Percent 10 / 60s, selectPolicy Max, no window.
    // "when there are 80 replicas and the target has to be scaled down to 10 replicas then during the
    //  first step 8 replicas will be reduced. In the next iteration when the number of replicas is 72,
    //  10% of the pods is 7.2 but the number is rounded up to 8."
    let cfg = DecisionConfig {
        scale_down: rules(Select::Max, &FOUR_PODS_OR_TEN_PERCENT),
        ..hpa()
    };
    let r = run(&cfg, 80, &steady(14, 61, 100.0), AverageValue, 10.0);
    assert_eq!(&r[..3], &[72, 64, 57]);
    // Below 40 replicas the Pods policy (4) allows more than 10%.
    let i = r.iter().position(|&x| x < 40).unwrap();
    assert_eq!(r[i + 1], r[i] - 4, "{r:?}");
    // And within one period no more than one step is taken.
    let mut h = History::default();
    let d = decide(&cfg, &obs(0, 80, AverageValue, Some(100.0), 10.0), &h);
    h.record(&cfg, &d, 0, true);
    let d = decide(&cfg, &obs(15, 72, AverageValue, Some(100.0), 10.0), &h);
    assert_eq!((d.desired, d.reason), (72, Reason::RateLimited));
}

#[test]
fn select_policy_min_takes_the_smaller_change() {
    let cfg = DecisionConfig {
        scale_down: rules(Select::Min, &FOUR_PODS_OR_TEN_PERCENT),
        ..hpa()
    };
    let r = run(&cfg, 80, &[(0, 100.0)], AverageValue, 10.0);
    assert_eq!(r, vec![76]);
}

#[test]
fn disabled_scale_down_never_scales_down() {
    // "selectPolicy: Disabled" for scaleDown.
    let cfg = DecisionConfig {
        scale_down: rules(Select::Disabled, &[]),
        ..hpa()
    };
    let d = once(&cfg, 10, Value, Some(1.0), 100.0);
    assert_eq!((d.desired, d.reason), (10, Reason::DirectionDisabled));
}

#[test]
fn scale_up_limited_to_pods_per_minute() {
    // "scale up at most 4 pods per minute" with a 60 s Pods policy.
    let cfg = DecisionConfig {
        scale_up: rules(Select::Max, &[(RateKind::Pods, 4, 60)]),
        ..hpa()
    };
    let r = run(&cfg, 2, &steady(5, 15, 10_000.0), AverageValue, 10.0);
    assert_eq!(r, vec![6, 6, 6, 6, 10]);
}

#[test]
fn min_and_max_clamp() {
    let cfg = DecisionConfig::plain_hpa(3, 6);
    let d = once(&cfg, 4, Value, Some(1000.0), 10.0);
    assert_eq!((d.desired, d.reason), (6, Reason::AtMaxReplicas));
    let d = once(&cfg, 4, Value, Some(0.0), 10.0);
    assert_eq!((d.desired, d.reason), (3, Reason::AtMinReplicas));
}

#[test]
fn missing_metric_holds_and_fallback_raises() {
    let cfg = DecisionConfig::plain_hpa(1, 20);
    let d = once(&cfg, 8, Value, None, 10.0);
    let want = (8, Reason::MetricsMissing, true);
    assert_eq!((d.desired, d.reason, d.holding), want);
    let cfg = DecisionConfig {
        on_missing: MissingAction::Fallback(12),
        ..cfg
    };
    let d = once(&cfg, 8, Value, None, 10.0);
    assert_eq!((d.desired, d.reason), (12, Reason::Fallback));
    // A fallback below the current count does not scale down.
    assert_eq!(once(&cfg, 15, Value, None, 10.0).desired, 15);
}

#[test]
fn one_missing_metric_still_lets_another_scale_up() {
    let values = [("gone", None), ("hot", Some(200.0)), ("cold", Some(10.0))];
    let o = value_metrics(4, &values);
    let d = decide(&hpa(), &o, &History::default());
    assert_eq!((d.desired, d.reason), (8, Reason::ScaleUp));
}

#[test]
fn database_budget_caps_replicas() {
    // 400 connections, 20 reserved, 25 per pod: at most 15 replicas.
    let cfg = DecisionConfig {
        database_cap: Some(15),
        ..DecisionConfig::plain_hpa(1, 50)
    };
    let d = once(&cfg, 10, Value, Some(1000.0), 100.0);
    assert_eq!((d.desired, d.reason), (15, Reason::DatabaseBudget));
}

#[test]
fn zero_replicas_means_autoscaling_is_off() {
    let cfg = DecisionConfig::plain_hpa(1, 10);
    let d = once(&cfg, 0, Value, Some(1000.0), 1.0);
    assert_eq!((d.desired, d.reason), (0, Reason::ScalingDisabled));
}

#[test]
fn unready_pods_do_not_turn_overload_into_a_scale_down() {
    // 10 replicas, 4 ready, each ready pod at 1.5x target: 6 by the ratio, but never below
    // current. Ours; the HPA's own calculator for an External Value metric does go to 6.
    let o = Observations {
        ready_replicas: 4,
        ..value_metrics(10, &[("m", Some(150.0))])
    };
    let ours = DecisionConfig {
        hpa_replica_math: false,
        ..hpa()
    };
    assert_eq!(decide(&ours, &o, &History::default()).desired, 10);
    let hpa = decide(&hpa(), &o, &History::default());
    assert_eq!(hpa.desired, 6);
}
