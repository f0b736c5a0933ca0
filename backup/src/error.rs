//! The one error type of the backup run: each variant names the step that failed.

use thiserror::Error;

/// Why a backup run failed. The Lambda returns it as an error, so the invocation counts in the
/// function's `Errors` metric and the CloudWatch alarm fires.
#[derive(Debug, Error)]
pub enum BackupError {
    /// A required setting is missing or malformed (see `Config::from_env`).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The database has no available automated snapshot yet: nothing to keep or export.
    #[error("no available automated snapshot for DB instance `{instance}`")]
    NoAutomatedSnapshot { instance: String },
    /// An RDS API call failed; `step` says which.
    #[error("{step} failed: {message}")]
    Aws { step: &'static str, message: String },
    /// Every allowed export attempt of a kept snapshot ended FAILED or CANCELED; no more
    /// retries are started for it.
    #[error(
        "the export of `{snapshot}` failed {attempts} time(s), the last as task `{task}` ({status}); no more retries: inspect it with `aws rds describe-export-tasks --export-task-identifier {task}` (docs/restore.md)"
    )]
    ExportFailed {
        snapshot: String,
        attempts: u32,
        task: String,
        status: String,
    },
}

impl BackupError {
    pub(crate) fn aws<E>(step: &'static str, err: E) -> Self
    where
        E: std::error::Error + 'static,
    {
        // DisplayErrorContext prints the whole source chain (service code, message, request id).
        Self::Aws {
            step,
            message: aws_sdk_rds::error::DisplayErrorContext(err).to_string(),
        }
    }
}
