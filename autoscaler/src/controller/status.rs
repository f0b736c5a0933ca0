//! The status a reconcile writes, built and applied (server-side apply, our field manager).

use kube::api::{Api, Patch, PatchParams};
use kube::{Resource, ResourceExt};
use serde::Serialize;

use super::context::{Error, MANAGER};
use crate::decision::Decision;
use crate::policy::{
    Condition, DecisionStatus, MetricStatus, Mode, ScalingPolicy, ScalingPolicyStatus,
};

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A condition that keeps its `lastTransitionTime` while its status does not change.
fn condition(
    old: Option<&ScalingPolicyStatus>,
    type_: &str,
    ok: bool,
    reason: &str,
    message: &str,
) -> Condition {
    let status = if ok { "True" } else { "False" };
    let since = old
        .and_then(|s| s.conditions.iter().find(|c| c.type_ == type_))
        .filter(|c| c.status == status)
        .map(|c| c.last_transition_time.clone())
        .unwrap_or_else(now_rfc3339);
    Condition {
        type_: type_.into(),
        status: status.into(),
        reason: reason.into(),
        message: message.chars().take(1000).collect(),
        last_transition_time: since,
    }
}

/// The status of a policy that was refused: `Valid=False`, no scaling, the last decision kept.
pub(super) fn refused(policy: &ScalingPolicy, reason: &str, message: &str) -> ScalingPolicyStatus {
    let old = policy.status.as_ref();
    ScalingPolicyStatus {
        observed_generation: policy.metadata.generation,
        conditions: vec![
            condition(old, "Valid", false, reason, message),
            condition(
                old,
                "ScalingActive",
                false,
                reason,
                "no scaling until the policy is fixed",
            ),
        ],
        current_replicas: old.and_then(|s| s.current_replicas),
        desired_replicas: None,
        last_decision: old.and_then(|s| s.last_decision.clone()),
        metrics: Vec::new(),
        last_scale_time: old.and_then(|s| s.last_scale_time.clone()),
    }
}

/// The status after a decision: conditions, the decision, and each metric's state.
pub(super) fn decided(
    policy: &ScalingPolicy,
    decision: &Decision,
    metrics: Vec<MetricStatus>,
    applied: bool,
) -> ScalingPolicyStatus {
    let old = policy.status.as_ref();
    let mode = policy.spec.mode;
    let time = now_rfc3339();
    let unknown: Vec<&str> = metrics
        .iter()
        .filter(|m| m.state != "ok" || m.target.is_none())
        .map(|m| m.name.as_str())
        .collect();
    let metrics_ok = unknown.is_empty();
    let (available_reason, available_message) = if metrics_ok {
        (
            "AllMetricsKnown",
            "every metric has a fresh value".to_string(),
        )
    } else {
        ("MetricsMissing", format!("unknown: {}", unknown.join(", ")))
    };
    ScalingPolicyStatus {
        observed_generation: policy.metadata.generation,
        conditions: vec![
            condition(old, "Valid", true, "Valid", "the policy is valid"),
            condition(
                old,
                "MetricsAvailable",
                metrics_ok,
                available_reason,
                &available_message,
            ),
            condition(
                old,
                "ScalingActive",
                mode != Mode::DryRun,
                match mode {
                    Mode::Scale => "Scaling",
                    Mode::Tune => "TuningHpa",
                    Mode::DryRun => "DryRun",
                },
                &format!("mode {}", mode.as_str()),
            ),
        ],
        current_replicas: Some(decision.current),
        desired_replicas: Some(decision.desired),
        last_decision: Some(DecisionStatus {
            time: time.clone(),
            mode: mode.as_str().into(),
            current_replicas: decision.current,
            desired_replicas: decision.desired,
            recommendation: decision.recommendation,
            reason: decision.reason.as_str().into(),
            message: decision.message.clone(),
            applied,
            holding: decision.holding,
            panic: decision.panic.active,
            forecast_replicas: decision.forecast_replicas,
            saturated_guards: decision
                .guards
                .iter()
                .filter(|g| g.saturated)
                .map(|g| g.name.clone())
                .collect(),
        }),
        metrics,
        last_scale_time: if applied {
            Some(time)
        } else {
            old.and_then(|s| s.last_scale_time.clone())
        },
    }
}

/// The server-side apply body: the type and the status, nothing else (we own only status).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusApply<'a> {
    api_version: String,
    kind: String,
    status: &'a ScalingPolicyStatus,
}

/// Write `status` on `policy`'s status subresource.
pub(super) async fn apply(
    policy: &ScalingPolicy,
    client: &kube::Client,
    status: &ScalingPolicyStatus,
) -> Result<(), Error> {
    let ns = policy.namespace().ok_or(Error::NoNamespace)?;
    let api: Api<ScalingPolicy> = Api::namespaced(client.clone(), &ns);
    let patch = StatusApply {
        api_version: ScalingPolicy::api_version(&()).into_owned(),
        kind: ScalingPolicy::kind(&()).into_owned(),
        status,
    };
    api.patch_status(
        &policy.name_any(),
        &PatchParams::apply(MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await?;
    Ok(())
}
