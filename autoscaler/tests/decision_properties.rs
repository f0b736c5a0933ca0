//! Property tests of the pure decision: bounds, stabilisation, missing data, monotonicity.

use notejam_autoscaler::decision::{
    DecisionConfig, DirectionRules, GuardObservation, History, MetricForecast, MetricObservation,
    MissingAction, Observations, PanicRules, RateKind, RatePolicy, Select, TargetKind, decide,
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
        prop::option::of((1.1f64..4.0, prop_oneof![Just(0u32), Just(60), Just(300)])),
        any::<bool>(),
    )
        .prop_map(
            |(min, extra, tolerance, up, down, fallback, cap, panic, hpa_math)| DecisionConfig {
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
                panic: panic.map(|(threshold, stable_window_seconds)| PanicRules {
                    threshold,
                    stable_window_seconds,
                }),
                hpa_replica_math: hpa_math,
            },
        )
}

fn metric(name: &str, kind: TargetKind, target: f64, value: Option<f64>) -> MetricObservation {
    MetricObservation::new(name, kind, target, value)
}

fn kind() -> impl Strategy<Value = TargetKind> {
    prop_oneof![Just(TargetKind::AverageValue), Just(TargetKind::Value)]
}

/// A list of `sizes` elements drawn from `element`, the i-th made by `make` and named `{prefix}{i}`.
fn numbered<S: Strategy, T: std::fmt::Debug>(
    prefix: &'static str,
    element: S,
    sizes: std::ops::Range<usize>,
    make: fn(String, S::Value) -> T,
) -> impl Strategy<Value = Vec<T>> {
    prop::collection::vec(element, sizes).prop_map(move |items| {
        let named = items.into_iter().enumerate();
        named
            .map(|(i, v)| make(format!("{prefix}{i}"), v))
            .collect()
    })
}

fn metrics() -> impl Strategy<Value = Vec<MetricObservation>> {
    let element = (
        kind(),
        1.0f64..100.0,
        prop::option::weighted(0.8, 0.0f64..2000.0),
    );
    numbered("m", element, 1..4, |name, (k, t, v)| metric(&name, k, t, v))
}

fn guards() -> impl Strategy<Value = Vec<GuardObservation>> {
    let element = (50.0f64..90.0, prop::option::weighted(0.8, 0.0f64..100.0));
    numbered("g", element, 0..2, |name, (limit, value)| {
        GuardObservation { name, limit, value }
    })
}

fn forecasts() -> impl Strategy<Value = Vec<MetricForecast>> {
    let element = (1.0f64..100.0, prop::option::weighted(0.8, 0.0f64..3000.0));
    numbered("m", element, 1..3, |name, (target, peak)| MetricForecast {
        name,
        target,
        peak,
        basis: "test".into(),
    })
}

fn history(now: i64) -> impl Strategy<Value = History> {
    // Build a history the way the controller does: by recording decisions on random inputs,
    // with panic mode on, so that some histories carry a panic.
    prop::collection::vec((1i64..400, 1u32..60, 0.0f64..3000.0), 0..12).prop_map(move |entries| {
        let cfg = DecisionConfig {
            panic: Some(PanicRules::default()),
            ..DecisionConfig::plain_hpa(1, 60)
        };
        let mut h = History::default();
        let mut times: Vec<i64> = entries.iter().map(|(ago, _, _)| now - ago).collect();
        times.sort();
        for (t, (_, current, load)) in times.into_iter().zip(entries) {
            let m0 = metric("m0", TargetKind::AverageValue, 50.0, Some(load));
            let obs = Observations::all_ready(t, current, vec![m0]);
            let d = decide(&cfg, &obs, &h);
            h.record(&cfg, &d, t, true);
        }
        h
    })
}

const NOW: i64 = 1_000_000;

fn inputs() -> impl Strategy<Value = (DecisionConfig, Observations, History)> {
    (
        config(),
        1u32..60,
        0u32..60,
        metrics(),
        guards(),
        history(NOW),
    )
        .prop_map(|(cfg, current, ready, ms, gs, h)| {
            let obs = Observations {
                now: NOW,
                current_replicas: current,
                ready_replicas: ready.min(current),
                metrics: ms,
                guards: gs,
                forecasts: Vec::new(),
            };
            (cfg, obs, h)
        })
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
        // A recommendation made outside panic mode (a burst's own do not hold the window).
        let high = notejam_autoscaler::decision::Decision { desired: obs.current_replicas, recommendation: obs.current_replicas, panic: Default::default(), ..d };
        h2.record(&hold, &high, NOW - 100, false);
        let d2 = decide(&hold, &obs, &h2);
        prop_assert!(d2.desired >= obs.current_replicas, "{} -> {}", obs.current_replicas, d2.desired);
    }

    #[test]
    fn more_load_never_means_fewer_replicas((cfg, obs, h) in inputs(), bump in prop::collection::vec(0.0f64..500.0, 4)) {
        // Ours. (The HPA's own calculator, used for the plain HPA in simulate, is not monotonic
        // with unready pods: within tolerance it keeps all pods, past it asks ratio x ready.)
        let cfg = DecisionConfig { hpa_replica_math: false, ..cfg };
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
        let m = metric("m", TargetKind::Value, target, Some(target * ratio));
        let obs = Observations::all_ready(NOW, current, vec![m]);
        let d = decide(&cfg, &obs, &History::default());
        prop_assert_eq!(d.desired, current);
    }

    #[test]
    fn a_forecast_never_lowers_a_decision((cfg, obs, h) in inputs(), fs in forecasts()) {
        let without = decide(&cfg, &obs, &h).desired;
        let with = decide(&cfg, &Observations { forecasts: fs, ..obs.clone() }, &h).desired;
        prop_assert!(with >= without, "the forecast lowered {without} to {with}");
    }

    #[test]
    fn readiness_delay_never_makes_more_load_give_fewer_replicas(
        (cfg, obs, h) in inputs(),
        starting in 0u32..30,
        bump in prop::collection::vec(0.0f64..500.0, 4),
    ) {
        let cfg = DecisionConfig { hpa_replica_math: false, ..cfg };
        // Some pods are still starting: fewer ready than asked for.
        let mut slow = obs.clone();
        slow.ready_replicas = obs.ready_replicas.saturating_sub(starting);
        let mut more = slow.clone();
        for (m, b) in more.metrics.iter_mut().zip(&bump) {
            m.value = m.value.map(|v| v + b);
        }
        let less = decide(&cfg, &slow, &h).desired;
        let more = decide(&cfg, &more, &h).desired;
        prop_assert!(more >= less, "with {} starting, more load gave {more} < {less}", starting);
        // And the same total load with pods still starting never gives fewer replicas than
        // with them ready (while one pod at least serves: with none, nothing can be computed).
        // A per-pod (Value) figure over fewer serving pods is less load in total, so this is
        // about totals (AverageValue).
        let totals = obs.metrics.iter().all(|m| m.kind == TargetKind::AverageValue);
        if slow.ready_replicas > 0 && totals {
            let ready = decide(&cfg, &obs, &h).desired;
            prop_assert!(less >= ready, "{starting} pods starting gave {less} < {ready}");
        }
    }

    #[test]
    fn a_saturated_guard_never_lets_replicas_rise((cfg, obs, h) in inputs()) {
        let obs = within_bounds(&cfg, obs);
        let d = decide(&cfg, &obs, &h);
        if d.guards.iter().any(|g| g.saturated) {
            prop_assert!(d.desired <= obs.current_replicas.max(cfg.min_replicas), "{} -> {}", obs.current_replicas, d.desired);
        }
    }

    #[test]
    fn the_decision_is_pure((cfg, obs, h) in inputs()) {
        prop_assert_eq!(decide(&cfg, &obs, &h), decide(&cfg, &obs, &h));
    }
}
