//! `baseline`: a stepped ramp, judged by the knee rule, written as the baseline file.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::load::LoadArgs;
use super::values::{parse_duration, parse_rate};

/// The flags of `baseline`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub load: LoadArgs,
    /// Users at each step of the ramp, comma-separated and increasing.
    #[arg(
        long,
        default_value = "5,10,20,40,80",
        value_delimiter = ',',
        value_name = "N,N,..."
    )]
    pub steps: Vec<usize>,
    /// How long each step holds its users (the measured part is this minus --warmup).
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub step_duration: Duration,
    /// SLO: p95 latency a step must stay under.
    #[arg(long, default_value = "300ms", value_parser = parse_duration, value_name = "DURATION")]
    pub slo_p95: Duration,
    /// SLO: error rate a step must stay under, e.g. 1%.
    #[arg(long, default_value = "1%", value_parser = parse_rate, value_name = "RATE")]
    pub slo_errors: f64,
    /// Knee rule: less requests/s growth than this over the best earlier step is a plateau.
    #[arg(long, default_value = "5%", value_parser = parse_rate, value_name = "RATE")]
    pub plateau: f64,
    /// Knee rule: the normal step carries at most this share of capacity's requests/s.
    #[arg(long, default_value = "60%", value_parser = parse_rate, value_name = "RATE")]
    pub normal_fraction: f64,
    /// Where the target runs: local, development, staging or production.
    #[arg(long, default_value = "local", value_parser = ["local", "development", "staging", "production"])]
    pub environment: String,
    /// App pods serving during the whole ramp (per-pod figures divide by this).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub replicas: u32,
    /// NOTEJAM_DB_MAX_CONNECTIONS of each pod, when known.
    #[arg(long, value_name = "N")]
    pub db_pool_size: Option<u32>,
    /// Image tag or git commit of the app under test, when known.
    #[arg(long, value_name = "VERSION")]
    pub app_version: Option<String>,
    /// Where to write the baseline JSON. A shard (--shard-count above 1) writes none: its
    /// result carries the settings, and `merge --baseline-output` writes the file of all shards.
    #[arg(long, default_value = "baseline.json", value_name = "FILE")]
    pub output: PathBuf,
}
