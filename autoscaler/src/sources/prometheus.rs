//! Prometheus instant queries over its HTTP API (`/api/v1/query`).

use std::time::Duration;

use serde::Deserialize;

use super::{Reading, SourceError};

/// A Prometheus server to query.
#[derive(Clone, Debug)]
pub struct PrometheusSource {
    client: reqwest::Client,
    base_url: String,
    timeout: Duration,
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

// Matrix and string payloads are only recognised to be refused.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Vector(Vec<VectorSample>),
    Scalar((f64, String)),
    Matrix(serde_json::Value),
    String(serde_json::Value),
}

#[derive(Deserialize)]
struct VectorSample {
    value: (f64, String),
}

fn parse_value(raw: &str) -> Reading {
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() => Reading::Value(v),
        Ok(v) => Reading::Missing(format!("the query returned {v}")),
        Err(_) => Reading::Missing(format!("the query returned {raw:?}")),
    }
}

impl PrometheusSource {
    /// `base_url` like `http://prometheus.monitoring:9090`; `timeout` bounds each query end to end.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, SourceError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| SourceError::Unavailable(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
            timeout,
        })
    }

    /// Run an instant query that should yield one number: a scalar or a one-series vector.
    /// An empty vector (nothing fresh within Prometheus' 5-minute lookback) is `Missing`.
    pub async fn query(&self, promql: &str) -> Result<Reading, SourceError> {
        let url = format!("{}/api/v1/query", self.base_url);
        let server_timeout = format!("{}ms", self.timeout.as_millis().max(1));
        let resp = self
            .client
            .post(&url)
            .form(&[("query", promql), ("timeout", server_timeout.as_str())])
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    SourceError::Timeout(self.timeout)
                } else {
                    SourceError::Unavailable(format!("cannot reach Prometheus at {url}: {e}"))
                }
            })?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| {
            if e.is_timeout() {
                SourceError::Timeout(self.timeout)
            } else {
                SourceError::Unavailable(format!("reading the Prometheus answer: {e}"))
            }
        })?;
        let env: Envelope = serde_json::from_str(&body).map_err(|_| {
            SourceError::Unavailable(format!(
                "Prometheus answered {status} with an unexpected body: {:.200}",
                body
            ))
        })?;
        if env.status != "success" {
            let kind = env.error_type.unwrap_or_default();
            let msg = env.error.unwrap_or_default();
            return Err(match kind.as_str() {
                "bad_data" => SourceError::BadQuery(msg),
                "timeout" | "canceled" => SourceError::Timeout(self.timeout),
                _ => SourceError::Unavailable(format!("Prometheus {kind}: {msg}")),
            });
        }
        match env.data {
            Some(Data::Scalar((_, v))) => Ok(parse_value(&v)),
            Some(Data::Vector(samples)) => match samples.as_slice() {
                [] => Ok(Reading::Missing("the query returned no series".into())),
                [one] => Ok(parse_value(&one.value.1)),
                many => Err(SourceError::Ambiguous(many.len())),
            },
            Some(Data::Matrix(_)) | Some(Data::String(_)) => Err(SourceError::BadQuery(
                "the query must return a scalar or an instant vector".into(),
            )),
            None => Err(SourceError::Unavailable(
                "Prometheus answered success without data".into(),
            )),
        }
    }
}
