//! What the exposition counts, read straight from the admin port: creations through the API like
//! through the pages, every known series at 0 from the first scrape, and the active-requests
//! gauge after a cancelled request; on SQLite and on PostgreSQL.

use std::time::Duration;

use serde_json::Value;

use crate::process::{App, borrowed, each_database, sample};

#[tokio::test]
async fn creations_through_the_api_are_counted_like_the_pages() {
    let app = App::start(&[]).await;
    let client = reqwest::Client::new();
    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut req = client.post(app.url(path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let r = post(
        "/api/v1/users",
        None,
        serde_json::json!({"email": "count@example.com", "password": "password123"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let token: Value = post(
        "/api/v1/tokens",
        None,
        serde_json::json!({"email": "count@example.com", "password": "password123"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let token = token["token"].as_str().expect("a token").to_owned();
    let pad: Value = post(
        "/api/v1/pads",
        Some(&token),
        serde_json::json!({"name": "Counted"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let r = post(
        "/api/v1/notes",
        Some(&token),
        serde_json::json!({"name": "n", "text": "t", "pad_id": pad["id"]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let metrics = app.metrics().await;
    let created = [
        "notejam_users_created_total",
        "notejam_pads_created_total",
        "notejam_notes_created_total",
    ];
    assert_samples(&metrics, &created, 1.0, "after one API creation");
}

/// Every counter with known label values is exported at 0 from the first scrape, before any
/// request, so that `rate()` and absence alerts work from the start (Prometheus's
/// instrumentation guide): on SQLite and on PostgreSQL.
#[tokio::test]
async fn every_known_series_is_exported_at_zero_from_the_first_scrape() {
    for env in each_database().await {
        let env = borrowed(&env);
        let app = App::start(&env).await;
        let first = app.metrics().await;
        let known = [
            r#"notejam_signins_total{result="success"}"#,
            r#"notejam_signins_total{result="failure"}"#,
            "notejam_users_created_total",
            "notejam_pads_created_total",
            "notejam_notes_created_total",
            "notejam_http_connections_total",
            "notejam_otel_spans_exported_total",
            "notejam_otel_spans_dropped_total",
            r#"http_server_active_requests{http_request_method="GET"}"#,
            r#"http_server_active_requests{http_request_method="POST"}"#,
        ];
        let context = format!("on the first scrape ({env:?})");
        assert_samples(&first, &known, 0.0, &context);
    }
}

/// A request cancelled mid-await (an HTTP/2 client resets the stream during a slow handler, and
/// the server drops the request's future) leaves `http_server_active_requests`: the gauge is back
/// at 0 while the handler's injected delay would still be running.
#[tokio::test]
async fn a_cancelled_request_leaves_the_active_requests_gauge() {
    for database in each_database().await {
        let mut env = borrowed(&database);
        env.push(("NOTEJAM_FAULT_INJECTION", "true"));
        cancelled_requests_leave_the_gauge(&env).await;
    }
}

async fn cancelled_requests_leave_the_gauge(env: &[(&str, &str)]) {
    let app = App::start(env).await;
    app.set_faults(r#"[{"route": "/signin/", "latency_ms": 60000, "duration_s": 120}]"#)
        .await;
    let active = r#"http_server_active_requests{http_request_method="GET"}"#;
    let value = |metrics: &str| sample(metrics, active);

    let address = app.base.trim_start_matches("http://").to_owned();
    let tcp = tokio::net::TcpStream::connect(&address).await.unwrap();
    let (mut h2, connection) = h2::client::handshake(tcp).await.expect("h2c handshake");
    tokio::spawn(connection);
    for _ in 0..3 {
        let request = poem::http::Request::get(format!("http://{address}/signin/"))
            .body(())
            .unwrap();
        let (response, _) = h2.send_request(request, true).unwrap();
        // Gives up after a moment: the dropped response future resets the stream.
        let answered = tokio::time::timeout(Duration::from_millis(300), response).await;
        assert!(answered.is_err(), "the request is still in its 60 s delay");
    }
    // While the delays run, the three requests were counted...
    let during = value(&app.metrics().await);
    assert!(during.is_some(), "the gauge is exported");
    // ...and once the server has dropped them, they are not, long before their delay would end.
    let mut last = during;
    for _ in 0..50 {
        last = value(&app.metrics().await);
        if last == Some(0.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last, Some(0.0), "cancelled requests are no longer active");
}

/// Asserts that each of `series` has `value` in the exposition; `context` says when.
#[track_caller]
fn assert_samples(exposition: &str, series: &[&str], value: f64, context: &str) {
    for name in series {
        assert_eq!(
            sample(exposition, name),
            Some(value),
            "{name} {context}:\n{exposition}"
        );
    }
}
