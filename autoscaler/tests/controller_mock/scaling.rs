//! Scale mode, dry run, policy and Deployment conditions, baselines, history, API errors, standby.

use std::sync::Arc;
use std::time::Duration;

use notejam_autoscaler::controller::{error_policy, reconcile};
use serde_json::json;

use super::mock::*;

#[tokio::test]
async fn scenario_scale_up_reads_deployment_patches_scale_then_event_then_status() {
    let p = policy(SCALE_POLICY);
    let (client, recorded) = mock_api(cluster(&p, 4));
    let ctx = context(client, &[("conns", Fake::Value(400.0))], true);
    let action = reconcile(Arc::new(p), ctx.clone()).await.unwrap();
    assert_eq!(
        action,
        kube::runtime::controller::Action::requeue(Duration::from_secs(15))
    );
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
    assert_eq!(events(&calls), vec![("Normal".into(), "ScaledUp".into())]);
    assert_eq!(calls[2].body["regarding"]["kind"], "ScalingPolicy");
    let status = status_patch(&calls);
    assert_eq!(status["lastDecision"]["desiredReplicas"], 8);
    // Twice the target per ready pod is the panic threshold: 8 at once, reported as panic.
    assert_eq!(status["lastDecision"]["reason"], "Panic");
    assert_eq!(status["lastDecision"]["panic"], true);
    assert_eq!(status["lastDecision"]["applied"], true);
    assert_eq!(status["observedGeneration"], 3);
    assert_eq!(status["metrics"][0]["thresholdSource"], "fixed");
    assert_eq!(condition(&status, "Valid"), ("True".into(), "Valid".into()));
    assert_eq!(condition(&status, "MetricsAvailable").0, "True");
    let m = &ctx.metrics;
    assert_eq!(
        m.get(
            "notejam_autoscaler_desired_replicas",
            &[("policy", "notejam")]
        ),
        Some(8.0)
    );
    assert_eq!(
        m.get(
            "notejam_autoscaler_current_replicas",
            &[("policy", "notejam")]
        ),
        Some(4.0)
    );
    assert_eq!(
        m.get(
            "notejam_autoscaler_metric_value",
            &[("policy", "notejam"), ("metric", "conns")]
        ),
        Some(400.0)
    );
    assert_eq!(
        m.get(
            "notejam_autoscaler_metric_target",
            &[
                ("policy", "notejam"),
                ("metric", "conns"),
                ("source", "fixed")
            ]
        ),
        Some(50.0)
    );
    assert_eq!(
        m.get(
            "notejam_autoscaler_decisions_total",
            &[("policy", "notejam"), ("reason", "Panic")]
        ),
        Some(1.0)
    );
    assert_eq!(
        m.get("notejam_autoscaler_holding", &[("policy", "notejam")]),
        Some(0.0)
    );
}

#[tokio::test]
async fn scenario_dry_run_changes_nothing_and_says_what_it_would_do() {
    let p = policy(&SCALE_POLICY.replace("mode: scale", "mode: dry-run"));
    let (client, recorded) = mock_api(cluster(&p, 4));
    reconcile(
        Arc::new(p),
        context(client, &[("conns", Fake::Value(400.0))], true),
    )
    .await
    .unwrap();
    let calls = calls(&recorded);
    assert!(
        find(&calls, "PATCH", "/scale").is_empty(),
        "no scale patch in dry-run"
    );
    assert_eq!(events(&calls), vec![("Normal".into(), "WouldScale".into())]);
    let status = status_patch(&calls);
    assert_eq!(status["lastDecision"]["desiredReplicas"], 8);
    assert_eq!(status["lastDecision"]["applied"], false);
    assert_eq!(
        condition(&status, "ScalingActive"),
        ("False".into(), "DryRun".into())
    );
}

#[tokio::test]
async fn scenario_invalid_policy_gets_a_condition_and_no_scaling() {
    let p = policy(&SCALE_POLICY.replace("minReplicas: 2", "minReplicas: 12"));
    let (client, recorded) = mock_api(cluster(&p, 4));
    let ctx = context(client, &[("conns", Fake::Value(400.0))], true);
    reconcile(Arc::new(p), ctx.clone()).await.unwrap();
    let calls = calls(&recorded);
    assert!(
        find(&calls, "GET", "/deployments/").is_empty()
            && find(&calls, "PATCH", "/scale").is_empty()
    );
    assert_eq!(
        events(&calls),
        vec![("Warning".into(), "InvalidSpec".into())]
    );
    let status = status_patch(&calls);
    assert_eq!(
        condition(&status, "Valid"),
        ("False".into(), "InvalidSpec".into())
    );
    let msg = status["conditions"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("minReplicas (12) is above maxReplicas (10)"),
        "{msg}"
    );
    assert_eq!(
        ctx.metrics.get(
            "notejam_autoscaler_decisions_total",
            &[("policy", "notejam"), ("reason", "InvalidSpec")]
        ),
        Some(1.0)
    );
}

#[tokio::test]
async fn scenario_missing_deployment_is_a_condition_not_an_error() {
    let p = policy(&SCALE_POLICY.replace("name: notejam}", "name: gone}"));
    let (client, recorded) = mock_api(cluster(&p, 4));
    reconcile(
        Arc::new(p),
        context(client, &[("conns", Fake::Value(400.0))], true),
    )
    .await
    .unwrap();
    let calls = calls(&recorded);
    assert_eq!(find(&calls, "GET", "/deployments/gone").len(), 1);
    assert!(find(&calls, "PATCH", "/scale").is_empty());
    assert_eq!(
        condition(&status_patch(&calls), "Valid"),
        ("False".into(), "TargetNotFound".into())
    );
}

#[tokio::test]
async fn scenario_missing_metric_holds_warns_and_leaves_no_value_sample() {
    let p = policy(SCALE_POLICY);
    let (client, recorded) = mock_api(cluster(&p, 6));
    let ctx = context(client, &[("conns", Fake::Missing)], true);
    reconcile(Arc::new(p), ctx.clone()).await.unwrap();
    let calls = calls(&recorded);
    assert!(
        find(&calls, "PATCH", "/scale").is_empty(),
        "missing data never scales"
    );
    assert_eq!(
        events(&calls),
        vec![("Warning".into(), "MetricsMissing".into())]
    );
    let status = status_patch(&calls);
    assert_eq!(status["lastDecision"]["reason"], "MetricsMissing");
    assert_eq!(status["lastDecision"]["holding"], true);
    assert_eq!(status["lastDecision"]["desiredReplicas"], 6);
    assert_eq!(status["metrics"][0]["state"], "missing");
    assert!(
        status["metrics"][0].get("value").is_none(),
        "missing is not 0"
    );
    assert_eq!(
        condition(&status, "MetricsAvailable"),
        ("False".into(), "MetricsMissing".into())
    );
    assert_eq!(
        ctx.metrics
            .get("notejam_autoscaler_holding", &[("policy", "notejam")]),
        Some(1.0)
    );
    assert_eq!(
        ctx.metrics.get(
            "notejam_autoscaler_metric_value",
            &[("policy", "notejam"), ("metric", "conns")]
        ),
        None
    );
}

const BASELINE_POLICY: &str = r#"
targetRef: {name: notejam}
mode: scale
minReplicas: 2
maxReplicas: 10
baseline: {configMap: notejam-baseline}
metrics:
  - name: conns
    prometheus: {query: "sum(notejam_http_open_connections)"}
    target: {type: AverageValue, fromBaseline: {field: capacity_connections_per_pod, utilization: 0.7}}
"#;

#[tokio::test]
async fn scenario_baseline_from_the_configmap_sets_the_target() {
    let p = policy(BASELINE_POLICY);
    let (client, recorded) = mock_api(cluster(&p, 4));
    let ctx = context(client, &[("conns", Fake::Value(168.0))], true);
    reconcile(Arc::new(p), ctx.clone()).await.unwrap();
    let calls = calls(&recorded);
    assert_eq!(
        find(
            &calls,
            "GET",
            "/api/v1/namespaces/notejam/configmaps/notejam-baseline"
        )
        .len(),
        1
    );
    let status = status_patch(&calls);
    // 60 x 0.7 = 42 per pod; 168 over 4 pods is exactly on target.
    assert_eq!(status["metrics"][0]["target"], 42.0);
    assert_eq!(status["metrics"][0]["thresholdSource"], "baseline");
    assert_eq!(status["lastDecision"]["reason"], "WithinTolerance");
    assert!(find(&calls, "PATCH", "/scale").is_empty());
    let m = &ctx.metrics;
    assert_eq!(
        m.get(
            "notejam_autoscaler_baseline_value",
            &[
                ("policy", "notejam"),
                ("field", "capacity_connections_per_pod")
            ]
        ),
        Some(60.0)
    );
    assert_eq!(
        m.get(
            "notejam_autoscaler_metric_target",
            &[
                ("policy", "notejam"),
                ("metric", "conns"),
                ("source", "baseline")
            ]
        ),
        Some(42.0)
    );
}

#[tokio::test]
async fn scenario_history_threshold_wins_over_the_baseline() {
    let yaml = BASELINE_POLICY.replace(
        "fromBaseline:",
        "fromHistory: {perPodQuery: \"sum(notejam_http_open_connections) / count(up == 1)\", sloQuery: \"vector(1)\"}, fromBaseline:",
    );
    let p = policy(&yaml);
    let (client, recorded) = mock_api(cluster(&p, 4));
    let ctx = context_with_history(client, &[("conns", Fake::Value(168.0))], true, Some(30.0));
    reconcile(Arc::new(p), ctx).await.unwrap();
    let status = status_patch(&calls(&recorded));
    assert_eq!(status["metrics"][0]["thresholdSource"], "history");
    assert_eq!(status["metrics"][0]["target"], 30.0);
    // 168 / 30 = 5.6 -> 6 replicas.
    assert_eq!(status["lastDecision"]["desiredReplicas"], 6);
}

#[tokio::test]
async fn scenario_missing_baseline_configmap_stops_scaling_with_a_condition() {
    let p = policy(&BASELINE_POLICY.replace("configMap: notejam-baseline", "configMap: absent"));
    let (client, recorded) = mock_api(cluster(&p, 4));
    reconcile(
        Arc::new(p),
        context(client, &[("conns", Fake::Value(1000.0))], true),
    )
    .await
    .unwrap();
    let calls = calls(&recorded);
    assert!(find(&calls, "PATCH", "/scale").is_empty());
    let status = status_patch(&calls);
    assert_eq!(
        condition(&status, "Valid"),
        ("False".into(), "BaselineMissing".into())
    );
}

#[tokio::test]
async fn scenario_rejected_query_is_a_policy_problem() {
    let p = policy(SCALE_POLICY);
    let (client, recorded) = mock_api(cluster(&p, 4));
    reconcile(
        Arc::new(p),
        context(client, &[("conns", Fake::BadQuery)], true),
    )
    .await
    .unwrap();
    let calls = calls(&recorded);
    assert!(find(&calls, "PATCH", "/scale").is_empty());
    assert_eq!(
        condition(&status_patch(&calls), "Valid"),
        ("False".into(), "QueryInvalid".into())
    );
}

#[tokio::test]
async fn scenario_one_bad_policy_does_not_stop_the_others() {
    let good = policy(SCALE_POLICY);
    let mut bad = policy(&SCALE_POLICY.replace("value: 50", "value: 0"));
    bad.metadata.name = Some("broken".into());
    let (client, recorded) = mock_api(cluster(&good, 4));
    let ctx = context(client, &[("conns", Fake::Value(400.0))], true);
    reconcile(Arc::new(bad), ctx.clone()).await.unwrap();
    reconcile(Arc::new(good), ctx).await.unwrap();
    let calls = calls(&recorded);
    assert_eq!(
        find(&calls, "PATCH", "/scalingpolicies/broken/status").len(),
        1
    );
    let scale = find(&calls, "PATCH", "/deployments/notejam/scale");
    assert_eq!(scale.len(), 1, "the good policy still scales");
    assert_eq!(scale[0].body["spec"]["replicas"], 8);
}

#[tokio::test]
async fn scenario_api_error_fails_the_reconcile_and_is_counted() {
    let p = policy(SCALE_POLICY);
    let (client, _) = mock_api(|_| {
        (
            500,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "InternalError", "code": 500, "message": "etcd down"}),
        )
    });
    let ctx = context(client, &[("conns", Fake::Value(400.0))], true);
    let p = Arc::new(p);
    let err = reconcile(p.clone(), ctx.clone()).await.unwrap_err();
    assert_eq!(err.metric_label(), "kube_api");
    let action = error_policy(p, &err, ctx.clone());
    assert_eq!(
        action,
        kube::runtime::controller::Action::requeue(Duration::from_secs(15))
    );
    assert_eq!(
        ctx.metrics.get(
            "notejam_autoscaler_reconcile_errors_total",
            &[("policy", "notejam"), ("error", "kube_api")]
        ),
        Some(1.0)
    );
}

#[tokio::test]
async fn scenario_a_wake_up_from_our_own_status_write_is_not_a_new_decision() {
    let p = Arc::new(policy(SCALE_POLICY));
    let (client, recorded) = mock_api(cluster(&p, 4));
    let ctx = context(client, &[("conns", Fake::Value(400.0))], true);
    reconcile(p.clone(), ctx.clone()).await.unwrap();
    let first = calls(&recorded).len();
    // The status write wakes the watch at once: no API calls until the interval is up.
    let action = reconcile(p.clone(), ctx.clone()).await.unwrap();
    assert_eq!(calls(&recorded).len(), first);
    assert_ne!(action, kube::runtime::controller::Action::await_change());
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
    reconcile(
        Arc::new(p),
        context(client, &[("conns", Fake::Value(400.0))], false),
    )
    .await
    .unwrap();
    assert!(calls(&recorded).is_empty());
}
