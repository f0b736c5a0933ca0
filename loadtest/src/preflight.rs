//! Before any load: the target must answer, be Notejam's site (not its admin port, not another
//! service), and have the JSON API when the API journey has weight.

use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::journeys::Weights;

/// Checks that `host` is reachable and is Notejam, before any load is sent.
pub async fn preflight(host: &str, weights: &Weights) -> Result<()> {
    let url = reqwest::Url::parse(host).with_context(|| {
        format!("--host {host:?} is not a URL (expected e.g. http://127.0.0.1:8080)")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("--host {host:?}: the scheme must be http or https");
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let signin = url.join("/signin/")?;
    let response = client.get(signin.clone()).send().await.map_err(|e| {
        let why = if e.is_connect() {
            "connection refused or host unreachable".to_string()
        } else if e.is_timeout() {
            "no answer within 10 s".to_string()
        } else {
            e.to_string()
        };
        anyhow::anyhow!("cannot reach the target {signin}: {why}")
    })?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success()
        || !body.contains("<strong>note</strong>jam")
        || !body.contains(r#"name="csrf_token""#)
    {
        bail!(
            "{signin} answered {status} but is not Notejam's sign-in page (no notejam logo or \
             CSRF field): is --host the Notejam site (not its admin port, not another service)?"
        );
    }
    if weights.api > 0 {
        let doc = url.join("/api/openapi.json")?;
        let ok = match client.get(doc.clone()).send().await {
            Ok(r) if r.status().is_success() => r
                .json::<serde_json::Value>()
                .await
                // Paths are relative to the document's server, `/api/v1`.
                .is_ok_and(|d| {
                    d["paths"]["/tokens"].is_object() || d["paths"]["/api/v1/tokens"].is_object()
                }),
            _ => false,
        };
        if !ok {
            bail!(
                "{doc} does not describe /api/v1/tokens: this Notejam has no JSON API; \
                 leave the API journey out with --api-weight 0"
            );
        }
    }
    Ok(())
}
