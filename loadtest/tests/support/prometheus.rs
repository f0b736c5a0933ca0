//! A real Prometheus (Debian `prometheus`, scripts/test.sh installs it) on loopback, scraping
//! one target every second; killed on drop.

use std::time::{Duration, Instant};

use notejam_testkit::{Server, http_get, scrape_config};

pub struct Prometheus {
    _server: Server,
    pub url: String,
}

impl Prometheus {
    /// Starts one scraping `target` (host:port) as job `notejam`, and waits for its first
    /// scrape (it lands a few seconds after start).
    pub fn scraping(target: &str) -> Prometheus {
        let config = scrape_config("notejam", target);
        let server = notejam_testkit::prometheus(&config, tempfile::tempdir().unwrap());
        let prom = Prometheus {
            url: server.url.clone(),
            _server: server,
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
