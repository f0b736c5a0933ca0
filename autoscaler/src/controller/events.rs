//! The Events a reconcile records (kube's recorder folds repeats into an event series).

use kube::Resource;
use kube::runtime::events::{Event, EventType};

use super::act::Acted;
use super::context::Context;
use crate::decision::{Decision, Reason};
use crate::policy::ScalingPolicy;

/// Publish one Event on `policy`. An Event that cannot be written must not stop the scaling
/// decision: it is logged and the reconcile goes on.
pub(super) async fn publish(
    ctx: &Context,
    policy: &ScalingPolicy,
    type_: EventType,
    reason: &str,
    action: &str,
    note: String,
) {
    let event = Event {
        type_,
        reason: reason.into(),
        note: Some(note.chars().take(1000).collect()),
        action: action.into(),
        secondary: None,
    };
    if let Err(e) = ctx.recorder.publish(&event, &policy.object_ref(&())).await {
        tracing::warn!(error = %e, reason, "could not publish an Event");
    }
}

/// The Events of one decision, in order: what was done, the forecast, a guard, missing data.
pub(super) fn of_decision(
    policy: &ScalingPolicy,
    decision: &Decision,
    acted: Acted,
    tuned: &str,
) -> Vec<(EventType, &'static str, &'static str, String)> {
    let target = &policy.spec.target_ref.name;
    let (current, desired) = (decision.current, decision.desired);
    let why = format!("{}: {}", decision.reason.as_str(), decision.message);
    let mut events = Vec::new();
    match acted {
        Acted::Scaled => {
            let reason = if desired > current {
                "ScaledUp"
            } else {
                "ScaledDown"
            };
            let note = format!("{target}: {current} -> {desired} replicas ({why})");
            events.push((EventType::Normal, reason, "Scale", note));
        }
        Acted::TunedHpa => {
            let note = format!("HPA targets set: {tuned}");
            events.push((EventType::Normal, "TunedHpa", "Tune", note));
        }
        Acted::WouldScale => {
            let note = format!("would scale {target}: {current} -> {desired} ({why})");
            events.push((EventType::Normal, "WouldScale", "DryRun", note));
        }
        Acted::Nothing => {}
    }
    // The forecast drove this scale-up when it asked for more than any metric did.
    let asked = decision.metrics.iter().filter_map(|m| m.proposal).max();
    let by_forecast = desired > current
        && decision
            .forecast_replicas
            .is_some_and(|f| asked.is_none_or(|a| f > a));
    if by_forecast {
        let note = format!(
            "forecast floor {} replicas ({current} -> {desired}): {}",
            decision.forecast_replicas.unwrap_or_default(),
            decision.message
        );
        events.push((EventType::Normal, "ForecastFloor", "Decide", note));
    }
    if decision.reason == Reason::Guarded {
        let note = decision.message.clone();
        events.push((EventType::Warning, "Guarded", "Decide", note));
    }
    if decision.holding {
        let note = decision.message.clone();
        events.push((EventType::Warning, "MetricsMissing", "Decide", note));
    }
    events
}
