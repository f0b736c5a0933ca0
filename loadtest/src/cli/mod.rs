//! The command line as clap derive structs: one file per command's flags, [`load`] for the flags
//! every load-making command shares, [`values`] for the parsers of their values. What each
//! command does is in `crate::commands`; this module only says what it accepts.

pub mod baseline;
pub mod gate;
pub mod load;
pub mod merge;
pub mod run;
pub mod values;

use clap::{Parser, Subcommand};

use self::baseline::BaselineArgs;
use self::gate::GateArgs;
use self::merge::MergeArgs;
use self::run::RunArgs;

/// Load generator for Notejam: validated user journeys on goose, exact HDR-histogram
/// percentiles, a stepped-ramp baseline, a CI gate and a merge of sharded runs.
///
/// Exit codes: 0 success (gate: every threshold passed), 99 a gate threshold failed,
/// 1 the test itself could not run (bad flag, unreachable or wrong target, no requests measured).
/// Progress goes to stderr; reports go to --report-dir. Only aim it at environments we own.
#[derive(Debug, Parser)]
#[command(name = "notejam-loadtest", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load at a fixed number of users (or a fixed request rate) for a duration, with a report.
    ///
    /// Example: notejam-loadtest run --host http://127.0.0.1:8080 --users 20 --run-time 1m
    Run(RunArgs),
    /// Run, then judge k6-style thresholds: exit 0 pass, 99 a threshold failed, 1 could not run.
    ///
    /// Example: notejam-loadtest gate --host URL --users 20 --run-time 2m
    ///   --baseline k8s/overlays/dev/baseline.json --threshold 'p95<300ms'
    ///   --threshold 'errors<1%' --threshold 'p95<baseline*1.2' --junit junit.xml
    Gate(GateArgs),
    /// Stepped ramp: measure each step, find the normal point and the knee, write the baseline.
    ///
    /// Example: notejam-loadtest baseline --host URL --steps 5,10,20,40,80 --step-duration 60s
    ///   --prometheus-url http://prometheus:9090 --replicas 3 --environment staging
    ///   --output baseline.json
    Baseline(BaselineArgs),
    /// Merge the result files of shards (exact: histograms are added) into one result.
    ///
    /// Example: notejam-loadtest merge shard-*.json --output merged.json --report-dir merged/
    Merge(MergeArgs),
}
