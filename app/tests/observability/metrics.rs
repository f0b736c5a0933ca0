//! A real Prometheus scrapes the admin port; PromQL over the scraped series returns what the
//! test's requests caused; the exposition passes `promtool check metrics`.

use notejam_testkit::tool;

use crate::process::{App, status_of};
use crate::prometheus::Prometheus;

#[tokio::test]
async fn prometheus_sees_requests_per_route_and_open_connections() {
    let app = App::start(&[]).await;
    let prometheus = Prometheus::scraping(app.admin.trim_start_matches("http://")).await;
    let client = reqwest::Client::new();
    app.get_signin(&client, 7).await;
    for _ in 0..3 {
        assert_eq!(status_of(&client, app.url("/no-such-page/")).await, 404);
    }
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for id in [1, 22] {
        let note = app.url(&format!("/notes/{id}/"));
        assert_eq!(status_of(&no_redirects, note).await, 302);
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
    assert_eq!(status_of(&client, app.url(token)).await, 404);
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
        client.get(app.url(path)).send().await.unwrap();
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
    let mut promtool = tokio::process::Command::new(tool(
        Some("NOTEJAM_TEST_PROMTOOL"),
        "promtool",
        "apt-get install -y prometheus",
    ))
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
