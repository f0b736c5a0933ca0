//! A real Prometheus (Debian `prometheus`, scripts/test.sh installs it) on loopback, scraping
//! one target every second; killed on drop.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, http_get};

/// Every second, job `notejam` scraping TARGET.
const CONFIG: &str = "global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: notejam
    static_configs:
      - targets: ['TARGET']
";

pub struct Prometheus {
    child: Child,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// Starts one scraping `target` (host:port) as job `notejam`, and waits for its first
    /// scrape (it lands a few seconds after start).
    pub fn scraping(target: &str) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, CONFIG.replace("TARGET", target)).unwrap();
        let port = free_port();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Debian's `prometheus` is installed (scripts/test.sh installs it)");
        let prom = Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        prom.wait_for_a_scrape(Duration::from_secs(20));
        prom
    }

    fn wait_for_a_scrape(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let q = http_get(&format!("{}/api/v1/query?query=up", self.url));
            if q.is_some_and(|(s, b)| s == 200 && b.contains("\"1\"]")) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "Prometheus did not scrape its target in {limit:?}: {:?}",
                http_get(&format!("{}/api/v1/targets", self.url))
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}
