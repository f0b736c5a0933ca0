//! A real Prometheus (Debian's) of the test's own, scraping one target every second, and PromQL
//! instant queries against it.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use crate::process::{Running, free_port, tool};

/// A Prometheus process on a free loopback port; its data goes with the test.
pub struct Prometheus {
    _process: Running,
    url: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    pub async fn scraping(target: &str) -> Prometheus {
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
    pub async fn value(&self, promql: &str) -> Option<f64> {
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
    pub async fn wait_for(&self, promql: &str, pred: impl Fn(f64) -> bool) -> f64 {
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
