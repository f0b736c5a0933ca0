//! `merge`: the result files of shards joined into one.

use std::path::PathBuf;

use clap::Args;

/// The flags of `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Result files of the shards (result.json, or a log whose last line is the result).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Write the merged result here (default: stdout).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the Markdown and HTML reports of the merged run here.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// The shards ran `baseline`: also write the baseline file of the merged ramp here (each
    /// step's histograms merged, users and requests/s summed, the shards' knee rule applied).
    #[arg(long, value_name = "FILE")]
    pub baseline_output: Option<PathBuf>,
}
