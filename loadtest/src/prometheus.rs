//! Server-side figures from Prometheus: open connections (`notejam_http_open_connections`, the
//! signal the autoscaler scales on), server latency and the requests the app counted.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};

/// A Prometheus HTTP API.
pub struct Prometheus {
    base: String,
    client: reqwest::Client,
}

impl Prometheus {
    pub fn new(base: &str) -> Result<Self> {
        Ok(Prometheus {
            base: base.trim_end_matches('/').to_string(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()?,
        })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    /// Fails unless the server answers queries; warns when it has no connection series yet
    /// (a fresh app registers the gauge on its first connection, so a step may still find it).
    pub async fn check(&self) -> Result<()> {
        let v = self
            .query_raw("count(notejam_http_open_connections)", None)
            .await
            .with_context(|| format!("--prometheus-url {}: not a working Prometheus", self.base))?;
        if v.is_empty() {
            eprintln!(
                "warning: Prometheus at {} has no `notejam_http_open_connections` series yet: does \
                 it scrape the app's admin port? A step without it will fail.",
                self.base
            );
        }
        Ok(())
    }

    async fn query_raw(
        &self,
        q: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<Vec<serde_json::Value>> {
        let mut params = vec![("query", q.to_string())];
        if let Some(t) = at {
            params.push((
                "time",
                format!("{:.3}", t.timestamp_millis() as f64 / 1000.0),
            ));
        }
        let body: serde_json::Value = self
            .client
            .get(format!("{}/api/v1/query", self.base))
            .query(&params)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        if body["status"] != "success" {
            bail!("query {q:?} failed: {}", body["error"]);
        }
        Ok(body["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// A scalar from an instant query (the first series' value), `None` when empty or NaN.
    pub async fn scalar(&self, q: &str, at: DateTime<Utc>) -> Result<Option<f64>> {
        let r = self.query_raw(q, Some(at)).await?;
        Ok(r.first()
            .and_then(|s| s["value"][1].as_str())
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite()))
    }

    /// Mean open connections over `[end - window, end]`, summed over pods.
    pub async fn open_connections(&self, end: DateTime<Utc>, window_s: u64) -> Result<Option<f64>> {
        self.scalar(
            &format!("sum(avg_over_time(notejam_http_open_connections[{window_s}s]))"),
            end,
        )
        .await
    }

    /// Server-side p95 latency over the window, milliseconds.
    pub async fn server_p95_ms(&self, end: DateTime<Utc>, window_s: u64) -> Result<Option<f64>> {
        Ok(self
            .scalar(
                &format!(
                    "histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket[{window_s}s])))"
                ),
                end,
            )
            .await?
            .map(|s| s * 1000.0))
    }

    /// Requests the app counted over the window.
    pub async fn requests_counted(&self, end: DateTime<Utc>, window_s: u64) -> Result<Option<f64>> {
        self.scalar(
            &format!("sum(increase(http_server_request_duration_seconds_count[{window_s}s]))"),
            end,
        )
        .await
    }

    /// (seconds since `start`, value) of a query over a time range.
    pub async fn range(
        &self,
        q: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        step_s: u64,
    ) -> Result<Vec<(f64, f64)>> {
        let body: serde_json::Value = self
            .client
            .get(format!("{}/api/v1/query_range", self.base))
            .query(&[
                ("query", q.to_string()),
                ("start", start.timestamp().to_string()),
                ("end", end.timestamp().to_string()),
                ("step", step_s.to_string()),
            ])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let t0 = start.timestamp() as f64;
        Ok(body["data"]["result"][0]["values"]
            .as_array()
            .map(|vs| {
                vs.iter()
                    .filter_map(|v| {
                        Some((v[0].as_f64()? - t0, v[1].as_str()?.parse::<f64>().ok()?))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
}
