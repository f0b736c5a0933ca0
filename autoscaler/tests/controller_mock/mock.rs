//! The mock API server (kube's tower-test: no Kubernetes API server runs here), the usual
//! cluster it plays, a fake metric reader, and the scenarios' policies and contexts.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use futures::future::BoxFuture;
use http::{Request, Response};
use kube::Client;
use kube::client::Body;
use notejam_autoscaler::controller::Context;
use notejam_autoscaler::metrics::Metrics;
use notejam_autoscaler::policy::{MetricSpec, ScalingPolicy, ScalingPolicySpec};
use notejam_autoscaler::sources::{MetricReader, Reading, SourceError};
use serde_json::{Value, json};

pub const NS: &str = "notejam";

#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub body: Value,
}

pub type Calls = Arc<Mutex<Vec<Call>>>;

/// A mock API server: every request is recorded and answered by `answer`.
pub fn mock_api(answer: impl Fn(&Call) -> (u16, Value) + Send + Sync + 'static) -> (Client, Calls) {
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

/// A failed call as the API server answers it: a `Status` with `code`, `reason` and `message`.
pub fn api_error(code: u16, reason: &str, message: &str) -> (u16, Value) {
    let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "reason": reason, "code": code, "message": message});
    (code, status)
}

pub fn not_found() -> (u16, Value) {
    api_error(404, "NotFound", "not found")
}

pub fn deployment(replicas: i32, ready: i32) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "notejam", "namespace": NS},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "notejam"}}, "template": {"metadata": {}, "spec": {"containers": []}}},
        "status": {"replicas": replicas, "readyReplicas": ready}
    })
}

pub fn scale(replicas: u64) -> Value {
    json!({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "notejam", "namespace": NS}, "spec": {"replicas": replicas}, "status": {"replicas": replicas}})
}

/// The usual cluster: a Deployment at `replicas` (all ready), writes echoed back.
pub fn cluster(
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
pub enum Fake {
    Value(f64),
    Missing,
    BadQuery,
}

/// Canned metric readings by metric name; the history query answers `history`.
pub struct FakeReader {
    pub readings: HashMap<String, Fake>,
    pub history: Option<f64>,
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

pub fn policy(yaml: &str) -> ScalingPolicy {
    let spec: ScalingPolicySpec = serde_yaml::from_str(yaml).unwrap();
    let mut p = ScalingPolicy::new("notejam", spec);
    p.metadata.namespace = Some(NS.into());
    p.metadata.generation = Some(3);
    p.metadata.uid = Some("0b7c1c9e-0000-4000-8000-000000000001".into());
    p
}

pub const SCALE_POLICY: &str = r#"
targetRef: {name: notejam}
mode: scale
minReplicas: 2
maxReplicas: 10
metrics:
  - name: conns
    prometheus: {query: "sum(notejam_http_open_connections)"}
    target: {type: AverageValue, value: 50}
"#;

/// 400 open connections: 8 pods' worth at the scale policy's 50 per pod.
pub const BUSY: &[(&str, Fake)] = &[("conns", Fake::Value(400.0))];

pub fn context(client: Client, readings: &[(&str, Fake)], leader: bool) -> Arc<Context> {
    context_with_history(client, readings, leader, None)
}

/// A context whose history (and forecast) queries all answer `history`.
pub fn context_with_history(
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
