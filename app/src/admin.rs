//! The admin listener: `/healthz` (alive), `/readyz` (can serve), `/metrics` (the Prometheus
//! exposition) and `/faults` (fault injection for drills, off by default). Never exposed through
//! the load balancer.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{EndpointExt, Route, get, handler};

use crate::observability::faults::{FaultSpec, Faults};
use crate::storage::Storage;

/// What the admin endpoints look at.
#[derive(Clone)]
pub struct Health {
    pub storage: Storage,
    /// Set at SIGTERM: `/readyz` answers 503 while requests drain.
    pub draining: Arc<AtomicBool>,
    pub metrics: PrometheusHandle,
    pub faults: Faults,
}

/// The admin endpoints.
pub fn routes(health: Health) -> impl poem::Endpoint {
    Route::new()
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/metrics", get(metrics_endpoint))
        .at(
            "/faults",
            get(list_faults).put(set_faults).delete(clear_faults),
        )
        .data(health)
}

/// The process is alive.
#[handler]
fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: not draining, and the database answers within a second.
#[handler]
async fn readyz(health: Data<&Health>) -> (StatusCode, &'static str) {
    if health.draining.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining");
    }
    match tokio::time::timeout(Duration::from_secs(1), health.storage.ping()).await {
        Ok(true) => (StatusCode::OK, "ready"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// The Prometheus exposition.
#[handler]
fn metrics_endpoint(health: Data<&Health>) -> poem::Response {
    let body = crate::observability::metrics::render(&health.metrics, &health.storage);
    poem::Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

fn faults_disabled() -> poem::Response {
    poem::Response::builder()
        .status(StatusCode::NOT_FOUND)
        .body("fault injection is off (NOTEJAM_FAULT_INJECTION=false)")
}

/// The active faults.
#[handler]
fn list_faults(health: Data<&Health>) -> poem::Response {
    if !health.faults.enabled() {
        return faults_disabled();
    }
    poem::IntoResponse::into_response(Json(health.faults.list()))
}

/// Replaces the active faults with the JSON list given; every fault is checked first.
#[handler]
async fn set_faults(health: Data<&Health>, body: poem::Body) -> poem::Response {
    if !health.faults.enabled() {
        return faults_disabled();
    }
    let bytes = match body.into_bytes_limit(64 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return poem::Response::builder()
                .status(StatusCode::PAYLOAD_TOO_LARGE)
                .body("at most 64 KiB");
        }
    };
    let specs: Vec<FaultSpec> = match serde_json::from_slice(&bytes) {
        Ok(s) => s,
        Err(e) => {
            return poem::Response::builder()
                .status(StatusCode::BAD_REQUEST)
                .body(format!("expected a JSON list of faults: {e}"));
        }
    };
    for (i, spec) in specs.iter().enumerate() {
        if let Err(e) = spec.validate() {
            return poem::Response::builder()
                .status(StatusCode::UNPROCESSABLE_ENTITY)
                .body(format!("fault {i}: {e}"));
        }
    }
    tracing::warn!(faults = ?specs, "fault injection: faults set");
    health.faults.set(specs);
    poem::IntoResponse::into_response(Json(health.faults.list()))
}

/// Removes every fault.
#[handler]
fn clear_faults(health: Data<&Health>) -> poem::Response {
    if !health.faults.enabled() {
        return faults_disabled();
    }
    health.faults.set(Vec::new());
    tracing::warn!("fault injection: faults cleared");
    poem::Response::builder()
        .status(StatusCode::NO_CONTENT)
        .finish()
}
