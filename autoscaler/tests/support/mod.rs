//! Real services for tests, started by the tests themselves. A missing binary is a loud failure,
//! never a silent skip: the check script installs them (`scripts/test.sh`).
#![allow(dead_code)]

use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

// Each test binary uses its own part of this module.
#[allow(unused_imports)]
pub use notejam_testkit::{Server as Service, free_port};

/// `moto_server` (PyPI `moto[server]`) on a free loopback port.
pub async fn start_moto() -> Service {
    notejam_testkit::moto()
}

/// What a command printed, once it is known to have succeeded (else its stderr is shown).
pub fn stdout_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The JSON a command printed, once it is known to have succeeded.
pub fn json_stdout(out: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout_of(out)).unwrap()
}

/// A tiny Prometheus exporter whose body the test sets.
#[derive(Clone)]
pub struct Exporter {
    pub body: Arc<Mutex<String>>,
    pub addr: String,
}

impl Exporter {
    pub async fn start(initial: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let body = Arc::new(Mutex::new(initial.to_string()));
        let shared = body.clone();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let _ = sock.read(&mut buf).await;
                    let text = shared.lock().unwrap().clone();
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                        text.len(),
                        text
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Self { body, addr }
    }

    pub fn set(&self, text: &str) {
        *self.body.lock().unwrap() = text.to_string();
    }
}

/// A real Prometheus (Debian `prometheus`) scraping `target` every second.
pub async fn start_prometheus(target: &str) -> Service {
    let config = notejam_testkit::scrape_config("exporter", target);
    notejam_testkit::prometheus(&config, tempfile::tempdir().unwrap())
}

/// A real Prometheus serving recorded history: `openmetrics` (OpenMetrics text, timestamps in
/// Unix seconds, ending in `# EOF`) is backfilled with `promtool tsdb create-blocks-from
/// openmetrics` into a fresh data directory, so every range query answers exactly those samples.
pub async fn start_prometheus_with_history(openmetrics: &str) -> Service {
    let promtool = notejam_testkit::tool(None, "promtool", "apt-get install -y prometheus");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("history.om");
    std::fs::write(&input, openmetrics).unwrap();
    notejam_testkit::succeeded(
        Command::new(promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&input)
            .arg(dir.path().join("data")),
        "promtool backfill",
    );
    let config = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n";
    notejam_testkit::prometheus(config, dir)
}
