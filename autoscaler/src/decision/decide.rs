//! `decide`: per-metric proposals, the recommendation (raised to the forecast floor), then what
//! bounds it, in order: the stabilisation windows and rate limits (or panic mode), the guards,
//! the min/max bounds and the database cap. The reason is the last rule that bound the result.

use std::cmp::Ordering;

use super::proposal::{ceil_u32, metric_outcome};
use super::rules::{limit_down, limit_up};
use super::{
    Decision, DecisionConfig, DirectionRules, GuardOutcome, History, MetricOutcome, MissingAction,
    Observations, PanicOutcome, Reason, Select,
};

/// The raw recommendation from the metrics (before any window or limit), its reason and message.
fn recommend(
    config: &DecisionConfig,
    obs: &Observations,
    metrics: &[MetricOutcome],
) -> (u32, Reason, String) {
    let current = obs.current_replicas;
    let known_max = metrics.iter().filter_map(|m| m.proposal).max();
    let unknown: Vec<&str> = metrics
        .iter()
        .filter(|m| m.proposal.is_none())
        .map(|m| m.name.as_str())
        .collect();
    if unknown.is_empty() {
        let r = known_max.unwrap_or(current);
        let reason = match r.cmp(&current) {
            std::cmp::Ordering::Greater => Reason::ScaleUp,
            std::cmp::Ordering::Less => Reason::ScaleDown,
            std::cmp::Ordering::Equal => Reason::WithinTolerance,
        };
        let message = match metrics.iter().find(|m| m.proposal == Some(r)) {
            Some(m) if r != current => format!("metric {} asks for {r} replicas", m.name),
            _ => "all metrics within tolerance of their targets".into(),
        };
        return (r, reason, message);
    }
    let names = unknown.join(", ");
    let floor = match config.on_missing {
        MissingAction::Hold => current,
        MissingAction::Fallback(n) => current.max(n),
    };
    let r = known_max.map_or(floor, |k| k.max(floor));
    if obs.ready_replicas == 0 {
        (r, Reason::NoReadyPods, "no ready pods; holding".into())
    } else if known_max.is_some_and(|k| k > floor) {
        let m = format!("scaling up on the metrics that are known; unknown: {names}");
        (r, Reason::ScaleUp, m)
    } else if r > current {
        let m = format!("unknown metrics ({names}): going to fallback {r} replicas");
        (r, Reason::Fallback, m)
    } else {
        let m = format!("unknown metrics ({names}): holding, missing data never scales down");
        (r, Reason::MetricsMissing, m)
    }
}

/// Panic mode this cycle: entered when a known metric's usage is at least the threshold times
/// its target over the ready pods, kept while it was so within the stable window.
fn panic_state(
    config: &DecisionConfig,
    obs: &Observations,
    metrics: &[MetricOutcome],
    history: &History,
) -> (PanicOutcome, u32, Option<String>) {
    let Some(rules) = config.panic else {
        return (PanicOutcome::default(), 0, None);
    };
    let trigger = metrics
        .iter()
        .filter(|m| m.proposal.is_some())
        .find(|m| m.ratio.is_some_and(|r| r >= rules.threshold));
    let carried = history
        .panic()
        .filter(|(t, _)| obs.now - t < i64::from(rules.stable_window_seconds));
    let active = trigger.is_some() || carried.is_some();
    let outcome = PanicOutcome {
        active,
        over_threshold: trigger.is_some(),
    };
    let why = match (trigger, carried) {
        (Some(m), _) => Some(format!(
            "panic mode: {} is at {:.1}x its target per ready pod",
            m.name,
            m.ratio.unwrap_or_default()
        )),
        (None, Some(_)) => Some(format!(
            "panic mode: no scale-down until {} s below {}x",
            rules.stable_window_seconds, rules.threshold
        )),
        (None, None) => None,
    };
    (outcome, carried.map_or(0, |(_, max)| max), why)
}

/// Decide how many replicas to run. Pure: the same inputs always give the same decision.
///
/// Order, as in the HPA: per-metric proposals (ratio over ready pods, tolerance), the maximum
/// over metrics, missing-data handling, stabilisation windows, rate limits, min/max; then the
/// database budget. Panic mode replaces the windows and limits for bursts; the forecast floor
/// only raises the recommendation; a saturated guard only holds. Missing data can raise replicas (fallback) but
/// never lower them; only the min/max bounds and the database cap may pull replicas below the
/// current count.
pub fn decide(config: &DecisionConfig, obs: &Observations, history: &History) -> Decision {
    let current = obs.current_replicas;
    let metrics: Vec<MetricOutcome> = obs
        .metrics
        .iter()
        .map(|m| metric_outcome(config, obs, m))
        .collect();
    let holding = metrics.iter().any(|m| m.proposal.is_none());
    let guards: Vec<GuardOutcome> = obs
        .guards
        .iter()
        .map(|g| GuardOutcome {
            name: g.name.clone(),
            value: g.value,
            limit: g.limit,
            saturated: g.value.is_some_and(|v| v.is_finite() && v > g.limit),
        })
        .collect();
    // The forecast's pods, and the floor it sets: like a metric's proposal, it asks for more
    // pods only beyond the tolerance (a floor that moved on every wobble would be churn), and
    // within the band it keeps what runs (no scale-down below the load that is coming).
    let forecast = obs
        .forecasts
        .iter()
        .filter(|f| f.target.is_finite() && f.target > 0.0)
        .filter_map(|f| {
            let pods = f.peak.filter(|p| p.is_finite() && *p >= 0.0)? / f.target;
            Some((pods, f))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let forecast_replicas = forecast.map(|(pods, _)| ceil_u32(pods));
    let forecast_floor = forecast.map(|(pods, f)| {
        let floor = if pods > f64::from(current) * (1.0 + config.tolerance) {
            ceil_u32(pods)
        } else {
            ceil_u32(pods).min(current)
        };
        (floor.min(config.effective_max()), f)
    });
    let finish = |desired, recommendation, reason, message, panic| Decision {
        current,
        desired,
        recommendation,
        reason,
        message,
        metrics: metrics.clone(),
        holding,
        panic,
        forecast_replicas,
        guards: guards.clone(),
    };

    if current == 0 {
        return finish(
            0,
            0,
            Reason::ScalingDisabled,
            "the target has 0 replicas; autoscaling is off".into(),
            PanicOutcome::default(),
        );
    }

    let (mut recommendation, mut reason, mut message) = recommend(config, obs, &metrics);
    // The forecast raises the recommendation (so the windows and the history see it too),
    // never lowers it.
    if let Some((floor, f)) = forecast_floor
        && floor > recommendation
        && obs.ready_replicas > 0
    {
        recommendation = floor;
        if floor > current {
            reason = Reason::Forecast;
        }
        message = format!(
            "the forecast ({}) expects {floor} replicas' worth of {} within the horizon",
            f.basis, f.name
        );
    }
    let (panic, panic_max, panic_why) = panic_state(config, obs, &metrics, history);

    let mut desired;
    if panic.active {
        // Knative: scale up to what is asked at once, never down while panicking.
        desired = current.max(recommendation).max(panic_max);
        if desired > current && config.scale_up.select == Select::Disabled {
            desired = current;
            reason = Reason::DirectionDisabled;
            message = "scale-up is disabled by the policy".into();
        } else if desired > current || recommendation < current {
            reason = Reason::Panic;
            message = panic_why.unwrap_or_default();
        }
    } else {
        // Stabilisation, exactly as the HPA: the lowest recommendation within the up window
        // and the highest within the down window bound the move from the current replicas.
        let up_cutoff = obs.now - i64::from(config.scale_up.stabilization_window_seconds);
        let down_cutoff = obs.now - i64::from(config.scale_down.stabilization_window_seconds);
        let mut up_rec = recommendation;
        let mut down_rec = recommendation;
        for &(t, r) in history.recommendations() {
            if t > up_cutoff {
                up_rec = up_rec.min(r);
            }
            if t > down_cutoff {
                down_rec = down_rec.max(r);
            }
        }
        desired = current.max(up_rec).min(down_rec);
        if desired != recommendation
            && matches!(
                reason,
                Reason::ScaleUp | Reason::ScaleDown | Reason::Forecast
            )
        {
            message = format!("{message}; held at {desired} by the stabilisation window");
            reason = Reason::Stabilized;
        }
        (desired, reason, message) = rate_limit(config, obs, history, desired, reason, message);
    }

    if desired > current
        && let Some(g) = guards.iter().find(|g| g.saturated)
    {
        desired = current;
        reason = Reason::Guarded;
        message = format!(
            "guard {} is at {:.1}, above {}: more pods cannot relieve it; scale-up held",
            g.name,
            g.value.unwrap_or_default(),
            g.limit
        );
    }

    let (max, min) = (config.max_replicas, config.min_replicas);
    if desired > max {
        desired = max;
        reason = Reason::AtMaxReplicas;
        message = format!("clamped to maxReplicas {max}");
    }
    if desired < min {
        desired = min;
        reason = Reason::AtMinReplicas;
        message = format!("raised to minReplicas {min}");
    }
    if let Some(cap) = config.database_cap
        && desired > cap
    {
        desired = cap.max(1);
        reason = Reason::DatabaseBudget;
        message = format!("capped at {desired} replicas by the database connection budget");
    }
    finish(desired, recommendation, reason, message, panic)
}

/// The HPA's rate limits and `selectPolicy: Disabled`, outside panic mode.
fn rate_limit(
    config: &DecisionConfig,
    obs: &Observations,
    history: &History,
    desired: u32,
    reason: Reason,
    message: String,
) -> (u32, Reason, String) {
    type Limit = fn(u32, &DirectionRules, &History, i64) -> u32;
    let current = obs.current_replicas;
    let (rules, direction, limit): (&DirectionRules, &str, Limit) = match desired.cmp(&current) {
        Ordering::Greater => (&config.scale_up, "scale-up", limit_up),
        Ordering::Less => (&config.scale_down, "scale-down", limit_down),
        Ordering::Equal => return (desired, reason, message),
    };
    if rules.select == Select::Disabled {
        let message = format!("{direction} is disabled by the policy");
        return (current, Reason::DirectionDisabled, message);
    }
    let limit = limit(current, rules, history, obs.now);
    // A ceiling going up, a floor going down.
    let limited = if desired > current {
        desired.min(limit)
    } else {
        desired.max(limit)
    };
    if limited == desired {
        return (desired, reason, message);
    }
    let message = format!("{direction} limited to {limit} replicas by the rate policy");
    (limited, Reason::RateLimited, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::{
        GuardObservation, MetricForecast, MetricObservation, PanicRules, TargetKind,
    };

    fn cfg() -> DecisionConfig {
        DecisionConfig::plain_hpa(1, 100)
    }

    fn obs(now: i64, current: u32, value: Option<f64>, target: f64) -> Observations {
        let metric = MetricObservation::new("m", TargetKind::Value, target, value);
        Observations::all_ready(now, current, vec![metric])
    }

    #[test]
    fn doubling_the_value_doubles_the_replicas() {
        let d = decide(&cfg(), &obs(0, 3, Some(200.0), 100.0), &History::default());
        assert_eq!(d.desired, 6);
        assert_eq!(d.reason, Reason::ScaleUp);
    }

    #[test]
    fn history_is_pruned_to_the_longest_window() {
        let c = cfg();
        let mut h = History::default();
        for t in 0..1000 {
            let d = decide(&c, &obs(t * 15, 3, Some(100.0), 100.0), &h);
            h.record(&c, &d, t * 15, true);
        }
        assert!(h.len() <= 21, "kept {}", h.len());
    }

    #[test]
    fn panic_skips_the_rate_limit_and_holds_until_the_stable_window_passes() {
        let c = DecisionConfig {
            panic: Some(PanicRules::default()),
            ..cfg()
        };
        let mut h = History::default();
        // 10x the target on 3 pods: the HPA's limit would allow 7; panic goes to 30 at once.
        let d = decide(&c, &obs(0, 3, Some(1000.0), 100.0), &h);
        assert_eq!((d.desired, d.reason), (30, Reason::Panic));
        assert!(d.panic.active && d.panic.over_threshold);
        h.record(&c, &d, 0, true);
        // The burst is gone: no scale-down within 60 s of the last crossing.
        let d = decide(&c, &obs(30, 30, Some(10.0), 100.0), &h);
        assert_eq!(d.desired, 30, "{d:?}");
        assert!(d.panic.active && !d.panic.over_threshold);
        h.record(&c, &d, 30, true);
        let d = decide(&c, &obs(75, 30, Some(10.0), 100.0), &h);
        assert!(!d.panic.active);
        assert!(d.desired < 30 || d.reason == Reason::Stabilized, "{d:?}");
    }

    #[test]
    fn the_forecast_only_raises_and_a_saturated_guard_only_holds() {
        // On target with 4 pods, but 400 expected within the horizon at 50 per pod: 8.
        let mut o = obs(0, 4, Some(100.0), 100.0);
        o.forecasts = vec![MetricForecast {
            name: "m".into(),
            target: 50.0,
            peak: Some(400.0),
            basis: "test".into(),
        }];
        let d = decide(&cfg(), &o, &History::default());
        assert_eq!(
            (d.desired, d.reason, d.forecast_replicas),
            (8, Reason::Forecast, Some(8))
        );
        o.guards = vec![GuardObservation {
            name: "db".into(),
            limit: 80.0,
            value: Some(95.0),
        }];
        let d = decide(&cfg(), &o, &History::default());
        assert_eq!((d.desired, d.reason), (4, Reason::Guarded));
        // An unknown guard holds nothing.
        o.guards[0].value = None;
        assert_eq!(decide(&cfg(), &o, &History::default()).desired, 8);
    }
}
