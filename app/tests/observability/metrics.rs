//! A real Prometheus scrapes the admin port; PromQL over the scraped series returns what the
//! test's requests caused; the exposition passes `promtool check metrics`.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use crate::process::{App, Running, free_port, tool};

struct Prometheus {
    _process: Running,
    url: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    async fn scraping(target: &str) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: notejam\n    static_configs:\n      - targets: ['{target}']\n"),
        )
        .unwrap();
        let port = free_port();
        let args = [
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", dir.path().join("data").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            "--log.level=warn".to_owned(),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let process = Running::spawn(
            &tool("NOTEJAM_TEST_PROMETHEUS", "prometheus"),
            &args,
            &HashMap::new(),
        );
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if reqwest::get(format!("{url}/-/ready"))
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Prometheus {
                    _process: process,
                    url,
                    _dir: dir,
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "Prometheus did not become ready:\n{}",
            process.output().join("\n")
        );
    }

    /// The value of an instant query that returns one sample, if any.
    async fn value(&self, promql: &str) -> Option<f64> {
        let url = url::Url::parse_with_params(
            &format!("{}/api/v1/query", self.url),
            &[("query", promql)],
        )
        .ok()?;
        let body: Value = reqwest::Client::new()
            .get(url)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        body["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    }

    /// Polls a query until `pred` holds on its value (the first scrape lands a few seconds in).
    async fn wait_for(&self, promql: &str, pred: impl Fn(f64) -> bool) -> f64 {
        let mut last = None;
        for _ in 0..100 {
            last = self.value(promql).await;
            if last.is_some_and(&pred) {
                return last.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("`{promql}` never satisfied the test; last value {last:?}");
    }
}

#[tokio::test]
async fn prometheus_sees_requests_per_route_and_open_connections() {
    let app = App::start(&[]).await;
    let prometheus = Prometheus::scraping(app.admin.trim_start_matches("http://")).await;
    let client = reqwest::Client::new();
    app.get_signin(&client, 7).await;
    for _ in 0..3 {
        assert_eq!(
            client
                .get(format!("{}/no-such-page/", app.base))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
    }
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for id in [1, 22] {
        assert_eq!(
            no_redirects
                .get(format!("{}/notes/{id}/", app.base))
                .send()
                .await
                .unwrap()
                .status(),
            302
        );
    }
    let signin = prometheus.wait_for(r#"sum(http_server_request_duration_seconds_count{http_route="/signin/",http_request_method="GET",http_response_status_code="200"})"#, |v| v >= 7.0).await;
    assert_eq!(signin, 7.0);
    let unmatched = prometheus
        .wait_for(
            r#"sum(http_server_request_duration_seconds_count{http_route="unmatched"})"#,
            |v| v >= 3.0,
        )
        .await;
    assert_eq!(
        unmatched, 3.0,
        "unknown paths share one bounded route value"
    );
    let notes = prometheus.wait_for(r#"sum(http_server_request_duration_seconds_count{http_route="/notes/:id/",http_response_status_code="302"})"#, |v| v >= 2.0).await;
    assert_eq!(notes, 2.0, "the route template, never the raw path");
    assert_eq!(
        prometheus
            .value(
                r#"count(http_server_request_duration_seconds_count{http_route=~"/notes/[0-9].*"})"#
            )
            .await,
        None
    );

    // Connections held open show in the gauge, and leave it when they close.
    let before = prometheus
        .wait_for("notejam_http_open_connections", |_| true)
        .await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(
            tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
                .await
                .unwrap(),
        );
    }
    let open = prometheus
        .wait_for("notejam_http_open_connections", |v| v >= before + 5.0)
        .await;
    assert!(open >= before + 5.0);
    let accepted = prometheus
        .wait_for("notejam_http_connections_total", |v| v >= 5.0)
        .await;
    assert!(accepted >= 5.0);
    drop(held);
    prometheus
        .wait_for("notejam_http_open_connections", |v| v <= open - 5.0)
        .await;

    // The pool and process series are there too.
    assert!(
        prometheus
            .wait_for("db_client_connection_max", |v| v > 0.0)
            .await
            >= 1.0
    );
    assert!(
        prometheus
            .wait_for("process_resident_memory_bytes", |v| v > 0.0)
            .await
            > 1e6
    );
    // A page that reads the database: one SELECT, timed, and one pooled connection taken.
    let token = "/reset-password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/";
    assert_eq!(
        client
            .get(format!("{}{token}", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let selects = prometheus
        .wait_for(
            r#"sum(db_client_operation_duration_seconds_count{db_operation_name="SELECT"})"#,
            |v| v >= 1.0,
        )
        .await;
    assert!(selects >= 1.0);
    let waits = prometheus
        .wait_for("sum(db_client_connection_wait_time_seconds_count)", |v| {
            v >= 1.0
        })
        .await;
    assert!(waits >= 1.0);
}

#[tokio::test]
async fn the_exposition_passes_promtool() {
    let app = App::start(&[]).await;
    // Some traffic so that every kind of series is present.
    let client = reqwest::Client::new();
    let token = "/reset-password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/";
    for path in [
        "/signin/",
        "/signup/",
        "/nope/",
        "/static/css/style.css",
        token,
    ] {
        client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
    }
    let exposition = app.metrics().await;
    for name in [
        "http_server_request_duration_seconds_bucket",
        "http_server_active_requests",
        "notejam_http_open_connections",
        "notejam_http_connections_total",
        "db_client_connection_count",
        "db_client_connection_max",
        "db_client_connection_wait_time_seconds_bucket",
        "db_client_operation_duration_seconds_bucket",
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "process_open_fds",
        "process_start_time_seconds",
    ] {
        assert!(
            exposition.contains(name),
            "{name} is missing from:\n{exposition}"
        );
    }
    let mut promtool = tokio::process::Command::new(tool("NOTEJAM_TEST_PROMTOOL", "promtool"))
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use tokio::io::AsyncWriteExt;
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(exposition.as_bytes())
        .await
        .unwrap();
    let out = promtool.wait_with_output().await.unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The exposition parses; its one lint finding is the name the platform contract fixes:
    // `db_client_connection_count` is OpenTelemetry's `db.client.connection.count` as Prometheus
    // renders it, which promtool's naming lint mistakes for a histogram's `_count` series.
    let findings: Vec<&str> = report.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        findings,
        vec![
            r#"db_client_connection_count non-histogram and non-summary metrics should not have "_count" suffix"#
        ],
        "promtool check metrics (exit {:?}):\n{report}",
        out.status.code()
    );
}

#[tokio::test]
async fn creations_through_the_api_are_counted_like_the_pages() {
    let app = App::start(&[]).await;
    let client = reqwest::Client::new();
    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut req = client.post(format!("{}{path}", app.base)).json(&body);
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
    for name in [
        "notejam_users_created_total",
        "notejam_pads_created_total",
        "notejam_notes_created_total",
    ] {
        assert_eq!(
            crate::process::sample(&metrics, name),
            Some(1.0),
            "{name} after one API creation:\n{metrics}"
        );
    }
}

/// Every counter with known label values is exported at 0 from the first scrape, before any
/// request, so that `rate()` and absence alerts work from the start (Prometheus's
/// instrumentation guide): on SQLite and on PostgreSQL.
#[tokio::test]
async fn every_known_series_is_exported_at_zero_from_the_first_scrape() {
    for env in [Vec::new(), crate::process::fresh_postgres_env().await] {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let app = App::start(&env).await;
        let first = app.metrics().await;
        for series in [
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
        ] {
            assert_eq!(
                crate::process::sample(&first, series),
                Some(0.0),
                "{series} at 0 on the first scrape ({env:?}):\n{first}"
            );
        }
    }
}

/// A request cancelled mid-await (an HTTP/2 client resets the stream during a slow handler, and
/// the server drops the request's future) leaves `http_server_active_requests`: the gauge is back
/// at 0 while the handler's injected delay would still be running.
#[tokio::test]
async fn a_cancelled_request_leaves_the_active_requests_gauge() {
    for database in [Vec::new(), crate::process::fresh_postgres_env().await] {
        let mut env: Vec<(&str, &str)> = database.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.push(("NOTEJAM_FAULT_INJECTION", "true"));
        cancelled_requests_leave_the_gauge(&env).await;
    }
}

async fn cancelled_requests_leave_the_gauge(env: &[(&str, &str)]) {
    let app = App::start(env).await;
    app.set_faults(r#"[{"route": "/signin/", "latency_ms": 60000, "duration_s": 120}]"#)
        .await;
    let active = r#"http_server_active_requests{http_request_method="GET"}"#;
    let value = |metrics: &str| crate::process::sample(metrics, active);

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
