//! `evaluate` without `--replicas`: the Deployment's replicas and the baseline ConfigMap come
//! from the cluster. No Kubernetes API server runs on this machine, so kube's tower-test mock
//! answers the two GETs; this checks the requests and how the answers are read, not a cluster.

use http::{Request, Response};
use kube::client::Body;
use kube::{Api, Client};
use notejam_autoscaler::controller::gather::load_baseline;
use notejam_autoscaler::evaluate::replicas::{Observed, ReplicaSource};
use serde_json::{Value, json};

fn mock(answer: fn(&str) -> (u16, Value)) -> Client {
    let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    tokio::spawn(async move {
        while let Some((request, send)) = handle.next_request().await {
            let (code, body) = answer(request.uri().path());
            send.send_response(
                Response::builder()
                    .status(code)
                    .body(Body::from(serde_json::to_vec(&body).unwrap()))
                    .unwrap(),
            );
        }
    });
    Client::new(service, "notejam")
}

fn cluster(path: &str) -> (u16, Value) {
    let baseline = include_str!("fixtures/baseline.json");
    match path {
        "/apis/apps/v1/namespaces/notejam/deployments/notejam" => (
            200,
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "notejam"},
                "spec": {"replicas": 4, "selector": {}, "template": {}}, "status": {"replicas": 4, "readyReplicas": 3}}),
        ),
        "/api/v1/namespaces/notejam/configmaps/notejam-baseline" => (
            200,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "notejam-baseline"}, "data": {"baseline.json": baseline}}),
        ),
        _ => (
            404,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "NotFound", "code": 404}),
        ),
    }
}

#[tokio::test]
async fn the_deployment_gives_current_and_ready_replicas() {
    let client = mock(cluster);
    let source = ReplicaSource::Cluster {
        api: Box::new(Api::namespaced(client.clone(), "notejam")),
        name: "notejam".into(),
    };
    assert_eq!(
        source.observe().await.unwrap(),
        Some(Observed {
            current: 4,
            ready: 3
        })
    );
    let missing = ReplicaSource::Cluster {
        api: Box::new(Api::namespaced(client, "notejam")),
        name: "other".into(),
    };
    let err = missing.observe().await.unwrap_err();
    assert!(err.contains("Deployment other not found"), "{err}");
}

#[tokio::test]
async fn the_baseline_comes_from_the_policys_configmap() {
    let client = mock(cluster);
    let b = load_baseline(&client, "notejam", "notejam-baseline", "baseline.json")
        .await
        .unwrap();
    assert_eq!(b.capacity_connections_per_pod, 60.0);
    let (reason, message) = load_baseline(&client, "notejam", "absent", "baseline.json")
        .await
        .unwrap_err();
    assert_eq!(reason, "BaselineMissing");
    assert!(message.contains("ConfigMap absent not found"), "{message}");
}
