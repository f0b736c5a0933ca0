//! Logging: JSON lines on stdout, filtered by `RUST_LOG`.

use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init_subscriber(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|e| {
        eprintln!("invalid RUST_LOG {filter:?} ({e}); using `info`");
        EnvFilter::new("info")
    });
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            fmt::layer()
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(false),
        )
        .try_init();
}
