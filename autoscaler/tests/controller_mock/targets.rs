//! Where a metric's target comes from: the baseline ConfigMap, history over the baseline, and a
//! missing baseline stopping the scaling with a condition.

use super::mock::*;
use super::scenario::*;

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

/// 168 open connections: 4 pods at the baseline's 42 per pod.
const ON_TARGET: &[(&str, Fake)] = &[("conns", Fake::Value(168.0))];

#[tokio::test]
async fn scenario_baseline_from_the_configmap_sets_the_target() {
    let Reconciled { calls, ctx } = reconcile_once(policy(BASELINE_POLICY), 4, ON_TARGET).await;
    let configmap = "/api/v1/namespaces/notejam/configmaps/notejam-baseline";
    assert_eq!(find(&calls, "GET", configmap).len(), 1);
    let status = status_patch(&calls);
    // 60 x 0.7 = 42 per pod; 168 over 4 pods is exactly on target.
    assert_eq!(status["metrics"][0]["target"], 42.0);
    assert_eq!(status["metrics"][0]["thresholdSource"], "baseline");
    assert_eq!(status["lastDecision"]["reason"], "WithinTolerance");
    assert!(find(&calls, "PATCH", "/scale").is_empty());
    let field = &[
        ("policy", "notejam"),
        ("field", "capacity_connections_per_pod"),
    ];
    assert_metric(&ctx, "notejam_autoscaler_baseline_value", field, Some(60.0));
    let source = &[
        ("policy", "notejam"),
        ("metric", "conns"),
        ("source", "baseline"),
    ];
    assert_metric(&ctx, "notejam_autoscaler_metric_target", source, Some(42.0));
}

#[tokio::test]
async fn scenario_history_threshold_wins_over_the_baseline() {
    let yaml = BASELINE_POLICY.replace(
        "fromBaseline:",
        "fromHistory: {perPodQuery: \"sum(notejam_http_open_connections) / count(up == 1)\", sloQuery: \"vector(1)\"}, fromBaseline:",
    );
    let p = policy(&yaml);
    let api = cluster(&p, 4);
    let Reconciled { calls, .. } = reconcile_against(p, api, ON_TARGET, Some(30.0)).await;
    let status = status_patch(&calls);
    assert_eq!(status["metrics"][0]["thresholdSource"], "history");
    assert_eq!(status["metrics"][0]["target"], 30.0);
    // 168 / 30 = 5.6 -> 6 replicas.
    assert_eq!(status["lastDecision"]["desiredReplicas"], 6);
}

#[tokio::test]
async fn scenario_missing_baseline_configmap_stops_scaling_with_a_condition() {
    let p = policy(&BASELINE_POLICY.replace("configMap: notejam-baseline", "configMap: absent"));
    let overload = &[("conns", Fake::Value(1000.0))];
    let Reconciled { calls, .. } = reconcile_once(p, 4, overload).await;
    assert!(find(&calls, "PATCH", "/scale").is_empty());
    assert_condition(&status_patch(&calls), "Valid", "False", "BaselineMissing");
}
