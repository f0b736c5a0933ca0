//! Logging: JSON lines on stdout, filtered by `RUST_LOG` (default `info`).

use tracing_subscriber::{EnvFilter, fmt};

/// Install the global subscriber once; later calls are ignored (tests call it repeatedly).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt()
        .json()
        .with_current_span(false)
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .try_init();
}
