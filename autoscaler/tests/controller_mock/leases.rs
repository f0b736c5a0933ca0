//! Leader election over a Lease.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::jiff::Timestamp;
use kube::{Api, Client};
use notejam_autoscaler::leader::LeaderElector;
use serde_json::{Value, json};

use super::mock::*;
use super::scenario::{calls, find};

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

/// An API server holding `current` (`None`: no Lease yet) that accepts every write.
fn lease_server(current: Option<Value>) -> (Client, Calls) {
    mock_api(move |c| match (&current, c.method.as_str()) {
        (None, "GET") => not_found(),
        (Some(lease), "GET") => (200, lease.clone()),
        (None, _) => (201, c.body.clone()),
        (Some(_), _) => (200, c.body.clone()),
    })
}

/// One election round by `pod-a`: true when it holds the Lease afterwards.
async fn pod_a_acquires(client: Client) -> bool {
    elector(client, "pod-a")
        .try_acquire_or_renew(Timestamp::now())
        .await
        .unwrap()
}

#[tokio::test]
async fn scenario_lease_absent_is_created_and_held() {
    let (client, recorded) = lease_server(None);
    assert!(pod_a_acquires(client).await);
    let calls = calls(&recorded);
    let created = find(&calls, "POST", LEASE_PATH);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].body["spec"]["holderIdentity"], "pod-a");
    assert_eq!(created[0].body["spec"]["leaseDurationSeconds"], 15);
}

#[tokio::test]
async fn scenario_lease_held_by_a_live_peer_is_left_alone() {
    let (client, recorded) = lease_server(Some(lease(Some("pod-b"), 3, 15, 2)));
    assert!(!pod_a_acquires(client).await);
    assert_eq!(calls(&recorded).len(), 1, "only the read");
}

#[tokio::test]
async fn scenario_expired_lease_is_taken_over_with_its_resource_version() {
    let (client, recorded) = lease_server(Some(lease(Some("pod-b"), 60, 15, 2)));
    assert!(pod_a_acquires(client).await);
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
    let (client, recorded) = lease_server(Some(lease(Some("pod-a"), 5, 15, 2)));
    assert!(pod_a_acquires(client).await);
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
            api_error(409, "Conflict", "the object has been modified")
        }
    });
    assert!(!pod_a_acquires(client).await);
}

#[tokio::test]
async fn scenario_release_clears_the_holder() {
    let (client, recorded) = lease_server(Some(lease(Some("pod-a"), 5, 15, 2)));
    elector(client, "pod-a").release().await.unwrap();
    let calls = calls(&recorded);
    let put = find(&calls, "PUT", LEASE_PATH);
    assert!(
        put[0].body["spec"]
            .get("holderIdentity")
            .is_none_or(Value::is_null)
    );
}
