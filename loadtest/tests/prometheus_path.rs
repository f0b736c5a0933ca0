//! The `--prometheus-url` path against a real Prometheus (Debian `prometheus`, started here on
//! loopback) scraping the real app's admin port (`notejam_http_open_connections`,
//! `http_server_request_duration_seconds`).

mod support;

use support::prometheus::Prometheus;
use support::*;

#[test]
fn baseline_reads_server_side_connections_from_prometheus() {
    let app = App::start();
    let prom = Prometheus::scraping(app.admin.trim_start_matches("http://"));
    let dir = tempfile::tempdir().unwrap();
    let ramp = "--steps 1,2 --step-duration 4s --warmup 1s --slo-p95 30s --replicas 1";
    let server_side = format!("--prometheus-url {} --prometheus-settle 2", prom.url);
    let b = app.baseline(
        &format!("{ramp} {server_side} --quiet --api-weight 0"),
        dir.path(),
    );
    assert_eq!(b["connections_source"], "server");
    assert_eq!(b["method"]["prometheus_url"], prom.url.as_str());
    // Each goose user keeps a connection open: the server saw at least one per step.
    for step in b["steps"].as_array().unwrap() {
        assert_eq!(step["open_connections_source"], "server");
        assert!(step["open_connections"].as_f64().unwrap() >= 0.5, "{step}");
    }
    assert!(b["capacity_connections_per_pod"].as_f64().unwrap() > 0.0);
    let result = read_json(&dir.path().join("r/result.json"));
    let p95 = result["steps"][1]["server_p95_ms"]
        .as_f64()
        .expect("server p95 read");
    assert!(p95 > 0.0, "{p95}");

    // Something that is not Prometheus is refused before any load.
    let empty = app
        .command("run")
        .words("--run-time 2s")
        .flag("--prometheus-url", &app.admin)
        .run_in(dir.path());
    assert_exit(&empty, 1);
}
