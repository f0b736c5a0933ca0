//! `run`: one measured run and its reports; exit 1 when every request failed.

use anyhow::{Result, bail};

use super::load::{finish_run, load_once};
use crate::cli::run::RunArgs;

/// Runs `run`; the value is the exit code.
pub async fn run(a: RunArgs) -> Result<u8> {
    let run = load_once(&a.load).await?;
    finish_run(&a.load, &run, &[], None)?;
    if run.total.errors == run.total.requests {
        bail!(
            "every one of the {} requests failed: the target is not serving Notejam correctly",
            run.total.requests
        );
    }
    Ok(0)
}
