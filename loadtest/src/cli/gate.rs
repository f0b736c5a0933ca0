//! `gate`: run (or read a result), then judge k6-style thresholds.

use std::path::PathBuf;

use clap::Args;

use super::load::LoadArgs;

/// The flags of `gate`.
#[derive(Debug, Args)]
pub struct GateArgs {
    #[command(flatten)]
    pub load: LoadArgs,
    /// A threshold, repeatable: METRIC[{journey=NAME}|{request=NAME}] OP LIMIT.
    /// Metrics p50 p90 p95 p99 p99.9 max mean (LIMIT like 300ms, 1s), errors (1% or 0.01),
    /// rps, requests. OP is < <= > >=. LIMIT baseline*F compares with the baseline's normal
    /// step (p50, p95, p99, errors, rps). Examples: 'p95<300ms' 'errors<1%' 'rps>200'
    /// 'p95{journey=browser}<500ms' 'p95<baseline*1.2'.
    #[arg(long = "threshold", required = true, value_name = "EXPR")]
    pub thresholds: Vec<String>,
    /// Baseline file (for relative thresholds), as written by `baseline`.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Where to write the JUnit XML (one test case per threshold).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Judge an existing result (e.g. from `merge`) instead of running load.
    #[arg(long, value_name = "RESULT_JSON")]
    pub from: Option<PathBuf>,
}
