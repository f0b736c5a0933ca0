//! A real Prometheus (Debian's) of the test's own, scraping one target every second, and PromQL
//! instant queries against it.

use std::time::Duration;

use notejam_testkit::{Server, scrape_config};
use serde_json::Value;

/// A Prometheus process on a free loopback port; its data goes with the test.
pub struct Prometheus {
    _server: Server,
    url: String,
}

impl Prometheus {
    pub async fn scraping(target: &str) -> Prometheus {
        let config = scrape_config("notejam", target);
        let server = notejam_testkit::prometheus(&config, tempfile::tempdir().unwrap());
        Prometheus {
            url: server.url.clone(),
            _server: server,
        }
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
