//! The controller's Kubernetes calls (get Deployment, patch scale, status, Events, HPA, Lease)
//! in named scenarios against kube's tower-test mock API server.
//!
//! No Kubernetes API server runs on this machine, so these tests check the requests the
//! controller makes and how it reacts to the answers; they do not prove a real cluster accepts
//! them (the CRD and RBAC are checked offline elsewhere).

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use http::{Request, Response};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::jiff::Timestamp;
use kube::client::Body;
use kube::{Api, Client};
use notejam_autoscaler::controller::{Context, error_policy, reconcile};
use notejam_autoscaler::leader::LeaderElector;
use notejam_autoscaler::metrics::Metrics;
use notejam_autoscaler::policy::{MetricSpec, ScalingPolicy, ScalingPolicySpec};
use notejam_autoscaler::sources::{MetricReader, Reading, SourceError};
use serde_json::{Value, json};

const NS: &str = "notejam";

#[derive(Clone, Debug)]
struct Call {
    method: String,
    path: String,
    body: Value,
}

type Calls = Arc<Mutex<Vec<Call>>>;

/// A mock API server: every request is recorded and answered by `answer`.
fn mock_api(answer: impl Fn(&Call) -> (u16, Value) + Send + Sync + 'static) -> (Client, Calls) {
    let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let calls: Calls = Arc::default();
    let recorded = calls.clone();
    tokio::spawn(async move {
        while let Some((request, send)) = handle.next_request().await {
            let method = request.method().to_string();
            let path = request.uri().to_string();
            let bytes = request.into_body().collect_bytes().await.unwrap();
            let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let call = Call { method, path, body };
            let (code, reply) = answer(&call);
            recorded.lock().unwrap().push(call);
            send.send_response(
                Response::builder()
                    .status(code)
                    .body(Body::from(serde_json::to_vec(&reply).unwrap()))
                    .unwrap(),
            );
        }
    });
    (Client::new(service, NS), calls)
}

fn not_found() -> (u16, Value) {
    (
        404,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found"}),
    )
}

fn deployment(replicas: i32, ready: i32) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "notejam", "namespace": NS},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "notejam"}}, "template": {"metadata": {}, "spec": {"containers": []}}},
        "status": {"replicas": replicas, "readyReplicas": ready}
    })
}

fn scale(replicas: u64) -> Value {
    json!({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "notejam", "namespace": NS}, "spec": {"replicas": replicas}, "status": {"replicas": replicas}})
}

/// The usual cluster: a Deployment at `replicas` (all ready), writes echoed back.
fn cluster(
    policy: &ScalingPolicy,
    replicas: i32,
) -> impl Fn(&Call) -> (u16, Value) + Send + Sync + 'static {
    let policy = serde_json::to_value(policy).unwrap();
    let baseline = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/baseline.json"
    ))
    .unwrap();
    move |c: &Call| {
        let p = c.path.as_str();
        match c.method.as_str() {
            "GET" if p.ends_with("/deployments/notejam") => (200, deployment(replicas, replicas)),
            "GET" if p.ends_with("/configmaps/notejam-baseline") => (
                200,
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "notejam-baseline"}, "data": {"baseline.json": baseline}}),
            ),
            "GET" => not_found(),
            "PATCH" if p.contains("/deployments/notejam/scale") => {
                (200, scale(c.body["spec"]["replicas"].as_u64().unwrap()))
            }
            "PATCH" if p.contains("/status") => {
                let mut v = policy.clone();
                v["status"] = c.body["status"].clone();
                (200, v)
            }
            _ => (if c.method == "POST" { 201 } else { 200 }, c.body.clone()),
        }
    }
}

#[derive(Clone)]
enum Fake {
    Value(f64),
    Missing,
    BadQuery,
}

/// Canned metric readings by metric name; the history query answers `history`.
struct FakeReader {
    readings: HashMap<String, Fake>,
    history: Option<f64>,
}

impl MetricReader for FakeReader {
    fn read<'a>(
        &'a self,
        metric: &'a MetricSpec,
        _: SystemTime,
        _: u32,
    ) -> BoxFuture<'a, Result<Reading, SourceError>> {
        let r = match self
            .readings
            .get(&metric.name)
            .cloned()
            .unwrap_or(Fake::Missing)
        {
            Fake::Value(v) => Ok(Reading::Value(v)),
            Fake::Missing => Ok(Reading::Missing("no series".into())),
            Fake::BadQuery => Err(SourceError::BadQuery("parse error at char 5".into())),
        };
        Box::pin(async move { r })
    }

    fn promql<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Reading, SourceError>> {
        let r = match self.history {
            Some(v) => Reading::Value(v),
            None => Reading::Missing("no history".into()),
        };
        Box::pin(async move { Ok(r) })
    }
}

fn policy(yaml: &str) -> ScalingPolicy {
    let spec: ScalingPolicySpec = serde_yaml::from_str(yaml).unwrap();
    let mut p = ScalingPolicy::new("notejam", spec);
    p.metadata.namespace = Some(NS.into());
    p.metadata.generation = Some(3);
    p.metadata.uid = Some("0b7c1c9e-0000-4000-8000-000000000001".into());
    p
}

const SCALE_POLICY: &str = r#"
targetRef: {name: notejam}
mode: scale
minReplicas: 2
maxReplicas: 10
metrics:
  - name: conns
    prometheus: {query: "sum(notejam_http_open_connections)"}
    target: {type: AverageValue, value: 50}
"#;

fn context(client: Client, readings: &[(&str, Fake)], leader: bool) -> Arc<Context> {
    context_with_history(client, readings, leader, None)
}

/// A context whose history (and forecast) queries all answer `history`.
fn context_with_history(
    client: Client,
    readings: &[(&str, Fake)],
    leader: bool,
    history: Option<f64>,
) -> Arc<Context> {
    let reader = FakeReader {
        readings: readings
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        history,
    };
    Arc::new(Context::new(
        client,
        Arc::new(reader),
        Metrics::new(),
        Arc::new(AtomicBool::new(leader)),
        Some("test-pod".into()),
    ))
}

fn calls(c: &Calls) -> Vec<Call> {
    c.lock().unwrap().clone()
}

fn find<'a>(calls: &'a [Call], method: &str, path_part: &str) -> Vec<&'a Call> {
    calls
        .iter()
        .filter(|c| c.method == method && c.path.contains(path_part))
        .collect()
}

fn status_patch(calls: &[Call]) -> Value {
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

fn condition(status: &Value, type_: &str) -> (String, String) {
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

fn events(calls: &[Call]) -> Vec<(String, String)> {
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

#[tokio::test]
async fn scenario_the_forecast_scales_ahead_and_says_so_in_status_and_an_event() {
    let p = policy(&forecast_and_guard_policy());
    let (client, recorded) = mock_api(cluster(&p, 4));
    // On target now (200 over 4 pods), but 400 came at this time yesterday and last week.
    let readings = [
        ("conns", Fake::Value(200.0)),
        ("rds-cpu", Fake::Value(40.0)),
    ];
    let ctx = context_with_history(client, &readings, true, Some(400.0));
    reconcile(Arc::new(p), ctx.clone()).await.unwrap();
    let calls = calls(&recorded);
    assert_eq!(
        find(&calls, "PATCH", "/scale")[0].body["spec"],
        json!({"replicas": 8})
    );
    let ev = events(&calls);
    assert!(
        ev.contains(&("Normal".into(), "ForecastFloor".into())),
        "{ev:?}"
    );
    let status = status_patch(&calls);
    assert_eq!(status["lastDecision"]["reason"], "Forecast");
    assert_eq!(status["lastDecision"]["forecastReplicas"], 8);
    assert_eq!(status["metrics"][0]["forecast"], 400.0);
    assert_eq!(status["metrics"][1]["role"], "guard");
    assert_eq!(
        ctx.metrics.get(
            "notejam_autoscaler_forecast_replicas",
            &[("policy", "notejam")]
        ),
        Some(8.0)
    );
}

#[tokio::test]
async fn scenario_a_saturated_guard_holds_scale_up_and_warns() {
    let p = policy(&forecast_and_guard_policy());
    let (client, recorded) = mock_api(cluster(&p, 4));
    let ctx = context(
        client,
        &[
            ("conns", Fake::Value(400.0)),
            ("rds-cpu", Fake::Value(93.0)),
        ],
        true,
    );
    reconcile(Arc::new(p), ctx).await.unwrap();
    let calls = calls(&recorded);
    assert!(find(&calls, "PATCH", "/scale").is_empty(), "no scale-up");
    assert!(events(&calls).contains(&("Warning".into(), "Guarded".into())));
    let status = status_patch(&calls);
    assert_eq!(status["lastDecision"]["reason"], "Guarded");
    assert_eq!(
        status["lastDecision"]["saturatedGuards"],
        json!(["rds-cpu"])
    );
    assert_eq!(status["lastDecision"]["desiredReplicas"], 4);
}

#[tokio::test]
async fn scenario_tune_creates_the_hpa_when_absent() {
    let p = policy(TUNE_POLICY);
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
        "tune leaves scaling to the HPA"
    );
    let created = find(
        &calls,
        "POST",
        "/apis/autoscaling/v2/namespaces/notejam/horizontalpodautoscalers",
    );
    assert_eq!(created.len(), 1);
    let spec = &created[0].body["spec"];
    assert_eq!(spec["scaleTargetRef"]["name"], "notejam");
    assert_eq!(
        (spec["minReplicas"].clone(), spec["maxReplicas"].clone()),
        (json!(3), json!(30))
    );
    assert_eq!(
        spec["metrics"][0]["external"]["metric"]["name"],
        "notejam_http_open_connections"
    );
    assert_eq!(
        spec["metrics"][0]["external"]["target"],
        json!({"type": "AverageValue", "averageValue": "42500m"})
    );
    assert_eq!(events(&calls), vec![("Normal".into(), "TunedHpa".into())]);
    assert_eq!(
        condition(&status_patch(&calls), "ScalingActive"),
        ("True".into(), "TuningHpa".into())
    );
}

#[tokio::test]
async fn scenario_tune_patches_the_targets_of_an_existing_hpa() {
    let p = policy(TUNE_POLICY);
    let base = cluster(&p, 4);
    let (client, recorded) = mock_api(move |c| {
        if c.method == "GET" && c.path.ends_with("/horizontalpodautoscalers/notejam") {
            return (
                200,
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
                }),
            );
        }
        if c.method == "PATCH" && c.path.contains("/horizontalpodautoscalers/") {
            return (
                200,
                json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "notejam"},
                "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "notejam"}, "maxReplicas": 30}}),
            );
        }
        base(c)
    });
    reconcile(
        Arc::new(p),
        context(client, &[("conns", Fake::Value(400.0))], true),
    )
    .await
    .unwrap();
    let calls = calls(&recorded);
    let patched = find(
        &calls,
        "PATCH",
        "/apis/autoscaling/v2/namespaces/notejam/horizontalpodautoscalers/notejam",
    );
    assert_eq!(patched.len(), 1);
    let spec = &patched[0].body["spec"];
    assert_eq!(
        (spec["minReplicas"].clone(), spec["maxReplicas"].clone()),
        (json!(3), json!(30))
    );
    // The matching Pods metric keeps its type and gets the new target; the CPU metric is untouched.
    assert_eq!(spec["metrics"][0]["type"], "Pods");
    assert_eq!(
        spec["metrics"][0]["pods"]["target"]["averageValue"],
        "42500m"
    );
    assert_eq!(spec["metrics"][1]["resource"]["name"], "cpu");
    assert_eq!(spec["metrics"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn scenario_a_deleted_policy_is_forgotten_and_each_reconcile_is_timed() {
    let p = policy(SCALE_POLICY);
    let (client, _recorded) = mock_api(cluster(&p, 4));
    let ctx = context(client, &[("conns", Fake::Value(400.0))], true);
    reconcile(Arc::new(p), ctx.clone()).await.unwrap();
    let key = "notejam/notejam";
    assert!(ctx.remembers(key));
    assert_eq!(ctx.metrics.reconciles_timed("notejam"), 1);
    let gauge = (
        "notejam_autoscaler_desired_replicas",
        [("policy", "notejam")],
    );
    assert_eq!(ctx.metrics.get(gauge.0, &gauge.1), Some(8.0));

    // Still in the watch cache: kept.
    let present: std::collections::HashSet<String> = [key.to_string()].into();
    assert!(ctx.forget_absent(&present).is_empty());
    assert!(ctx.remembers(key));

    // Gone from the watch cache: its history, last run, gauges and timings are dropped; the
    // counters stay, as Prometheus expects of counters.
    assert_eq!(
        ctx.forget_absent(&Default::default()),
        vec![key.to_string()]
    );
    assert!(!ctx.remembers(key));
    assert_eq!(ctx.metrics.get(gauge.0, &gauge.1), None);
    assert_eq!(ctx.metrics.reconciles_timed("notejam"), 0);
    assert!(
        ctx.metrics
            .get(
                "notejam_autoscaler_decisions_total",
                &[("policy", "notejam"), ("reason", "Panic")]
            )
            .is_some()
    );
}

// ---- Leader election over a Lease ----

fn lease(holder: Option<&str>, renewed_secs_ago: i64, duration: i32, transitions: i32) -> Value {
    let renew = Timestamp::now() - k8s_openapi::jiff::SignedDuration::from_secs(renewed_secs_ago);
    json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "notejam-autoscaler", "namespace": NS, "resourceVersion": "41"},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": duration, "renewTime": renew.to_string(),
                 "acquireTime": renew.to_string(), "leaseTransitions": transitions}
    })
}

fn elector(client: Client, me: &str) -> LeaderElector {
    LeaderElector::new(
        Api::<Lease>::namespaced(client, NS),
        "notejam-autoscaler",
        me,
        Duration::from_secs(15),
    )
}

const LEASE_PATH: &str = "/apis/coordination.k8s.io/v1/namespaces/notejam/leases";

#[tokio::test]
async fn scenario_lease_absent_is_created_and_held() {
    let (client, recorded) = mock_api(|c| {
        if c.method == "GET" {
            not_found()
        } else {
            (201, c.body.clone())
        }
    });
    assert!(
        elector(client, "pod-a")
            .try_acquire_or_renew(Timestamp::now())
            .await
            .unwrap()
    );
    let calls = calls(&recorded);
    let created = find(&calls, "POST", LEASE_PATH);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].body["spec"]["holderIdentity"], "pod-a");
    assert_eq!(created[0].body["spec"]["leaseDurationSeconds"], 15);
}

#[tokio::test]
async fn scenario_lease_held_by_a_live_peer_is_left_alone() {
    let (client, recorded) = mock_api(|c| {
        if c.method == "GET" {
            (200, lease(Some("pod-b"), 3, 15, 2))
        } else {
            (200, c.body.clone())
        }
    });
    assert!(
        !elector(client, "pod-a")
            .try_acquire_or_renew(Timestamp::now())
            .await
            .unwrap()
    );
    assert_eq!(calls(&recorded).len(), 1, "only the read");
}

#[tokio::test]
async fn scenario_expired_lease_is_taken_over_with_its_resource_version() {
    let (client, recorded) = mock_api(|c| {
        if c.method == "GET" {
            (200, lease(Some("pod-b"), 60, 15, 2))
        } else {
            (200, c.body.clone())
        }
    });
    assert!(
        elector(client, "pod-a")
            .try_acquire_or_renew(Timestamp::now())
            .await
            .unwrap()
    );
    let calls = calls(&recorded);
    let put = find(&calls, "PUT", &format!("{LEASE_PATH}/notejam-autoscaler"));
    assert_eq!(put.len(), 1);
    assert_eq!(
        put[0].body["metadata"]["resourceVersion"], "41",
        "optimistic concurrency"
    );
    assert_eq!(put[0].body["spec"]["holderIdentity"], "pod-a");
    assert_eq!(put[0].body["spec"]["leaseTransitions"], 3);
}

#[tokio::test]
async fn scenario_own_lease_is_renewed_without_a_transition() {
    let (client, recorded) = mock_api(|c| {
        if c.method == "GET" {
            (200, lease(Some("pod-a"), 5, 15, 2))
        } else {
            (200, c.body.clone())
        }
    });
    assert!(
        elector(client, "pod-a")
            .try_acquire_or_renew(Timestamp::now())
            .await
            .unwrap()
    );
    let calls = calls(&recorded);
    let put = find(&calls, "PUT", LEASE_PATH);
    assert_eq!(put[0].body["spec"]["leaseTransitions"], 2);
}

#[tokio::test]
async fn scenario_losing_the_race_for_the_lease_is_not_an_error() {
    let (client, _) = mock_api(|c| {
        if c.method == "GET" {
            (200, lease(Some("pod-b"), 60, 15, 2))
        } else {
            (
                409,
                json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "Conflict", "code": 409, "message": "the object has been modified"}),
            )
        }
    });
    assert!(
        !elector(client, "pod-a")
            .try_acquire_or_renew(Timestamp::now())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn scenario_release_clears_the_holder() {
    let (client, recorded) = mock_api(|c| {
        if c.method == "GET" {
            (200, lease(Some("pod-a"), 5, 15, 2))
        } else {
            (200, c.body.clone())
        }
    });
    elector(client, "pod-a").release().await.unwrap();
    let calls = calls(&recorded);
    let put = find(&calls, "PUT", LEASE_PATH);
    assert!(
        put[0].body["spec"]
            .get("holderIdentity")
            .is_none_or(Value::is_null)
    );
}

// ---- Admin endpoints ----

#[tokio::test]
async fn admin_serves_metrics_health_and_readiness() {
    let metrics = Metrics::new();
    metrics.set(
        "notejam_autoscaler_desired_replicas",
        &[("policy", "notejam")],
        5.0,
    );
    metrics.inc(
        "notejam_autoscaler_decisions_total",
        &[("policy", "notejam"), ("reason", "ScaleUp")],
    );
    let ready = Arc::new(AtomicBool::new(false));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(notejam_autoscaler::admin::serve(
        listener,
        metrics,
        ready.clone(),
    ));
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("http://{addr}{path}")).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().status(), 503);
    ready.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    let response = get("/metrics").await.unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let body = response.text().await.unwrap();
    assert!(
        body.contains("notejam_autoscaler_desired_replicas{policy=\"notejam\"} 5"),
        "{body}"
    );
    // OpenMetrics names the counter family without `_total`; its samples carry it.
    assert!(
        body.contains("# TYPE notejam_autoscaler_decisions counter"),
        "{body}"
    );
    assert!(
        body.contains(
            "notejam_autoscaler_decisions_total{policy=\"notejam\",reason=\"ScaleUp\"} 1"
        ),
        "{body}"
    );
    assert!(
        body.contains(
            "# HELP notejam_autoscaler_desired_replicas Replicas after stabilisation and limits.\n"
        ),
        "{body}"
    );
    assert!(body.ends_with("# EOF\n"), "{body}");
}
