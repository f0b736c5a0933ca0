//! What each command does, given its parsed flags: [`load`] holds what the load-making commands
//! share (the plan from the flags, one measured run, the reports), the others one command each.

pub mod baseline;
pub mod gate;
pub mod load;
pub mod merge;
pub mod run;

use anyhow::Result;

use crate::cli::Command;

/// Runs one subcommand; the value is the exit code.
pub async fn dispatch(command: Command) -> Result<u8> {
    match command {
        Command::Run(a) => run::run(a).await,
        Command::Gate(a) => gate::gate(a).await,
        Command::Baseline(a) => baseline::baseline(a).await,
        Command::Merge(a) => merge::merge(a),
    }
}
