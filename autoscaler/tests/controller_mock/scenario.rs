//! One reconcile against the mock API server (no Kubernetes API server runs here), and readers
//! of what it did: the recorded calls, the status it wrote, its Events and its own metrics.

use std::sync::Arc;

use notejam_autoscaler::controller::{Context, reconcile};
use notejam_autoscaler::policy::ScalingPolicy;
use serde_json::Value;

use super::mock::*;

/// What one reconcile by the leader did: the calls it made, and the context it ran in.
pub struct Reconciled {
    pub calls: Vec<Call>,
    pub ctx: Arc<Context>,
}

/// Reconcile `policy` once, as the leader, against the usual cluster at `replicas`.
pub async fn reconcile_once(
    policy: ScalingPolicy,
    replicas: i32,
    readings: &[(&str, Fake)],
) -> Reconciled {
    let api = cluster(&policy, replicas);
    reconcile_against(policy, api, readings, None).await
}

/// Reconcile `policy` once, as the leader, against `answer`; history queries answer `history`.
pub async fn reconcile_against(
    policy: ScalingPolicy,
    answer: impl Fn(&Call) -> (u16, Value) + Send + Sync + 'static,
    readings: &[(&str, Fake)],
    history: Option<f64>,
) -> Reconciled {
    let (client, recorded) = mock_api(answer);
    let ctx = context_with_history(client, readings, true, history);
    reconcile(Arc::new(policy), ctx.clone()).await.unwrap();
    Reconciled {
        calls: calls(&recorded),
        ctx,
    }
}

/// The controller's own metric `name` with `labels` is `want` (`None`: no such sample).
pub fn assert_metric(
    ctx: &Context,
    name: &'static str,
    labels: &[(&'static str, &str)],
    want: Option<f64>,
) {
    assert_eq!(ctx.metrics.get(name, labels), want, "{name} {labels:?}");
}

pub fn calls(c: &Calls) -> Vec<Call> {
    c.lock().unwrap().clone()
}

pub fn find<'a>(calls: &'a [Call], method: &str, path_part: &str) -> Vec<&'a Call> {
    calls
        .iter()
        .filter(|c| c.method == method && c.path.contains(path_part))
        .collect()
}

pub fn status_patch(calls: &[Call]) -> Value {
    let patches = find(calls, "PATCH", "/scalingpolicies/notejam/status");
    assert_eq!(patches.len(), 1, "exactly one status write: {calls:#?}");
    let p = patches[0];
    assert!(
        p.path.contains("fieldManager=notejam-autoscaler") && p.path.contains("force=true"),
        "server-side apply: {}",
        p.path
    );
    assert_eq!(p.body["apiVersion"], "autoscaling.notejam.io/v1alpha1");
    p.body["status"].clone()
}

pub fn condition(status: &Value, type_: &str) -> (String, String) {
    let c = status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == type_)
        .unwrap();
    (
        c["status"].as_str().unwrap().into(),
        c["reason"].as_str().unwrap().into(),
    )
}

pub fn events(calls: &[Call]) -> Vec<(String, String)> {
    find(
        calls,
        "POST",
        "/apis/events.k8s.io/v1/namespaces/notejam/events",
    )
    .iter()
    .map(|c| {
        (
            c.body["type"].as_str().unwrap().into(),
            c.body["reason"].as_str().unwrap().into(),
        )
    })
    .collect()
}

/// The status condition `type_` has this status and reason.
pub fn assert_condition(status: &Value, type_: &str, want: &str, reason: &str) {
    let got = condition(status, type_);
    assert_eq!((got.0.as_str(), got.1.as_str()), (want, reason), "{type_}");
}

/// Events as `(type, reason)`, for comparing with a list.
pub fn event(type_: &str, reason: &str) -> (String, String) {
    (type_.into(), reason.into())
}
