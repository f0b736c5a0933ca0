//! The `--prometheus-url` path against a real Prometheus (Debian `prometheus`, started here on
//! loopback). The app does not export `notejam_http_open_connections` yet (issue 4), so
//! Prometheus scrapes a stand-in exporter with the contract's metric names beside the real app;
//! once the app exports them, point the scrape at its admin port instead.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// Serves a fixed /metrics page with the contract's names: 7 open connections, and a request
/// histogram whose p95 is in the 0.05 s bucket.
fn stand_in_exporter() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let started = Instant::now();
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            // Counters that grow, so rate() has something to say.
            let n = started.elapsed().as_secs() * 100 + 100;
            let body = format!(
                "# TYPE notejam_http_open_connections gauge\nnotejam_http_open_connections 7\n\
                 # TYPE http_server_request_duration_seconds histogram\n\
                 http_server_request_duration_seconds_bucket{{http_route=\"/\",le=\"0.01\"}} {}\n\
                 http_server_request_duration_seconds_bucket{{http_route=\"/\",le=\"0.05\"}} {n}\n\
                 http_server_request_duration_seconds_bucket{{http_route=\"/\",le=\"+Inf\"}} {n}\n\
                 http_server_request_duration_seconds_sum{{http_route=\"/\"}} {}\n\
                 http_server_request_duration_seconds_count{{http_route=\"/\"}} {n}\n",
                n / 2,
                n as f64 * 0.02
            );
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

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
    let exporter = stand_in_exporter();
    let dir = tempfile::tempdir().unwrap();
    let prom_port = free_port();
    std::fs::write(
        dir.path().join("prometheus.yml"),
        format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\nscrape_configs:\n  - job_name: notejam\n    static_configs:\n      - targets: ['127.0.0.1:{exporter}']\n"
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
            .expect("Debian's `prometheus` is installed (scripts/checks/loadtest.sh installs it)"),
    );
    let prom = format!("http://127.0.0.1:{prom_port}");
    // The first scrape lands a few seconds after start.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let q = http_get(&format!(
            "{prom}/api/v1/query?query=notejam_http_open_connections"
        ));
        if q.is_some_and(|(s, b)| s == 200 && b.contains("\"7\"")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus did not scrape the exporter in 20 s"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let file = dir.path().join("baseline.json");
    let out = loadtest(
        &[
            "baseline",
            "--host",
            &app.base,
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
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let b = read_json(&file);
    assert_valid_baseline(&b);
    assert_eq!(b["connections_source"], "server");
    assert_eq!(b["method"]["prometheus_url"], prom.as_str());
    for step in b["steps"].as_array().unwrap() {
        assert_eq!(step["open_connections_source"], "server");
        assert!(
            (step["open_connections"].as_f64().unwrap() - 7.0).abs() < 1e-9,
            "{step}"
        );
    }
    assert!((b["capacity_connections_per_pod"].as_f64().unwrap() - 7.0).abs() < 1e-9);
    let result = read_json(&dir.path().join("r/result.json"));
    let p95 = result["steps"][1]["server_p95_ms"]
        .as_f64()
        .expect("server p95 read");
    assert!(p95 > 10.0 && p95 <= 50.0, "{p95}");

    // A Prometheus without the metric is refused before any load.
    let empty = loadtest(
        &[
            "run",
            "--host",
            &app.base,
            "--run-time",
            "2s",
            "--prometheus-url",
            &app.admin,
        ],
        dir.path(),
    );
    assert_eq!(empty.status.code(), Some(1), "{}", describe(&empty));
}
