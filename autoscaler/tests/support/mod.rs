//! Real services for tests, started by the tests themselves. A missing binary is a loud failure,
//! never a silent skip: the check script installs them (`scripts/test.sh`).
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A free loopback port (bound, then released for the child to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn which(binary: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| PathBuf::from(dir).join(binary))
        .find(|p| p.is_file())
}

fn require(binary: &str, install: &str) -> PathBuf {
    which(binary).unwrap_or_else(|| {
        panic!("`{binary}` is not on PATH: this test needs the real service. Install it with `{install}` (scripts/test.sh does).")
    })
}

/// Poll `url` until it answers 2xx, or panic after `limit`.
pub async fn wait_http(url: &str, limit: Duration, child: &mut Child, what: &str) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Ok(r) = client.get(url).send().await
            && r.status().is_success()
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early with {status}");
        }
        if start.elapsed() > limit {
            panic!("{what} did not become ready at {url} within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A child process killed when dropped.
pub struct Service {
    pub child: Child,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `moto_server` (PyPI `moto[server]`) on a free loopback port.
pub async fn start_moto() -> Service {
    let bin = require("moto_server", "pip install 'moto[server]'");
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    serve(cmd, port, "/moto-api/", "moto_server", None).await
}

/// Spawn `cmd` (its output discarded), which listens on `port`: ready once `ready_path`
/// answers 2xx. `dir` (its data) lives as long as the service.
async fn serve(
    mut cmd: Command,
    port: u16,
    ready_path: &str,
    what: &str,
    dir: Option<tempfile::TempDir>,
) -> Service {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {what}: {e}"));
    let url = format!("http://127.0.0.1:{port}");
    let ready = format!("{url}{ready_path}");
    wait_http(&ready, Duration::from_secs(30), &mut child, what).await;
    Service {
        child,
        url,
        _dir: dir,
    }
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
    let dir = tempfile::tempdir().unwrap();
    let scrape = format!(
        "scrape_configs:\n  - job_name: exporter\n    static_configs:\n      - targets: ['{target}']\n"
    );
    prometheus_in(dir, &scrape).await
}

/// A real Prometheus serving recorded history: `openmetrics` (OpenMetrics text, timestamps in
/// Unix seconds, ending in `# EOF`) is backfilled with `promtool tsdb create-blocks-from
/// openmetrics` into a fresh data directory, so every range query answers exactly those samples.
pub async fn start_prometheus_with_history(openmetrics: &str) -> Service {
    let promtool = require("promtool", "apt-get install -y prometheus");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("history.om");
    std::fs::write(&input, openmetrics).unwrap();
    let out = Command::new(promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&input)
        .arg(dir.path().join("data"))
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool backfill failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    prometheus_in(dir, "").await
}

async fn prometheus_in(dir: tempfile::TempDir, scrape: &str) -> Service {
    let bin = require("prometheus", "apt-get install -y prometheus");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n{scrape}"),
    )
    .unwrap();
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"));
    serve(cmd, port, "/-/ready", "prometheus", Some(dir)).await
}
