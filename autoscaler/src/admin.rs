//! The admin listener: `/metrics`, `/healthz` (alive), `/readyz` (ready; a standby is ready too).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use poem::http::StatusCode;
use poem::listener::TcpAcceptor;
use poem::web::Data;
use poem::{EndpointExt, Response, Route, Server, get, handler};

use crate::metrics::Metrics;

#[derive(Clone)]
struct State {
    metrics: Metrics,
    ready: Arc<AtomicBool>,
}

#[handler]
fn render_metrics(state: Data<&State>) -> Response {
    Response::builder()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render())
}

#[handler]
fn healthz() -> &'static str {
    "ok"
}

#[handler]
fn readyz(state: Data<&State>) -> Response {
    if state.ready.load(Ordering::SeqCst) {
        Response::builder().body("ready")
    } else {
        Response::builder()
            .status(StatusCode::SERVICE_UNAVAILABLE)
            .body("starting")
    }
}

/// Serve until the process ends. Binding is the caller's, so tests can bind port 0.
pub async fn serve(
    listener: tokio::net::TcpListener,
    metrics: Metrics,
    ready: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let app = Route::new()
        .at("/metrics", get(render_metrics))
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .data(State { metrics, ready });
    Server::new_with_acceptor(TcpAcceptor::from_tokio(listener)?)
        .run(app)
        .await
}
