//! Prometheus queries over its HTTP API: instant (`/api/v1/query`) for live readings, range
//! (`/api/v1/query_range`) for replaying history.

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

// String payloads are only recognised to be refused.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Vector(Vec<VectorSample>),
    Scalar((f64, String)),
    Matrix(Vec<MatrixSeries>),
    String(serde_json::Value),
}

#[derive(Deserialize)]
struct VectorSample {
    value: (f64, String),
}

#[derive(Deserialize)]
struct MatrixSeries {
    values: Vec<(f64, String)>,
}

/// Prometheus refuses range queries of more than 11,000 points per series; stay below it.
const MAX_POINTS_PER_QUERY: i64 = 10_000;

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

    async fn call(&self, path: &str, form: &[(&str, &str)]) -> Result<Option<Data>, SourceError> {
        let url = format!("{}{path}", self.base_url);
        let server_timeout = format!("{}ms", self.timeout.as_millis().max(1));
        let mut form = form.to_vec();
        form.push(("timeout", server_timeout.as_str()));
        let resp = self
            .client
            .post(&url)
            .form(&form)
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
        Ok(env.data)
    }

    /// Run an instant query that should yield one number: a scalar or a one-series vector.
    /// An empty vector (nothing fresh within Prometheus' 5-minute lookback) is `Missing`.
    pub async fn query(&self, promql: &str) -> Result<Reading, SourceError> {
        let data = self.call("/api/v1/query", &[("query", promql)]).await?;
        match data {
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

    /// Evaluate `promql` at every `step` seconds from `start` to `end` (Unix seconds, inclusive)
    /// and return the points of the one series it yields, oldest first. Steps where the query
    /// had no value are simply absent (missing, never zero); no series at all is no points.
    pub async fn query_range(
        &self,
        promql: &str,
        start: i64,
        end: i64,
        step: u32,
    ) -> Result<Vec<(i64, f64)>, SourceError> {
        let step = i64::from(step.max(1));
        let mut points = Vec::new();
        let mut from = start;
        while from <= end {
            let to = end.min(from + step * (MAX_POINTS_PER_QUERY - 1));
            let (f, t, s) = (from.to_string(), to.to_string(), step.to_string());
            let data = self
                .call(
                    "/api/v1/query_range",
                    &[("query", promql), ("start", &f), ("end", &t), ("step", &s)],
                )
                .await?;
            let series = match data {
                Some(Data::Matrix(series)) => series,
                Some(_) => {
                    return Err(SourceError::Unavailable(
                        "Prometheus answered a range query without a matrix".into(),
                    ));
                }
                None => Vec::new(),
            };
            match series.as_slice() {
                [] => {}
                [one] => points.extend(
                    one.values
                        .iter()
                        .filter_map(|(t, v)| parse_value(v).value().map(|v| (t.round() as i64, v))),
                ),
                many => return Err(SourceError::Ambiguous(many.len())),
            }
            from = to + step;
        }
        Ok(points)
    }
}
