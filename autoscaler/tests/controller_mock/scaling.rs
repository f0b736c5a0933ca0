//! Scale mode, dry run, policy and Deployment conditions, missing metrics, API errors, standby.

use std::sync::Arc;
use std::time::Duration;

use kube::runtime::controller::Action;
use notejam_autoscaler::controller::{error_policy, reconcile};
use serde_json::json;

use super::mock::*;
use super::scenario::*;

const POLICY: &[(&str, &str)] = &[("policy", "notejam")];

#[tokio::test]
async fn scenario_scale_up_reads_deployment_patches_scale_then_event_then_status() {
    let p = policy(SCALE_POLICY);
    let (client, recorded) = mock_api(cluster(&p, 4));
    let ctx = context(client, BUSY, true);
    let action = reconcile(Arc::new(p), ctx.clone()).await.unwrap();
    assert_eq!(action, Action::requeue(Duration::from_secs(15)));
    let calls = calls(&recorded);
    let order: Vec<String> = calls
        .iter()
        .map(|c| format!("{} {}", c.method, c.path.split('?').next().unwrap()))
        .collect();
    assert_eq!(
        order,
        vec![
            "GET /apis/apps/v1/namespaces/notejam/deployments/notejam",
            "PATCH /apis/apps/v1/namespaces/notejam/deployments/notejam/scale",
            "POST /apis/events.k8s.io/v1/namespaces/notejam/events",
            "PATCH /apis/autoscaling.notejam.io/v1alpha1/namespaces/notejam/scalingpolicies/notejam/status",
        ]
    );
    // 400 connections / 50 per pod = 8 replicas (the default rate limit allows doubling 4).
    // A typed autoscaling/v1 Scale, merged into the scale subresource.
    assert_eq!(calls[1].body["kind"], "Scale");
    assert_eq!(calls[1].body["spec"], json!({"replicas": 8}));
    assert_eq!(events(&calls), vec![event("Normal", "ScaledUp")]);
    assert_eq!(calls[2].body["regarding"]["kind"], "ScalingPolicy");
    let status = status_patch(&calls);
    assert_eq!(status["lastDecision"]["desiredReplicas"], 8);
    // Twice the target per ready pod is the panic threshold: 8 at once, reported as panic.
    assert_eq!(status["lastDecision"]["reason"], "Panic");
    assert_eq!(status["lastDecision"]["panic"], true);
    assert_eq!(status["lastDecision"]["applied"], true);
    assert_eq!(status["observedGeneration"], 3);
    assert_eq!(status["metrics"][0]["thresholdSource"], "fixed");
    assert_condition(&status, "Valid", "True", "Valid");
    assert_eq!(condition(&status, "MetricsAvailable").0, "True");
    let conns: &[_] = &[("policy", "notejam"), ("metric", "conns")];
    let fixed: &[_] = &[
        ("policy", "notejam"),
        ("metric", "conns"),
        ("source", "fixed"),
    ];
    let panic: &[_] = &[("policy", "notejam"), ("reason", "Panic")];
    for (name, labels, want) in [
        ("notejam_autoscaler_desired_replicas", POLICY, 8.0),
        ("notejam_autoscaler_current_replicas", POLICY, 4.0),
        ("notejam_autoscaler_metric_value", conns, 400.0),
        ("notejam_autoscaler_metric_target", fixed, 50.0),
        ("notejam_autoscaler_decisions_total", panic, 1.0),
        ("notejam_autoscaler_holding", POLICY, 0.0),
    ] {
        assert_metric(&ctx, name, labels, Some(want));
    }
}

#[tokio::test]
async fn scenario_dry_run_changes_nothing_and_says_what_it_would_do() {
    let p = policy(&SCALE_POLICY.replace("mode: scale", "mode: dry-run"));
    let Reconciled { calls, .. } = reconcile_once(p, 4, BUSY).await;
    assert!(
        find(&calls, "PATCH", "/scale").is_empty(),
        "no scale patch in dry-run"
    );
    assert_eq!(events(&calls), vec![event("Normal", "WouldScale")]);
    let status = status_patch(&calls);
    assert_eq!(status["lastDecision"]["desiredReplicas"], 8);
    assert_eq!(status["lastDecision"]["applied"], false);
    assert_condition(&status, "ScalingActive", "False", "DryRun");
}

#[tokio::test]
async fn scenario_invalid_policy_gets_a_condition_and_no_scaling() {
    let p = policy(&SCALE_POLICY.replace("minReplicas: 2", "minReplicas: 12"));
    let Reconciled { calls, ctx } = reconcile_once(p, 4, BUSY).await;
    assert!(
        find(&calls, "GET", "/deployments/").is_empty()
            && find(&calls, "PATCH", "/scale").is_empty()
    );
    assert_eq!(events(&calls), vec![event("Warning", "InvalidSpec")]);
    let status = status_patch(&calls);
    assert_condition(&status, "Valid", "False", "InvalidSpec");
    let msg = status["conditions"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("minReplicas (12) is above maxReplicas (10)"),
        "{msg}"
    );
    let invalid = &[("policy", "notejam"), ("reason", "InvalidSpec")];
    assert_metric(
        &ctx,
        "notejam_autoscaler_decisions_total",
        invalid,
        Some(1.0),
    );
}

#[tokio::test]
async fn scenario_missing_deployment_is_a_condition_not_an_error() {
    let p = policy(&SCALE_POLICY.replace("name: notejam}", "name: gone}"));
    let Reconciled { calls, .. } = reconcile_once(p, 4, BUSY).await;
    assert_eq!(find(&calls, "GET", "/deployments/gone").len(), 1);
    assert!(find(&calls, "PATCH", "/scale").is_empty());
    assert_condition(&status_patch(&calls), "Valid", "False", "TargetNotFound");
}

#[tokio::test]
async fn scenario_missing_metric_holds_warns_and_leaves_no_value_sample() {
    let missing = &[("conns", Fake::Missing)];
    let Reconciled { calls, ctx } = reconcile_once(policy(SCALE_POLICY), 6, missing).await;
    assert!(
        find(&calls, "PATCH", "/scale").is_empty(),
        "missing data never scales"
    );
    assert_eq!(events(&calls), vec![event("Warning", "MetricsMissing")]);
    let status = status_patch(&calls);
    assert_eq!(status["lastDecision"]["reason"], "MetricsMissing");
    assert_eq!(status["lastDecision"]["holding"], true);
    assert_eq!(status["lastDecision"]["desiredReplicas"], 6);
    assert_eq!(status["metrics"][0]["state"], "missing");
    assert!(
        status["metrics"][0].get("value").is_none(),
        "missing is not 0"
    );
    assert_condition(&status, "MetricsAvailable", "False", "MetricsMissing");
    assert_metric(&ctx, "notejam_autoscaler_holding", POLICY, Some(1.0));
    let conns = &[("policy", "notejam"), ("metric", "conns")];
    assert_metric(&ctx, "notejam_autoscaler_metric_value", conns, None);
}

#[tokio::test]
async fn scenario_rejected_query_is_a_policy_problem() {
    let bad = &[("conns", Fake::BadQuery)];
    let Reconciled { calls, .. } = reconcile_once(policy(SCALE_POLICY), 4, bad).await;
    assert!(find(&calls, "PATCH", "/scale").is_empty());
    assert_condition(&status_patch(&calls), "Valid", "False", "QueryInvalid");
}

#[tokio::test]
async fn scenario_one_bad_policy_does_not_stop_the_others() {
    let good = policy(SCALE_POLICY);
    let mut bad = policy(&SCALE_POLICY.replace("value: 50", "value: 0"));
    bad.metadata.name = Some("broken".into());
    let (client, recorded) = mock_api(cluster(&good, 4));
    let ctx = context(client, BUSY, true);
    reconcile(Arc::new(bad), ctx.clone()).await.unwrap();
    reconcile(Arc::new(good), ctx).await.unwrap();
    let calls = calls(&recorded);
    let broken = find(&calls, "PATCH", "/scalingpolicies/broken/status");
    assert_eq!(broken.len(), 1);
    let scale = find(&calls, "PATCH", "/deployments/notejam/scale");
    assert_eq!(scale.len(), 1, "the good policy still scales");
    assert_eq!(scale[0].body["spec"]["replicas"], 8);
}

#[tokio::test]
async fn scenario_api_error_fails_the_reconcile_and_is_counted() {
    let p = Arc::new(policy(SCALE_POLICY));
    let (client, _) = mock_api(|_| api_error(500, "InternalError", "etcd down"));
    let ctx = context(client, BUSY, true);
    let err = reconcile(p.clone(), ctx.clone()).await.unwrap_err();
    assert_eq!(err.metric_label(), "kube_api");
    let action = error_policy(p, &err, ctx.clone());
    assert_eq!(action, Action::requeue(Duration::from_secs(15)));
    let kube_api = &[("policy", "notejam"), ("error", "kube_api")];
    let errors = "notejam_autoscaler_reconcile_errors_total";
    assert_metric(&ctx, errors, kube_api, Some(1.0));
}

#[tokio::test]
async fn scenario_a_wake_up_from_our_own_status_write_is_not_a_new_decision() {
    let p = Arc::new(policy(SCALE_POLICY));
    let (client, recorded) = mock_api(cluster(&p, 4));
    let ctx = context(client, BUSY, true);
    reconcile(p.clone(), ctx.clone()).await.unwrap();
    let first = calls(&recorded).len();
    // The status write wakes the watch at once: no API calls until the interval is up.
    let action = reconcile(p.clone(), ctx.clone()).await.unwrap();
    assert_eq!(calls(&recorded).len(), first);
    assert_ne!(action, Action::await_change());
    // A spec change (new generation) is acted on at once.
    let mut changed = (*p).clone();
    changed.metadata.generation = Some(4);
    reconcile(Arc::new(changed), ctx).await.unwrap();
    assert!(calls(&recorded).len() > first);
}

#[tokio::test]
async fn scenario_standby_replica_makes_no_calls() {
    let p = policy(SCALE_POLICY);
    let (client, recorded) = mock_api(cluster(&p, 4));
    reconcile(Arc::new(p), context(client, BUSY, false))
        .await
        .unwrap();
    assert!(calls(&recorded).is_empty());
}
