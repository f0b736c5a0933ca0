//! End to end through the real binary: `notejam-autoscaler run` with a real Prometheus (scraping
//! an exporter the test controls) and a fake Kubernetes API server on loopback.
//!
//! No real API server runs on this machine: the fake answers the calls the controller makes
//! (list/watch ScalingPolicies, Lease, Deployment, scale, status, Events) from canned objects, so
//! this checks the binary's wiring (flags and env, leader election, sources, decision, scale
//! patch, admin endpoints, lease release on SIGTERM), not a cluster's acceptance of the calls.

mod support;

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poem::http::{Method, StatusCode};
use poem::web::Data;
use poem::{Body, EndpointExt, Request, Response, Route, handler};
use serde_json::{Value, json};
use support::{Exporter, free_port, start_prometheus};

#[derive(Default)]
struct FakeApi {
    calls: Vec<(String, String, Value)>,
    lease: Option<Value>,
}

type Shared = Arc<Mutex<FakeApi>>;

fn policy() -> Value {
    json!({
        "apiVersion": "autoscaling.notejam.io/v1alpha1", "kind": "ScalingPolicy",
        "metadata": {"name": "notejam", "namespace": "notejam", "uid": "0b7c1c9e-0000-4000-8000-000000000002", "generation": 1, "resourceVersion": "10"},
        "spec": {
            "targetRef": {"name": "notejam"}, "mode": "scale", "minReplicas": 2, "maxReplicas": 10, "intervalSeconds": 2,
            "metrics": [{"name": "conns", "prometheus": {"query": "sum(notejam_http_open_connections)"}, "target": {"type": "AverageValue", "value": 50}}]
        }
    })
}

fn json_response(code: StatusCode, v: &Value) -> Response {
    Response::builder()
        .status(code)
        .content_type("application/json")
        .body(v.to_string())
}

#[handler]
async fn api(req: &Request, body: Body, state: Data<&Shared>) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let body: Value =
        serde_json::from_slice(&body.into_vec().await.unwrap_or_default()).unwrap_or(Value::Null);
    state
        .lock()
        .unwrap()
        .calls
        .push((method.to_string(), format!("{path}?{query}"), body.clone()));
    let not_found = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "NotFound", "code": 404});
    if path.ends_with("/scalingpolicies") && method == Method::GET {
        if query.contains("watch=true") {
            // Hold the watch open a while, then end it; the watcher simply watches again.
            tokio::time::sleep(Duration::from_secs(5)).await;
            return Response::builder().status(StatusCode::OK).body("");
        }
        return json_response(
            StatusCode::OK,
            &json!({"apiVersion": "autoscaling.notejam.io/v1alpha1", "kind": "ScalingPolicyList", "metadata": {"resourceVersion": "10"}, "items": [policy()]}),
        );
    }
    if path.ends_with("/leases/notejam-autoscaler") {
        let mut s = state.lock().unwrap();
        return match (method, &s.lease) {
            (Method::GET, Some(l)) => json_response(StatusCode::OK, l),
            (Method::GET, None) => json_response(StatusCode::NOT_FOUND, &not_found),
            (Method::PUT, _) => {
                s.lease = Some(body.clone());
                json_response(StatusCode::OK, &body)
            }
            _ => json_response(StatusCode::METHOD_NOT_ALLOWED, &not_found),
        };
    }
    if path.ends_with("/leases") && method == Method::POST {
        state.lock().unwrap().lease = Some(body.clone());
        return json_response(StatusCode::CREATED, &body);
    }
    if path.ends_with("/deployments/notejam") && method == Method::GET {
        return json_response(
            StatusCode::OK,
            &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "notejam", "namespace": "notejam"},
                "spec": {"replicas": 4, "selector": {}, "template": {}}, "status": {"replicas": 4, "readyReplicas": 4}}),
        );
    }
    if path.ends_with("/deployments/notejam/scale") && method == Method::PATCH {
        let replicas = body["spec"]["replicas"].clone();
        return json_response(
            StatusCode::OK,
            &json!({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "notejam"}, "spec": {"replicas": replicas}}),
        );
    }
    if path.ends_with("/scalingpolicies/notejam/status") {
        let mut p = policy();
        p["status"] = body["status"].clone();
        return json_response(StatusCode::OK, &p);
    }
    if path.ends_with("/events") && method == Method::POST {
        return json_response(StatusCode::CREATED, &body);
    }
    if path.contains("/events/") && method == Method::PATCH {
        return json_response(StatusCode::OK, &body);
    }
    json_response(StatusCode::NOT_FOUND, &not_found)
}

fn count(state: &Shared, method: &str, part: &str) -> usize {
    state
        .lock()
        .unwrap()
        .calls
        .iter()
        .filter(|(m, p, _)| m == method && p.contains(part))
        .count()
}

#[tokio::test]
async fn run_scales_from_prometheus_through_the_api_and_releases_the_lease_on_sigterm() {
    let exporter = Exporter::start("notejam_http_open_connections 400\n").await;
    let prom = start_prometheus(&exporter.addr).await;

    let state: Shared = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api_addr = listener.local_addr().unwrap();
    let app = Route::new().at("/*path", api).data(state.clone());
    tokio::spawn(
        poem::Server::new_with_acceptor(poem::listener::TcpAcceptor::from_tokio(listener).unwrap())
            .run(app),
    );

    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://{api_addr}\nusers:\n- name: fake\n  user:\n    token: test\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: notejam\ncurrent-context: fake\n"
        ),
    )
    .unwrap();
    let admin_port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_notejam-autoscaler"))
        .arg("run")
        .env("KUBECONFIG", &kubeconfig)
        .env("POD_NAMESPACE", "notejam")
        .env("POD_NAME", "autoscaler-test-0")
        .env("NOTEJAM_AUTOSCALER_PROMETHEUS_URL", &prom.url)
        .env("NOTEJAM_AUTOSCALER_CLOUDWATCH", "false")
        .env(
            "NOTEJAM_AUTOSCALER_ADMIN_LISTEN",
            format!("127.0.0.1:{admin_port}"),
        )
        .env("NOTEJAM_AUTOSCALER_LEASE_SECONDS", "3")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Prometheus' first scrape lands a few seconds in; until then the controller holds.
    let start = Instant::now();
    let scaled = loop {
        let patches: Vec<Value> = state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|(m, p, _)| m == "PATCH" && p.contains("/deployments/notejam/scale"))
            .map(|(_, _, b)| b.clone())
            .collect();
        if let Some(b) = patches.first() {
            break b.clone();
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("notejam-autoscaler run exited early: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "no scale patch within 40 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    // 400 open connections at 50 per pod: 8 replicas (4 -> 8 is within the default rate limit).
    assert_eq!(scaled["spec"], json!({"replicas": 8}));
    assert_eq!(scaled["kind"], "Scale");
    assert!(
        count(&state, "POST", "/leases") == 1,
        "the lease was taken before acting"
    );
    assert!(count(&state, "PATCH", "/scalingpolicies/notejam/status") >= 1);
    assert!(count(&state, "POST", "/events") >= 1);

    let metrics = reqwest::get(format!("http://127.0.0.1:{admin_port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("notejam_autoscaler_desired_replicas{policy=\"notejam\"} 8"),
        "{metrics}"
    );
    assert!(metrics.contains("notejam_autoscaler_leader 1"), "{metrics}");
    assert_eq!(
        reqwest::get(format!("http://127.0.0.1:{admin_port}/readyz"))
            .await
            .unwrap()
            .status(),
        200
    );

    // SIGTERM: the controller stops and gives the lease up for the standby.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("did not stop within 20 s of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exit.success(), "{exit}");
    let lease = state.lock().unwrap().lease.clone().unwrap();
    assert!(
        lease["spec"]["holderIdentity"].is_null(),
        "released: {lease}"
    );
}
