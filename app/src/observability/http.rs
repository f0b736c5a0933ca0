//! The HTTP middleware: one server span per request (continuing an incoming W3C `traceparent`),
//! the request metrics of the platform contract, one log line per request, and injected faults.
//!
//! Written here rather than poem's `OpenTelemetryMetrics`, which uses non-standard names,
//! milliseconds and the raw URL as a label. The route label is poem's route pattern, which the
//! router attaches to the response; unmatched paths share one value, so labels stay bounded.

use std::time::Instant;

use metrics::{gauge, histogram};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use poem::PathPattern;
use poem::http::{Method, StatusCode};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use tracing::{Instrument, field::Empty};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::faults::Faults;

/// The `http_route` of a request that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Measures, traces and logs every request of the endpoint it wraps.
pub struct HttpObservability {
    faults: Faults,
}

impl HttpObservability {
    pub fn new(faults: Faults) -> Self {
        Self { faults }
    }
}

impl<E: Endpoint> Middleware<E> for HttpObservability {
    type Output = HttpObservabilityEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        HttpObservabilityEndpoint {
            inner,
            faults: self.faults.clone(),
            propagator: TraceContextPropagator::new(),
        }
    }
}

pub struct HttpObservabilityEndpoint<E> {
    inner: E,
    faults: Faults,
    propagator: TraceContextPropagator,
}

/// A bounded label value for a method: the standard ones, else `_OTHER` (as the conventions say);
/// the values are `super::metrics::METHOD_LABELS`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "_OTHER",
    }
}

/// One request in `http_server_active_requests`, until dropped: when the request is answered, or
/// when its future is dropped mid-await (the client reset the stream), like the connection gauge.
struct ActiveRequest(&'static str);

impl ActiveRequest {
    fn start(method: &'static str) -> Self {
        gauge!("http_server_active_requests", "http_request_method" => method).increment(1.0);
        Self(method)
    }
}

impl Drop for ActiveRequest {
    fn drop(&mut self) {
        gauge!("http_server_active_requests", "http_request_method" => self.0).decrement(1.0);
    }
}

impl<E: Endpoint> Endpoint for HttpObservabilityEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Self::Output> {
        let start = Instant::now();
        let method = method_label(req.method());
        // A malformed `traceparent` extracts as an empty context: a new trace starts, never an error.
        let parent = self
            .propagator
            .extract(&opentelemetry_http::HeaderExtractor(req.headers()));
        let span = tracing::info_span!(
            "HTTP request",
            otel.name = method,
            otel.kind = "server",
            otel.status_code = Empty,
            http.request.method = method,
            http.route = Empty,
            http.response.status_code = Empty,
            url.path = req.uri().path(),
            url.scheme = req.scheme().as_str(),
            network.protocol.version = ?req.version(),
            client.address = req.remote_addr().as_socket_addr().map(|a| a.ip().to_string()).unwrap_or_default(),
            user_agent.original = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default(),
            error.type = Empty,
        );
        if parent.span().span_context().is_valid() {
            let _ = span.set_parent(parent);
        }
        let _active = ActiveRequest::start(method);
        let fault = self.faults.decide(req.uri().path());

        let response = async {
            if let Some(delay) = fault.delay {
                tokio::time::sleep(delay).await;
            }
            if fault.fail {
                // Logged like a real failure would be, with the request's trace id, so a drill
                // can be followed from the logs as well as from the metrics and traces.
                tracing::warn!(
                    route = fault.route.as_deref(),
                    "fault injection: request answered 503"
                );
                let mut resp = StatusCode::SERVICE_UNAVAILABLE
                    .with_body("Injected fault (drill): this request was failed on purpose.")
                    .into_response();
                if let Some(route) = fault.route {
                    resp.set_data(PathPattern(route.into()));
                }
                return resp;
            }
            match self.inner.call(req).await {
                Ok(resp) => resp.into_response(),
                Err(err) => {
                    let pattern = err.data::<PathPattern>().cloned();
                    let mut resp = err.into_response();
                    if let Some(p) = pattern {
                        resp.set_data(p);
                    }
                    resp
                }
            }
        }
        .instrument(span.clone())
        .await;

        let elapsed = start.elapsed();
        let status = response.status();
        let route = response
            .data::<PathPattern>()
            .map(|p| p.0.to_string())
            .unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
        let status_label = status.as_u16().to_string();
        histogram!("http_server_request_duration_seconds",
            "http_request_method" => method, "http_route" => route.clone(), "http_response_status_code" => status_label)
        .record(elapsed.as_secs_f64());

        // The name must go to the OpenTelemetry span itself: once a child (a database call) has
        // started, tracing-opentelemetry no longer applies `otel.name` updates.
        span.context()
            .span()
            .update_name(format!("{method} {route}"));
        span.record("http.route", route.as_str());
        span.record("http.response.status_code", i64::from(status.as_u16()));
        if status.is_server_error() {
            span.record("otel.status_code", "ERROR");
            span.record("error.type", status.as_str());
        }
        span.in_scope(|| {
            tracing::info!(
                http.request.method = method,
                http.route = %route,
                http.response.status_code = i64::from(status.as_u16()),
                duration_ms = elapsed.as_secs_f64() * 1000.0,
                "request"
            );
        });
        Ok(response)
    }
}
