//! The flags every load-making command (`run`, `gate`, `baseline`) shares.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::values::{parse_duration, parse_think, parse_time};

/// Flags every load-making subcommand shares.
#[derive(Debug, Args, Clone)]
pub struct LoadArgs {
    /// Base URL of the Notejam site (the public port, not the admin port).
    #[arg(long, env = "NOTEJAM_LOADTEST_HOST", value_name = "URL")]
    pub host: Option<String>,
    /// Concurrent users (each with its own cookie jar and keep-alive connection).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub users: usize,
    /// Fixed request rate (req/s, all users together, open model): latency then counts from each
    /// request's intended send time. Without it, each user sends as fast as answers come back.
    #[arg(long, value_name = "REQ_PER_S")]
    pub rate: Option<f64>,
    /// How long to measure, e.g. 30s, 5m.
    #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    pub run_time: Duration,
    /// Load sent but not measured before the measured time (users signing up, caches warming).
    #[arg(long, default_value = "0s", value_parser = parse_duration, value_name = "DURATION")]
    pub warmup: Duration,
    /// Relative weight of the anonymous-visitor journey (0 leaves it out).
    #[arg(long, default_value_t = 1, value_name = "W")]
    pub anonymous_weight: usize,
    /// Relative weight of the browser-user journey (0 leaves it out).
    #[arg(long, default_value_t = 3, value_name = "W")]
    pub browser_weight: usize,
    /// Relative weight of the JSON API journey (/api/v1; 0 leaves it out).
    #[arg(long, default_value_t = 2, value_name = "W")]
    pub api_weight: usize,
    /// Weight of the probe: a plain GET of --probe-path checked for 200, for measuring the
    /// generator itself or smoke checks (0 leaves it out).
    #[arg(long, default_value_t = 0, value_name = "W")]
    pub probe_weight: usize,
    /// Path the probe requests.
    #[arg(long, default_value = "/signin/", value_name = "PATH")]
    pub probe_path: String,
    /// Pause between a user's journey loops: 0s, 2s, or a range 1s-3s.
    #[arg(long, default_value = "0s", value_parser = parse_think, value_name = "RANGE")]
    pub think_time: (Duration, Duration),
    /// Per-request timeout, seconds.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
    /// This shard's index (0-based) in a sharded run (Kubernetes: $JOB_COMPLETION_INDEX).
    #[arg(long, default_value_t = 0, value_name = "I")]
    pub shard_index: usize,
    /// Number of shards; each runs its share of --users and --rate. With more than one, the
    /// result JSON is also printed as the last line of stdout, for `merge`.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub shard_count: usize,
    /// Start the load at this wall-clock time (RFC 3339, e.g. 2026-11-28T12:00:00Z), after the
    /// checks: give every shard the same time so their steps line up (`merge` refuses ramps whose
    /// shards started more than 10 % of a step apart). A time already passed is an error.
    #[arg(long, env = "NOTEJAM_LOADTEST_START_AT", value_parser = parse_time, value_name = "TIME")]
    pub start_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Prometheus that scrapes the app: server-side open connections, latency, request counts.
    #[arg(long, env = "NOTEJAM_LOADTEST_PROMETHEUS_URL", value_name = "URL")]
    pub prometheus_url: Option<String>,
    /// Seconds to wait after the load before reading Prometheus (its last scrape must land).
    #[arg(long, default_value_t = 6, value_name = "SECS")]
    pub prometheus_settle: u64,
    /// Folder for result.json, report.md and report.html.
    #[arg(long, default_value = "loadtest-report", value_name = "DIR")]
    pub report_dir: PathBuf,
    /// Also keep goose's own request metrics, to cross-check our counts (`goose_counts` in the
    /// result): about 5 % more generator CPU per request.
    #[arg(long)]
    pub goose_metrics: bool,
    /// No progress line on stderr.
    #[arg(long)]
    pub quiet: bool,
}
