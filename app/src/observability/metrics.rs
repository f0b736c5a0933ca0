//! The Prometheus exposition: one recorder per process, rendered on the admin listener.
//!
//! Metric names follow the OpenTelemetry HTTP and DB semantic conventions as Prometheus renders
//! them (see the platform design); every label value is bounded.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram, gauge};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::storage::Storage;

/// OpenTelemetry's recommended buckets for HTTP server durations, in seconds.
const HTTP_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];
/// Finer buckets for database operations and pool waits.
const DB_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
static PROCESS: OnceLock<metrics_process::Collector> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls return the same handle).
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_server_request_duration_seconds".into()),
                    HTTP_BUCKETS,
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Prefix("db_client_".into()), DB_BUCKETS)
                })
                .expect("bucket lists are not empty");
            let handle = match builder.install_recorder() {
                Ok(handle) => handle,
                // Another recorder is already global (a test harness): keep ours unattached.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            };
            describe();
            export_known_series_at_zero();
            let process = metrics_process::Collector::default();
            process.describe();
            let _ = PROCESS.set(process);
            handle
        })
        .clone()
}

fn describe() {
    describe_histogram!(
        "http_server_request_duration_seconds",
        Unit::Seconds,
        "Duration of HTTP server requests."
    );
    describe_gauge!(
        "http_server_active_requests",
        "Number of HTTP server requests in flight."
    );
    describe_gauge!(
        "notejam_http_open_connections",
        "TCP connections open right now on the public listener."
    );
    describe_counter!(
        "notejam_http_connections_total",
        "TCP connections accepted on the public listener."
    );
    describe_gauge!(
        "db_client_connection_count",
        "Database connections in the pool, by state (idle, used)."
    );
    describe_gauge!(
        "db_client_connection_max",
        "Most connections the database pool may open."
    );
    describe_histogram!(
        "db_client_connection_wait_time_seconds",
        Unit::Seconds,
        "Time to obtain a pooled database connection."
    );
    describe_histogram!(
        "db_client_operation_duration_seconds",
        Unit::Seconds,
        "Duration of database operations."
    );
    describe_counter!(
        "notejam_signins_total",
        "Sign-in attempts by result (success, failure)."
    );
    describe_counter!("notejam_notes_created_total", "Notes created.");
    describe_counter!("notejam_pads_created_total", "Pads created.");
    describe_counter!("notejam_users_created_total", "Users signed up.");
    describe_counter!(
        "notejam_otel_spans_exported_total",
        "Spans the OTLP exporter delivered."
    );
    describe_counter!(
        "notejam_otel_spans_dropped_total",
        "Spans dropped because the OTLP collector could not take them."
    );
}

/// The methods `http_server_active_requests` is labelled with (see `http::method_label`).
pub const METHOD_LABELS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "_OTHER",
];

/// Registers every series whose label values are known at 0, so it is in the first scrape
/// (`rate()` and absence alerts need a series before its first event).
fn export_known_series_at_zero() {
    for result in ["success", "failure"] {
        metrics::counter!("notejam_signins_total", "result" => result).absolute(0);
    }
    for name in [
        "notejam_users_created_total",
        "notejam_pads_created_total",
        "notejam_notes_created_total",
        "notejam_http_connections_total",
        "notejam_otel_spans_exported_total",
        "notejam_otel_spans_dropped_total",
    ] {
        metrics::counter!(name).absolute(0);
    }
    for method in METHOD_LABELS {
        gauge!("http_server_active_requests", "http_request_method" => *method).set(0.0);
    }
    gauge!("notejam_http_open_connections").set(0.0);
}

/// Renders the exposition, after refreshing the values read at scrape time (pool, process).
pub fn render(handle: &PrometheusHandle, storage: &Storage) -> String {
    let pool = storage.pool_stats();
    gauge!("db_client_connection_count", "state" => "idle").set(pool.idle as f64);
    gauge!("db_client_connection_count", "state" => "used").set(pool.used as f64);
    gauge!("db_client_connection_max").set(pool.max as f64);
    if let Some(process) = PROCESS.get() {
        process.collect();
    }
    handle.render()
}

/// Keeps the recorder's memory bounded (drains histogram samples); runs for the life of the process.
pub fn spawn_upkeep(handle: PrometheusHandle) {
    static STARTED: OnceLock<()> = OnceLock::new();
    if STARTED.set(()).is_ok() {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        });
    }
}
