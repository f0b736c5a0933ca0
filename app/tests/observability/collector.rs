//! The OTLP side of the trace tests: a real collector (`oteltap`, from PyPI) that prints each span
//! it receives as a JSON line, the spans it has received, their attributes, and requests that
//! carry a caller's `traceparent`.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use notejam_testkit::tool;

use crate::process::{Running, free_port};

/// The caller's span that a request with a `traceparent` of [`traced`] continues.
pub const PARENT_SPAN: &str = "00f067aa0ba902b7";

/// A real OTLP/HTTP collector (oteltap) on a free loopback port, and its endpoint URL.
pub async fn start_collector() -> (Running, String) {
    let port = free_port();
    let collector = Running::spawn(
        &tool(
            Some("NOTEJAM_TEST_OTELTAP"),
            "oteltap",
            "pip install oteltap==1.0.0",
        ),
        &["--port", &port.to_string()],
        &HashMap::new(),
    );
    collector
        .wait_line(15, |l| l.contains("Listening"))
        .await
        .expect("oteltap starts");
    (collector, format!("http://127.0.0.1:{port}"))
}

/// The spans the collector has received, once there are at least `want` of them.
pub async fn spans(collector: &Running, want: usize) -> Vec<Value> {
    for _ in 0..150 {
        let spans: Vec<Value> = collector
            .output()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v.get("spanId").is_some())
            .collect();
        if spans.len() >= want {
            return spans;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the collector did not receive {want} spans:\n{}",
        collector.output().join("\n")
    );
}

/// The app settings that export its spans to the collector at `endpoint` in batches every 100 ms,
/// and `extra` ones.
pub fn exporting_to<'a>(
    endpoint: &'a str,
    extra: &[(&'static str, &'a str)],
) -> Vec<(&'static str, &'a str)> {
    let mut env = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    env.extend_from_slice(extra);
    env
}

/// A request to `url` in the caller's trace `trace`, as a child of [`PARENT_SPAN`].
pub fn traced(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    trace: &str,
) -> reqwest::RequestBuilder {
    client
        .request(method, url)
        .header("traceparent", format!("00-{trace}-{PARENT_SPAN}-01"))
}

fn attr<'a>(span: &'a Value, key: &str) -> Option<&'a Value> {
    span["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["key"] == key)
        .map(|a| &a["value"])
}

/// A span's string attribute.
pub fn attr_str(span: &Value, key: &str) -> Option<String> {
    attr(span, key).and_then(|v| v["stringValue"].as_str().map(str::to_owned))
}

/// A span's integer attribute (OTLP/JSON writes 64-bit integers as strings).
pub fn attr_int(span: &Value, key: &str) -> Option<i64> {
    attr(span, key).and_then(|v| {
        v["intValue"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .or(v["intValue"].as_i64())
    })
}
