//! Property tests of the pure decision: bounds, stabilisation, missing data, monotonicity.

use notejam_autoscaler::decision::{
    DecisionConfig, DirectionRules, History, MetricObservation, MissingAction, Observations,
    RateKind, RatePolicy, Select, TargetKind, decide,
};
use proptest::prelude::*;

fn rate_policy() -> impl Strategy<Value = RatePolicy> {
    (
        prop_oneof![Just(RateKind::Pods), Just(RateKind::Percent)],
        1u32..200,
        prop_oneof![Just(15u32), Just(60), Just(120)],
    )
        .prop_map(|(kind, value, period_seconds)| RatePolicy {
            kind,
            value,
            period_seconds,
        })
}

fn rules() -> impl Strategy<Value = DirectionRules> {
    (
        prop_oneof![Just(0u32), Just(60), Just(300)],
        prop_oneof![Just(Select::Max), Just(Select::Min), Just(Select::Disabled)],
        prop::collection::vec(rate_policy(), 1..3),
    )
        .prop_map(|(w, select, policies)| DirectionRules {
            stabilization_window_seconds: w,
            select,
            policies,
        })
}

fn config() -> impl Strategy<Value = DecisionConfig> {
    (
        1u32..10,
        0u32..40,
        0.0f64..0.3,
        rules(),
        rules(),
        prop::option::of(0u32..60),
        prop::option::of(0u32..60),
    )
        .prop_map(
            |(min, extra, tolerance, up, down, fallback, cap)| DecisionConfig {
                min_replicas: min,
                max_replicas: min + extra,
                tolerance,
                scale_up: up,
                scale_down: down,
                on_missing: match fallback {
                    Some(f) => MissingAction::Fallback(f.clamp(min, min + extra)),
                    None => MissingAction::Hold,
                },
                // Validation guarantees the cap is not below minReplicas.
                database_cap: cap.map(|c| c.max(min)),
            },
        )
}

fn metric(name: &str, kind: TargetKind, target: f64, value: Option<f64>) -> MetricObservation {
    MetricObservation {
        name: name.into(),
        kind,
        target,
        value,
    }
}

fn kind() -> impl Strategy<Value = TargetKind> {
    prop_oneof![Just(TargetKind::AverageValue), Just(TargetKind::Value)]
}

fn metrics() -> impl Strategy<Value = Vec<MetricObservation>> {
    prop::collection::vec(
        (
            kind(),
            1.0f64..100.0,
            prop::option::weighted(0.8, 0.0f64..2000.0),
        ),
        1..4,
    )
    .prop_map(|ms| {
        ms.into_iter()
            .enumerate()
            .map(|(i, (k, t, v))| metric(&format!("m{i}"), k, t, v))
            .collect()
    })
}

fn history(now: i64) -> impl Strategy<Value = History> {
    // Build a history the way the controller does: by recording decisions on random inputs.
    prop::collection::vec((1i64..400, 1u32..60, 0.0f64..3000.0), 0..12).prop_map(move |entries| {
        let cfg = DecisionConfig::plain_hpa(1, 60);
        let mut h = History::default();
        let mut times: Vec<i64> = entries.iter().map(|(ago, _, _)| now - ago).collect();
        times.sort();
        for (t, (_, current, load)) in times.into_iter().zip(entries) {
            let obs = Observations {
                now: t,
                current_replicas: current,
                ready_replicas: current,
                metrics: vec![metric("m0", TargetKind::AverageValue, 50.0, Some(load))],
            };
            let d = decide(&cfg, &obs, &h);
            h.record(&cfg, &d, t, true);
        }
        h
    })
}

const NOW: i64 = 1_000_000;

fn inputs() -> impl Strategy<Value = (DecisionConfig, Observations, History)> {
    (config(), 1u32..60, 0u32..60, metrics(), history(NOW)).prop_map(
        |(cfg, current, ready, ms, h)| {
            let obs = Observations {
                now: NOW,
                current_replicas: current,
                ready_replicas: ready.min(current),
                metrics: ms,
            };
            (cfg, obs, h)
        },
    )
}

/// Only the bounds and the database cap may lower replicas; these properties start inside them.
fn within_bounds(cfg: &DecisionConfig, mut obs: Observations) -> Observations {
    obs.current_replicas = obs
        .current_replicas
        .clamp(cfg.min_replicas, cfg.effective_max());
    obs.ready_replicas = obs.ready_replicas.min(obs.current_replicas);
    obs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn never_outside_min_and_effective_max((cfg, obs, h) in inputs()) {
        let d = decide(&cfg, &obs, &h);
        prop_assert!(d.desired >= cfg.min_replicas, "{} < min {}", d.desired, cfg.min_replicas);
        prop_assert!(d.desired <= cfg.effective_max(), "{} > max {}", d.desired, cfg.effective_max());
    }

    #[test]
    fn never_above_the_database_budget((cfg, obs, h) in inputs()) {
        let d = decide(&cfg, &obs, &h);
        if let Some(cap) = cfg.database_cap {
            prop_assert!(d.desired <= cap);
        }
    }

    #[test]
    fn missing_data_never_scales_down((cfg, obs, h) in inputs(), which in 0usize..4) {
        let mut obs = within_bounds(&cfg, obs);
        let i = which % obs.metrics.len();
        obs.metrics[i].value = None;
        let d = decide(&cfg, &obs, &h);
        prop_assert!(d.desired >= obs.current_replicas, "{} -> {} with {:?}", obs.current_replicas, d.desired, d.reason);
        prop_assert!(d.holding);
    }

    #[test]
    fn no_scale_down_inside_the_window((cfg, obs, h) in inputs()) {
        // A recommendation at or above the current count inside the down window forbids going below it.
        let obs = within_bounds(&cfg, obs);
        let d = decide(&cfg, &obs, &h);
        let mut h2 = h.clone();
        let hold = DecisionConfig { scale_down: DirectionRules { stabilization_window_seconds: 300, ..cfg.scale_down.clone() }, ..cfg.clone() };
        let high = notejam_autoscaler::decision::Decision { desired: obs.current_replicas, recommendation: obs.current_replicas, ..d };
        h2.record(&hold, &high, NOW - 100, false);
        let d2 = decide(&hold, &obs, &h2);
        prop_assert!(d2.desired >= obs.current_replicas, "{} -> {}", obs.current_replicas, d2.desired);
    }

    #[test]
    fn more_load_never_means_fewer_replicas((cfg, obs, h) in inputs(), bump in prop::collection::vec(0.0f64..500.0, 4)) {
        let mut more = obs.clone();
        for (m, b) in more.metrics.iter_mut().zip(bump) {
            m.value = m.value.map(|v| v + b);
        }
        let less = decide(&cfg, &obs, &h).desired;
        let more = decide(&cfg, &more, &h).desired;
        prop_assert!(more >= less, "more load gave {more} < {less}");
    }

    #[test]
    fn within_tolerance_means_no_change(current in 1u32..50, ratio in 0.91f64..1.09, target in 1.0f64..100.0) {
        let cfg = DecisionConfig::plain_hpa(1, 100);
        let obs = Observations {
            now: NOW, current_replicas: current, ready_replicas: current,
            metrics: vec![metric("m", TargetKind::Value, target, Some(target * ratio))],
        };
        let d = decide(&cfg, &obs, &History::default());
        prop_assert_eq!(d.desired, current);
    }

    #[test]
    fn the_decision_is_pure((cfg, obs, h) in inputs()) {
        prop_assert_eq!(decide(&cfg, &obs, &h), decide(&cfg, &obs, &h));
    }
}
