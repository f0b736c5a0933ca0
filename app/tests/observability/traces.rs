//! Spans reach a real OTLP collector with the right structure, names and attributes; an incoming
//! `traceparent` is continued, a malformed one starts a new trace; logs carry the trace ids, at
//! any log level.

use reqwest::Method;
use serde_json::Value;

use crate::collector::{
    PARENT_SPAN, attr_int, attr_str, exporting_to, spans, start_collector, traced,
};
use crate::process::{App, borrowed, each_database, status_of};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const TOKEN_PATH: &str = "/reset-password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/";

/// Turns on an injected fault: every `GET /signup/` answers 503 for a minute.
async fn fail_every_signup(app: &App) {
    app.set_faults(r#"[{"route": "/signup/", "error_rate": 1.0, "duration_s": 60}]"#)
        .await;
}

#[tokio::test]
async fn spans_reach_a_real_collector_and_continue_the_callers_trace() {
    let (collector, endpoint) = start_collector().await;
    let app = App::start(&exporting_to(
        &endpoint,
        &[
            ("OTEL_SERVICE_NAME", "notejam-test"),
            ("NOTEJAM_FAULT_INJECTION", "true"),
        ],
    ))
    .await;
    let client = reqwest::Client::new();

    // 1. A request that continues the caller's trace and queries the database.
    let r = traced(&client, Method::GET, app.url(TOKEN_PATH), TRACE_ID)
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
    assert_eq!(status_of(&client, app.url("/signup/")).await, 503);

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

/// RUST_LOG quiets the logs, never the traces: at `warn` every request is still exported, the
/// per-request INFO log line is gone, and a warning logged inside a request carries its trace id.
#[tokio::test]
async fn a_quiet_log_level_still_exports_every_trace() {
    const QUIET_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
    const FAILING_TRACE: &str = "5b8efff798038103d269b633813fc60c";
    let (collector, endpoint) = start_collector().await;
    let app = App::start(&exporting_to(
        &endpoint,
        &[("RUST_LOG", "warn"), ("NOTEJAM_FAULT_INJECTION", "true")],
    ))
    .await;
    let client = reqwest::Client::new();
    let get = |path: &str, trace: &str| traced(&client, Method::GET, app.url(path), trace).send();
    assert_eq!(get("/signin/", QUIET_TRACE).await.unwrap().status(), 200);
    fail_every_signup(&app).await;
    assert_eq!(get("/signup/", FAILING_TRACE).await.unwrap().status(), 503);

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

/// Every storage call of a request is a child span of it, the token lookup that every API request
/// makes among them, and the password hash runs inside the request's trace too.
#[tokio::test]
async fn token_lookups_and_password_hashes_belong_to_the_requests_trace() {
    for database in each_database().await {
        token_lookups_and_hashes_are_traced(&borrowed(&database)).await;
    }
}

async fn token_lookups_and_hashes_are_traced(database: &[(&'static str, &str)]) {
    const SIGNUP_TRACE: &str = "1bf92f3577b34da6a3ce929d0e0e4731";
    const TOKEN_TRACE: &str = "2bf92f3577b34da6a3ce929d0e0e4732";
    const ME_TRACE: &str = "3bf92f3577b34da6a3ce929d0e0e4733";
    let (collector, endpoint) = start_collector().await;
    let app = App::start(&exporting_to(&endpoint, database)).await;
    let client = reqwest::Client::new();
    let request = |method, path: &str, trace| traced(&client, method, app.url(path), trace);
    let credentials = serde_json::json!({"email": "traced@example.com", "password": "password123"});
    let r = request(Method::POST, "/api/v1/users", SIGNUP_TRACE)
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token: Value = request(Method::POST, "/api/v1/tokens", TOKEN_TRACE)
        .json(&credentials)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = request(Method::GET, "/api/v1/me", ME_TRACE)
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
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
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
