//! `run`: load at a fixed number of users or a fixed request rate, with a report.

use clap::Args;

use super::load::LoadArgs;

/// The flags of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub load: LoadArgs,
}
