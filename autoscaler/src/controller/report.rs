//! Report: what a reconcile tells the world: Events, the autoscaler's own metrics, a decision
//! log line, and the status. A refused policy is reported here too.

use kube::ResourceExt;
use kube::runtime::events::EventType;

use super::act::Acted;
use super::context::{Context, Error};
use super::events::{of_decision, publish};
use super::gather::{Inputs, Refusal, metric_status};
use super::status;
use crate::decision::Decision;
use crate::policy::{MetricStatus, ScalingPolicy};

fn record_metrics(ctx: &Context, name: &str, decision: &Decision, statuses: &[MetricStatus]) {
    let m = &ctx.metrics;
    let policy = [("policy", name)];
    m.set(
        "notejam_autoscaler_current_replicas",
        &policy,
        f64::from(decision.current),
    );
    m.set(
        "notejam_autoscaler_desired_replicas",
        &policy,
        f64::from(decision.desired),
    );
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    m.set(
        "notejam_autoscaler_holding",
        &policy,
        flag(decision.holding),
    );
    m.set(
        "notejam_autoscaler_panic",
        &policy,
        flag(decision.panic.active),
    );
    match decision.forecast_replicas {
        Some(f) => m.set(
            "notejam_autoscaler_forecast_replicas",
            &policy,
            f64::from(f),
        ),
        None => m.remove("notejam_autoscaler_forecast_replicas", &policy),
    }
    m.inc(
        "notejam_autoscaler_decisions_total",
        &[("policy", name), ("reason", decision.reason.as_str())],
    );
    for st in statuses {
        let labels = [("policy", name), ("metric", st.name.as_str())];
        match st.value {
            Some(v) => m.set("notejam_autoscaler_metric_value", &labels, v),
            // Missing is no sample, never 0.
            None => m.remove("notejam_autoscaler_metric_value", &labels),
        }
        match st.ratio {
            Some(r) => m.set("notejam_autoscaler_metric_ratio", &labels, r),
            None => m.remove("notejam_autoscaler_metric_ratio", &labels),
        }
        m.remove("notejam_autoscaler_metric_target", &labels);
        if let (Some(t), Some(src)) = (st.target, st.threshold_source.as_deref()) {
            m.set(
                "notejam_autoscaler_metric_target",
                &[
                    ("policy", name),
                    ("metric", st.name.as_str()),
                    ("source", src),
                ],
                t,
            );
        }
    }
}

/// Report a decision: Events, metrics, the decision log line, then the status.
pub(super) async fn decided(
    ctx: &Context,
    policy: &ScalingPolicy,
    inputs: &Inputs,
    decision: &Decision,
    acted: Acted,
) -> Result<(), Error> {
    let name = policy.name_any();
    let tuned: Vec<String> = inputs
        .gathered
        .iter()
        .filter(|g| !g.guard)
        .filter_map(|g| {
            Some(format!(
                "{}={:.2} ({})",
                g.status.name,
                g.status.target?,
                g.status.threshold_source.as_deref()?
            ))
        })
        .collect();
    for (type_, reason, action, note) in of_decision(policy, decision, acted, &tuned.join(", ")) {
        publish(ctx, policy, type_, reason, action, note).await;
    }
    let applied = acted.applied();
    tracing::info!(
        policy = %name, mode = policy.spec.mode.as_str(), current = inputs.current,
        ready = inputs.ready, desired = decision.desired, recommendation = decision.recommendation,
        reason = decision.reason.as_str(), holding = decision.holding, panic = decision.panic.active,
        forecast = decision.forecast_replicas, applied, message = %decision.message, "decision"
    );
    let statuses = metric_status(&inputs.gathered, &decision.metrics);
    record_metrics(ctx, &name, decision, &statuses);
    let status = status::decided(policy, decision, statuses, applied);
    status::apply(policy, &ctx.client, &status).await
}

/// Report a refused policy: `Valid=False`, a Warning Event, no scaling. Not a reconcile error.
pub(super) async fn refused(
    ctx: &Context,
    policy: &ScalingPolicy,
    refusal: &Refusal,
) -> Result<(), Error> {
    let name = policy.name_any();
    let Refusal { reason, message } = refusal;
    tracing::warn!(policy = %name, reason, message = %message, "policy refused; not scaling it");
    ctx.metrics.inc(
        "notejam_autoscaler_decisions_total",
        &[("policy", &name), ("reason", reason)],
    );
    ctx.metrics
        .set("notejam_autoscaler_holding", &[("policy", &name)], 0.0);
    publish(
        ctx,
        policy,
        EventType::Warning,
        reason,
        "Validate",
        message.clone(),
    )
    .await;
    let status = status::refused(policy, reason, message);
    status::apply(policy, &ctx.client, &status).await
}
