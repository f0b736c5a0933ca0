//! The forecast and the guard in status and Events, the HPA in tune mode, a deleted policy forgotten.

use std::sync::Arc;

use notejam_autoscaler::controller::reconcile;
use serde_json::{Value, json};

use super::mock::*;
use super::scenario::*;

const TUNE_POLICY: &str = r#"
targetRef: {name: notejam}
mode: tune
minReplicas: 3
maxReplicas: 30
metrics:
  - name: conns
    prometheus: {query: "sum(notejam_http_open_connections)"}
    target: {type: AverageValue, value: 42.5}
    hpaMetricName: notejam_http_open_connections
"#;

/// The scale policy with a forecast on its metric and an RDS CPU guard beside it.
fn forecast_and_guard_policy() -> String {
    let forecast = "value: 50}\n    forecast: {seasons: [\"1d\", \"7d\"]}\n";
    let guard = "  - name: rds-cpu\n    role: Guard\n    cloudwatch: {namespace: AWS/RDS, metricName: CPUUtilization, statistic: Average}\n    target: {type: Value, value: 80}\n";
    SCALE_POLICY.replace("value: 50}\n", forecast) + guard
}

/// An HPA's `minReplicas` and `maxReplicas`.
fn bounds(spec: &Value) -> (Value, Value) {
    (spec["minReplicas"].clone(), spec["maxReplicas"].clone())
}

#[tokio::test]
async fn scenario_the_forecast_scales_ahead_and_says_so_in_status_and_an_event() {
    let p = policy(&forecast_and_guard_policy());
    let api = cluster(&p, 4);
    // On target now (200 over 4 pods), but 400 came at this time yesterday and last week.
    let readings = [
        ("conns", Fake::Value(200.0)),
        ("rds-cpu", Fake::Value(40.0)),
    ];
    let Reconciled { calls, ctx } = reconcile_against(p, api, &readings, Some(400.0)).await;
    let scale = find(&calls, "PATCH", "/scale");
    assert_eq!(scale[0].body["spec"], json!({"replicas": 8}));
    let ev = events(&calls);
    assert!(ev.contains(&event("Normal", "ForecastFloor")), "{ev:?}");
    let status = status_patch(&calls);
    assert_eq!(status["lastDecision"]["reason"], "Forecast");
    assert_eq!(status["lastDecision"]["forecastReplicas"], 8);
    assert_eq!(status["metrics"][0]["forecast"], 400.0);
    assert_eq!(status["metrics"][1]["role"], "guard");
    let forecast = "notejam_autoscaler_forecast_replicas";
    assert_metric(&ctx, forecast, &[("policy", "notejam")], Some(8.0));
}

#[tokio::test]
async fn scenario_a_saturated_guard_holds_scale_up_and_warns() {
    let readings = [
        ("conns", Fake::Value(400.0)),
        ("rds-cpu", Fake::Value(93.0)),
    ];
    let p = policy(&forecast_and_guard_policy());
    let Reconciled { calls, .. } = reconcile_once(p, 4, &readings).await;
    assert!(find(&calls, "PATCH", "/scale").is_empty(), "no scale-up");
    assert!(events(&calls).contains(&event("Warning", "Guarded")));
    let status = status_patch(&calls);
    assert_eq!(status["lastDecision"]["reason"], "Guarded");
    let saturated = &status["lastDecision"]["saturatedGuards"];
    assert_eq!(saturated, &json!(["rds-cpu"]));
    assert_eq!(status["lastDecision"]["desiredReplicas"], 4);
}

#[tokio::test]
async fn scenario_tune_creates_the_hpa_when_absent() {
    let Reconciled { calls, .. } = reconcile_once(policy(TUNE_POLICY), 4, BUSY).await;
    assert!(
        find(&calls, "PATCH", "/scale").is_empty(),
        "tune leaves scaling to the HPA"
    );
    let hpas = "/apis/autoscaling/v2/namespaces/notejam/horizontalpodautoscalers";
    let created = find(&calls, "POST", hpas);
    assert_eq!(created.len(), 1);
    let spec = &created[0].body["spec"];
    assert_eq!(spec["scaleTargetRef"]["name"], "notejam");
    assert_eq!(bounds(spec), (json!(3), json!(30)));
    let external = &spec["metrics"][0]["external"];
    assert_eq!(external["metric"]["name"], "notejam_http_open_connections");
    assert_eq!(
        external["target"],
        json!({"type": "AverageValue", "averageValue": "42500m"})
    );
    assert_eq!(events(&calls), vec![event("Normal", "TunedHpa")]);
    assert_condition(&status_patch(&calls), "ScalingActive", "True", "TuningHpa");
}

/// The HPA the tune scenario finds: a Pods metric the policy tunes and a CPU metric it does not.
fn existing_hpa() -> Value {
    json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "notejam", "namespace": NS},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "notejam"},
            "minReplicas": 2, "maxReplicas": 10,
            "metrics": [
                {"type": "Pods", "pods": {"metric": {"name": "notejam_http_open_connections"}, "target": {"type": "AverageValue", "averageValue": "30"}}},
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}
            ]
        }
    })
}

#[tokio::test]
async fn scenario_tune_patches_the_targets_of_an_existing_hpa() {
    let p = policy(TUNE_POLICY);
    let base = cluster(&p, 4);
    let api = move |c: &Call| {
        if c.method == "GET" && c.path.ends_with("/horizontalpodautoscalers/notejam") {
            return (200, existing_hpa());
        }
        if c.method == "PATCH" && c.path.contains("/horizontalpodautoscalers/") {
            return (
                200,
                json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "notejam"},
                "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "notejam"}, "maxReplicas": 30}}),
            );
        }
        base(c)
    };
    let Reconciled { calls, .. } = reconcile_against(p, api, BUSY, None).await;
    let hpa = "/apis/autoscaling/v2/namespaces/notejam/horizontalpodautoscalers/notejam";
    let patched = find(&calls, "PATCH", hpa);
    assert_eq!(patched.len(), 1);
    let spec = &patched[0].body["spec"];
    assert_eq!(bounds(spec), (json!(3), json!(30)));
    // The matching Pods metric keeps its type and gets the new target; the CPU metric is untouched.
    assert_eq!(spec["metrics"][0]["type"], "Pods");
    let pods_target = &spec["metrics"][0]["pods"]["target"];
    assert_eq!(pods_target["averageValue"], "42500m");
    assert_eq!(spec["metrics"][1]["resource"]["name"], "cpu");
    assert_eq!(spec["metrics"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn scenario_a_deleted_policy_is_forgotten_and_each_reconcile_is_timed() {
    let p = policy(SCALE_POLICY);
    let (client, _recorded) = mock_api(cluster(&p, 4));
    let ctx = context(client, BUSY, true);
    reconcile(Arc::new(p), ctx.clone()).await.unwrap();
    let key = "notejam/notejam";
    assert!(ctx.remembers(key));
    assert_eq!(ctx.metrics.reconciles_timed("notejam"), 1);
    let (gauge, policy_label) = (
        "notejam_autoscaler_desired_replicas",
        [("policy", "notejam")],
    );
    assert_metric(&ctx, gauge, &policy_label, Some(8.0));

    // Still in the watch cache: kept.
    let present: std::collections::HashSet<String> = [key.to_string()].into();
    assert!(ctx.forget_absent(&present).is_empty());
    assert!(ctx.remembers(key));

    // Gone from the watch cache: its history, last run, gauges and timings are dropped; the
    // counters stay, as Prometheus expects of counters.
    let forgotten = ctx.forget_absent(&Default::default());
    assert_eq!(forgotten, vec![key.to_string()]);
    assert!(!ctx.remembers(key));
    assert_metric(&ctx, gauge, &policy_label, None);
    assert_eq!(ctx.metrics.reconciles_timed("notejam"), 0);
    let panic = &[("policy", "notejam"), ("reason", "Panic")];
    let decisions = ctx.metrics.get("notejam_autoscaler_decisions_total", panic);
    assert!(decisions.is_some());
}
