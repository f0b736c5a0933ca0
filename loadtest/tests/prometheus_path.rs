//! The `--prometheus-url` path against a real Prometheus (Debian `prometheus`, started here on
//! loopback) scraping the real app's admin port (`notejam_http_open_connections`,
//! `http_server_request_duration_seconds`).

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

struct Prometheus(std::process::Child);
impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn baseline_reads_server_side_connections_from_prometheus() {
    let app = App::start();
    let exporter = app.admin.trim_start_matches("http://").to_string();
    let dir = tempfile::tempdir().unwrap();
    let prom_port = free_port();
    std::fs::write(
        dir.path().join("prometheus.yml"),
        format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\nscrape_configs:\n  - job_name: notejam\n    static_configs:\n      - targets: ['{exporter}']\n"
        ),
    )
    .unwrap();
    let _prom = Prometheus(
        Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Debian's `prometheus` is installed (scripts/test.sh installs it)"),
    );
    let prom = format!("http://127.0.0.1:{prom_port}");
    // The first scrape lands a few seconds after start.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let q = http_get(&format!("{prom}/api/v1/query?query=up"));
        if q.is_some_and(|(s, b)| s == 200 && b.contains("\"1\"]")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus did not scrape the app in 20 s: {:?}",
            http_get(&format!("{prom}/api/v1/targets"))
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let file = dir.path().join("baseline.json");
    let out = app.loadtest(
        "baseline",
        &[
            "--steps",
            "1,2",
            "--step-duration",
            "4s",
            "--warmup",
            "1s",
            "--slo-p95",
            "30s",
            "--prometheus-url",
            &prom,
            "--prometheus-settle",
            "2",
            "--replicas",
            "1",
            "--output",
            file.to_str().unwrap(),
            "--report-dir",
            dir.path().join("r").to_str().unwrap(),
            "--quiet",
            "--api-weight",
            "0",
        ],
        dir.path(),
    );
    let b = baseline_written(&out, &file);
    assert_eq!(b["connections_source"], "server");
    assert_eq!(b["method"]["prometheus_url"], prom.as_str());
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
    let empty = app.loadtest(
        "run",
        &["--run-time", "2s", "--prometheus-url", &app.admin],
        dir.path(),
    );
    assert_exit(&empty, 1);
}
