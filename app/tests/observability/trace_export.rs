//! Exporting spans when the collector cannot take them: a hung or a down collector costs dropped
//! (and counted) spans, never requests or memory; nonsense OpenTelemetry settings stop the start.

use std::time::Duration;

use crate::process::{App, free_port, sample};

/// A collector that accepts connections and never answers (hung, or a black-holing network):
/// exports wait for their timeout, the queue fills, and every span beyond the queue's capacity is
/// dropped and counted at once; requests are served as usual.
#[tokio::test]
async fn a_hung_collector_fills_the_queue_and_every_dropped_span_is_counted() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket); // read nothing, answer nothing
        }
    });
    let app = App::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "5000"),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "64"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "16"),
    ])
    .await;
    let client = reqwest::Client::new();
    let requests = 300;
    app.get_signin(&client, requests).await;
    let metrics = app.metrics().await;
    let counted = |name| sample(&metrics, name).unwrap_or(0.0);
    let dropped = counted("notejam_otel_spans_dropped_total");
    assert!(
        dropped >= f64::from(requests - 64),
        "at most the queue's 64 spans wait for the hung collector; the rest are counted as \
         dropped at once, got {dropped}:\n{metrics}"
    );
    assert_eq!(
        counted("notejam_otel_spans_exported_total"),
        0.0,
        "{metrics}"
    );
    hold.abort();
}

#[tokio::test]
async fn nonsense_otel_settings_stop_the_start_with_a_clear_error() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_notejam"))
        .env("OTEL_TRACES_SAMPLER", "sometimes")
        .env("NOTEJAM_LISTEN", "127.0.0.1:0")
        .env("RUST_BACKTRACE", "0")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("OTEL_TRACES_SAMPLER"), "{stderr}");
}

#[tokio::test]
async fn a_down_collector_costs_nothing_but_dropped_spans() {
    // Nothing listens on this port: every export fails.
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let app = App::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
    ])
    .await;
    let client = reqwest::Client::new();
    let rss = |m: &str| sample(m, "process_resident_memory_bytes").unwrap();
    app.get_signin(&client, 500).await;
    let warm = rss(&app.metrics().await);
    app.get_signin(&client, 2000).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let metrics = app.metrics().await;
    let dropped = sample(&metrics, "notejam_otel_spans_dropped_total").unwrap_or(0.0);
    assert!(
        dropped > 0.0,
        "failed exports are counted as dropped spans:\n{metrics}"
    );
    let grown = (rss(&metrics) - warm) / 1024.0 / 1024.0;
    assert!(
        grown < 16.0,
        "memory stays flat while the collector is down: grew {grown:.1} MiB over 2000 requests"
    );
}
