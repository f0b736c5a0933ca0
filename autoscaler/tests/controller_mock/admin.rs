//! The admin endpoints.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use notejam_autoscaler::metrics::Metrics;

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
