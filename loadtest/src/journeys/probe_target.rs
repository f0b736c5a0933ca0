//! What the probe requests: its path, its URL parsed once, and one HTTP client its users share
//! (no cookie jar, no `Accept-Encoding`). Set once from the flags before the attack; read by the
//! probe and by [`super::request::request_builder`] (which skips the per-request URL join for it).

use std::sync::OnceLock;
use std::time::Duration;

/// What the probe requests, set once from `--host`, `--probe-path` and `--timeout`.
pub struct Probe {
    pub path: String,
    pub url: reqwest::Url,
    pub client: reqwest::Client,
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

/// The probe's target, when one was configured.
pub fn get() -> Option<&'static Probe> {
    PROBE.get()
}
