//! Spans reach a real OTLP collector with the right structure, names and attributes; an incoming
//! `traceparent` is continued, a malformed one starts a new trace; logs carry the trace ids.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use crate::process::{App, Running, free_port, tool};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN: &str = "00f067aa0ba902b7";
const TOKEN_PATH: &str = "/reset-password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/";

fn attr<'a>(span: &'a Value, key: &str) -> Option<&'a Value> {
    span["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["key"] == key)
        .map(|a| &a["value"])
}

fn attr_str(span: &Value, key: &str) -> Option<String> {
    attr(span, key).and_then(|v| v["stringValue"].as_str().map(str::to_owned))
}

fn attr_int(span: &Value, key: &str) -> Option<i64> {
    attr(span, key).and_then(|v| {
        v["intValue"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .or(v["intValue"].as_i64())
    })
}

/// A real OTLP/HTTP collector (oteltap) on a free loopback port, and its endpoint URL.
async fn start_collector() -> (Running, String) {
    let port = free_port();
    let collector = Running::spawn(
        &tool("NOTEJAM_TEST_OTELTAP", "oteltap"),
        &["--port", &port.to_string()],
        &HashMap::new(),
    );
    collector
        .wait_line(15, |l| l.contains("Listening"))
        .await
        .expect("oteltap starts");
    (collector, format!("http://127.0.0.1:{port}"))
}

/// Turns on an injected fault: every `GET /signup/` answers 503 for a minute.
async fn fail_every_signup(app: &App) {
    app.set_faults(r#"[{"route": "/signup/", "error_rate": 1.0, "duration_s": 60}]"#)
        .await;
}

async fn spans(collector: &Running, want: usize) -> Vec<Value> {
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

#[tokio::test]
async fn spans_reach_a_real_collector_and_continue_the_callers_trace() {
    let (collector, endpoint) = start_collector().await;
    let app = App::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("OTEL_SERVICE_NAME", "notejam-test"),
        ("NOTEJAM_FAULT_INJECTION", "true"),
    ])
    .await;
    let client = reqwest::Client::new();

    // 1. A request that continues the caller's trace and queries the database.
    let r = client
        .get(format!("{}{TOKEN_PATH}", app.base))
        .header("traceparent", format!("00-{TRACE_ID}-{PARENT_SPAN}-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // 2. A malformed traceparent: a new trace starts, the request is served as usual.
    let r = client
        .get(format!("{}{TOKEN_PATH}", app.base))
        .header("traceparent", "00-not-a-trace-01")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // 3. A server error (an injected fault) marks the span as an error.
    fail_every_signup(&app).await;
    assert_eq!(
        client
            .get(format!("{}/signup/", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        503
    );

    let spans = spans(&collector, 5).await;
    let server: Vec<&Value> = spans.iter().filter(|s| s["kind"] == 2).collect();
    let continued = server
        .iter()
        .find(|s| s["traceId"] == TRACE_ID)
        .expect("the continued trace's server span");
    assert_eq!(continued["name"], "GET /reset-password/:token/");
    assert_eq!(
        continued["parentSpanId"], PARENT_SPAN,
        "the caller's span is the parent"
    );
    assert_eq!(
        attr_str(continued, "http.request.method").as_deref(),
        Some("GET")
    );
    assert_eq!(
        attr_str(continued, "http.route").as_deref(),
        Some("/reset-password/:token/")
    );
    assert_eq!(attr_str(continued, "url.path").as_deref(), Some(TOKEN_PATH));
    assert_eq!(attr_int(continued, "http.response.status_code"), Some(404));
    assert_ne!(
        continued["status"]["code"], 2,
        "a 404 is not a server error"
    );

    let db = spans
        .iter()
        .find(|s| s["parentSpanId"] == continued["spanId"])
        .expect("a child span for the database query");
    assert_eq!(db["kind"], 3, "a client span");
    assert_eq!(db["traceId"], TRACE_ID);
    assert_eq!(db["name"], "SELECT password_resets");
    assert_eq!(attr_str(db, "db.system.name").as_deref(), Some("sqlite"));
    assert_eq!(attr_str(db, "db.operation.name").as_deref(), Some("SELECT"));
    let query = attr_str(db, "db.query.text").unwrap();
    assert!(
        query.contains("token_hash = $1"),
        "the parameterised statement, never values: {query}"
    );

    let fresh = server
        .iter()
        .find(|s| s["name"] == "GET /reset-password/:token/" && s["traceId"] != TRACE_ID)
        .expect("the malformed request's span");
    assert_eq!(
        fresh["parentSpanId"], "",
        "a malformed traceparent starts a new trace"
    );

    let failed = server
        .iter()
        .find(|s| s["name"] == "GET /signup/")
        .expect("the failed request's span");
    assert_eq!(
        failed["status"]["code"], 2,
        "5xx marks the span as an error"
    );
    assert_eq!(attr_int(failed, "http.response.status_code"), Some(503));

    // The request log line carries the same trace and span ids.
    let line = app
        .process
        .wait_line(5, |l| {
            l.contains(TRACE_ID) && l.contains("\"message\":\"request\"")
        })
        .await
        .expect("a request log line with the trace id");
    let log: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(log["span_id"], continued["spanId"]);
    assert_eq!(log["http.route"], "/reset-password/:token/");
    assert_eq!(log["http.response.status_code"], 404);
    assert!(log["duration_ms"].as_f64().is_some());
}

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
    let sample = |name| crate::process::sample(&metrics, name).unwrap_or(0.0);
    let dropped = sample("notejam_otel_spans_dropped_total");
    assert!(
        dropped >= f64::from(requests - 64),
        "at most the queue's 64 spans wait for the hung collector; the rest are counted as \
         dropped at once, got {dropped}:\n{metrics}"
    );
    assert_eq!(
        sample("notejam_otel_spans_exported_total"),
        0.0,
        "{metrics}"
    );
    hold.abort();
}

/// RUST_LOG quiets the logs, never the traces: at `warn` every request is still exported, the
/// per-request INFO log line is gone, and a warning logged inside a request carries its trace id.
#[tokio::test]
async fn a_quiet_log_level_still_exports_every_trace() {
    const QUIET_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
    const FAILING_TRACE: &str = "5b8efff798038103d269b633813fc60c";
    let (collector, endpoint) = start_collector().await;
    let app = App::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("RUST_LOG", "warn"),
        ("NOTEJAM_FAULT_INJECTION", "true"),
    ])
    .await;
    let client = reqwest::Client::new();
    let traced = |path: &str, trace: &str| {
        client
            .get(format!("{}{path}", app.base))
            .header("traceparent", format!("00-{trace}-{PARENT_SPAN}-01"))
            .send()
    };
    assert_eq!(traced("/signin/", QUIET_TRACE).await.unwrap().status(), 200);
    fail_every_signup(&app).await;
    assert_eq!(
        traced("/signup/", FAILING_TRACE).await.unwrap().status(),
        503
    );

    let spans = spans(&collector, 2).await;
    let server = |trace: &str| {
        spans
            .iter()
            .find(|s| s["kind"] == 2 && s["traceId"] == trace)
            .unwrap_or_else(|| panic!("a server span in trace {trace}: {spans:?}"))
    };
    assert_eq!(server(QUIET_TRACE)["name"], "GET /signin/");
    let failed = server(FAILING_TRACE);
    assert_eq!(failed["name"], "GET /signup/");
    assert_eq!(
        failed["status"]["code"], 2,
        "5xx marks the span as an error"
    );

    let line = app
        .process
        .wait_line(5, |l| l.contains(FAILING_TRACE))
        .await
        .expect("the injected 503's warning, with its trace id");
    let log: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(log["level"], "WARN", "{line}");
    assert_eq!(log["route"], "/signup/", "{line}");
    assert_eq!(log["span_id"], failed["spanId"], "{line}");
    assert!(
        app.process
            .wait_line(1, |l| l.contains("\"message\":\"request\""))
            .await
            .is_none(),
        "no INFO request lines at RUST_LOG=warn"
    );
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
    let rss = |m: &str| crate::process::sample(m, "process_resident_memory_bytes").unwrap();
    app.get_signin(&client, 500).await;
    let warm = rss(&app.metrics().await);
    app.get_signin(&client, 2000).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let metrics = app.metrics().await;
    let dropped =
        crate::process::sample(&metrics, "notejam_otel_spans_dropped_total").unwrap_or(0.0);
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

/// Every storage call of a request is a child span of it, the token lookup that every API request
/// makes among them, and the password hash runs inside the request's trace too.
#[tokio::test]
async fn token_lookups_and_password_hashes_belong_to_the_requests_trace() {
    token_lookups_and_hashes_are_traced(&[]).await;
    let postgres = crate::process::fresh_postgres_env().await;
    let postgres: Vec<(&str, &str)> = postgres.iter().map(|(k, v)| (*k, v.as_str())).collect();
    token_lookups_and_hashes_are_traced(&postgres).await;
}

async fn token_lookups_and_hashes_are_traced(database: &[(&str, &str)]) {
    const SIGNUP_TRACE: &str = "1bf92f3577b34da6a3ce929d0e0e4731";
    const TOKEN_TRACE: &str = "2bf92f3577b34da6a3ce929d0e0e4732";
    const ME_TRACE: &str = "3bf92f3577b34da6a3ce929d0e0e4733";
    let (collector, endpoint) = start_collector().await;
    let mut env = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    env.extend_from_slice(database);
    let app = App::start(&env).await;
    let client = reqwest::Client::new();
    let traced = |method: reqwest::Method, path: &str, trace: &str| {
        client
            .request(method, format!("{}{path}", app.base))
            .header("traceparent", format!("00-{trace}-{PARENT_SPAN}-01"))
    };
    let credentials = serde_json::json!({"email": "traced@example.com", "password": "password123"});
    let r = traced(reqwest::Method::POST, "/api/v1/users", SIGNUP_TRACE)
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token: Value = traced(reqwest::Method::POST, "/api/v1/tokens", TOKEN_TRACE)
        .json(&credentials)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = traced(reqwest::Method::GET, "/api/v1/me", ME_TRACE)
        .bearer_auth(token["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let mut found = Vec::new();
    for _ in 0..50 {
        found = spans(&collector, 1).await;
        let in_trace = |t: &str| found.iter().filter(|s| s["traceId"] == t).count();
        if in_trace(SIGNUP_TRACE) >= 3 && in_trace(TOKEN_TRACE) >= 4 && in_trace(ME_TRACE) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let server = |trace: &str| {
        found
            .iter()
            .find(|s| s["kind"] == 2 && s["traceId"] == trace)
            .unwrap_or_else(|| panic!("the server span of {trace}: {found:?}"))
    };
    let children = |trace: &str| -> Vec<String> {
        let parent = &server(trace)["spanId"];
        let mut names: Vec<String> = found
            .iter()
            .filter(|s| s["traceId"] == trace && s["parentSpanId"] == *parent)
            .map(|s| s["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        names.sort();
        names
    };
    // Sign-up: the hash, then the insert.
    assert_eq!(
        children(SIGNUP_TRACE),
        vec!["INSERT users", "password hash"]
    );
    // A token: the throttle check, the user, the hash check, clearing failures, the insert.
    let token_spans = children(TOKEN_TRACE);
    for name in ["password hash", "SELECT users", "INSERT api_tokens"] {
        assert!(
            token_spans.iter().any(|s| s == name),
            "{name} in {token_spans:?}"
        );
    }
    // Any API request: the token lookup is a database span like every other.
    let me = children(ME_TRACE);
    assert!(me.iter().any(|s| s == "SELECT api_tokens"), "{me:?}");
    let lookup = found
        .iter()
        .find(|s| s["traceId"] == ME_TRACE && s["name"] == "SELECT api_tokens")
        .unwrap();
    assert_eq!(
        attr_str(lookup, "db.operation.name").as_deref(),
        Some("SELECT")
    );
}
