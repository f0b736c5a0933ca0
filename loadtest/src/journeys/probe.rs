//! The probe: one GET of a fixed path, validated by its status (200). Not a user journey: it
//! exists to measure the generator itself against a cheap endpoint (docs/performance.md, "Load
//! generator") and for smoke checks. Weight 0 (the default) leaves it out.
//!
//! A probe needs no session, so its users share one HTTP client without a cookie jar (goose gives
//! each user its own client with one, which costs a cookie lookup per request and a Set-Cookie
//! parse per response) and without `Accept-Encoding`; its URL is parsed once, not per request.
//! Each user still holds its own keep-alive connection from the shared pool while it sends.

use std::sync::OnceLock;
use std::time::Duration;

use goose::prelude::*;

use super::page::{Expect, visit};

/// What the probe requests, set once from `--host`, `--probe-path` and `--timeout`.
struct Probe {
    path: String,
    url: reqwest::Url,
    client: reqwest::Client,
}

static PROBE: OnceLock<Probe> = OnceLock::new();

/// Sets the probe's target before the attack (once per process; later calls are ignored).
pub fn configure(host: &str, path: &str, timeout: Duration) -> anyhow::Result<()> {
    let url = reqwest::Url::parse(host)
        .and_then(|h| h.join(path))
        .map_err(|e| anyhow::anyhow!("--host {host:?} with --probe-path {path:?}: {e}"))?;
    let client = reqwest::Client::builder()
        .user_agent(concat!("notejam-loadtest/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .gzip(false)
        .build()?;
    let _ = PROBE.set(Probe {
        path: path.to_string(),
        url,
        client,
    });
    Ok(())
}

/// The parsed URL of `path` when it is the probe's.
pub fn url_for(path: &str) -> Option<&'static reqwest::Url> {
    PROBE.get().filter(|p| p.path == path).map(|p| &p.url)
}

/// The probe's scenario.
pub fn scenario() -> Result<Scenario, GooseError> {
    Ok(scenario!("probe")
        .register_transaction(transaction!(arrive).set_on_start().set_name("arrive"))
        .register_transaction(transaction!(probe).set_name("probe")))
}

async fn arrive(user: &mut GooseUser) -> TransactionResult {
    if let Some(p) = PROBE.get() {
        user.client = p.client.clone();
    }
    crate::recorder::current().user_started();
    Ok(())
}

/// GET the probe path; anything but 200 is an error.
pub async fn probe(user: &mut GooseUser) -> TransactionResult {
    let path = PROBE.get().map(|p| p.path.as_str()).unwrap_or("/signin/");
    visit(user, "probe", "GET probe", path, None, Expect::ok()).await?;
    Ok(())
}
