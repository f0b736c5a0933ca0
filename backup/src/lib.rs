//! `notejam-backup`: the daily job behind the `notejam-db-backup` bucket.
//!
//! One run, idempotent by construction (every name it creates is derived from the source
//! snapshot's date, and it looks before it creates):
//! 1. find the newest available automated snapshot of the database;
//! 2. keep it: copy it to a manual snapshot `<prefix>-YYYY-MM-DD` (automated snapshots vanish
//!    after at most 35 days; the manual copy is restorable with `restore-db-instance-from-db-snapshot`);
//! 3. export every kept copy from the last few days that has no export task yet to S3 (Parquet,
//!    for analytics and long-term archive; an export cannot be restored as a database);
//! 4. prune the kept copies older than the retention (1095 days), never the one just kept and
//!    never a snapshot without our prefix.

mod config;
mod error;

use std::time::{Duration, SystemTime};

use aws_sdk_rds::Client;
use aws_sdk_rds::error::ProvideErrorMetadata;
use aws_sdk_rds::primitives::{DateTime, DateTimeFormat};
use aws_sdk_rds::types::{DbSnapshot, Tag};
use serde::Serialize;
use tracing::{info, warn};

pub use config::Config;
pub use error::BackupError;

/// Tag put on every snapshot this function keeps, so an operator sees who owns it.
pub const OWNER_TAG_KEY: &str = "notejam:backup";
/// Value of [`OWNER_TAG_KEY`].
pub const OWNER_TAG_VALUE: &str = "daily";

const DAY: Duration = Duration::from_secs(86_400);

/// What a run did; the Lambda's response and the end-of-run log line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The automated snapshot the run started from.
    pub source_snapshot: String,
    /// The manual (restorable) copy of it.
    pub kept_snapshot: String,
    /// Whether this run created that copy (false: it existed already).
    pub copied: bool,
    /// Export tasks this run started (one per kept copy not yet exported).
    pub exports_started: Vec<String>,
    /// Kept copies still being created; exported by a later run.
    pub exports_waiting: Vec<String>,
    /// Kept copies deleted because they were older than the retention.
    pub pruned: Vec<String>,
}

impl Report {
    /// True when the run created or deleted anything.
    pub fn changed_anything(&self) -> bool {
        self.copied || !self.exports_started.is_empty() || !self.pruned.is_empty()
    }
}

/// Runs one backup against `rds` as if the time were `now` (injected so tests can step years ahead).
pub async fn run_backup(
    rds: &Client,
    config: &Config,
    now: SystemTime,
) -> Result<Report, BackupError> {
    let instance = &config.db_instance_identifier;
    let source = latest_automated_snapshot(rds, instance).await?;
    let source_id = source
        .db_snapshot_identifier()
        .unwrap_or_default()
        .to_owned();
    let source_time = source
        .snapshot_create_time()
        .copied()
        .ok_or_else(|| BackupError::Aws {
            step: "DescribeDBSnapshots",
            message: format!("snapshot {source_id} has no creation time"),
        })?;
    let kept_id = format!("{}-{}", config.snapshot_prefix, day_of(&source_time)?);
    info!(source = %source_id, kept = %kept_id, "latest automated snapshot");

    let mut report = Report {
        source_snapshot: source_id.clone(),
        kept_snapshot: kept_id.clone(),
        ..Report::default()
    };

    let mut kept = owned_snapshots(rds, config).await?;
    if !kept
        .iter()
        .any(|s| s.db_snapshot_identifier() == Some(kept_id.as_str()))
    {
        let copy = rds
            .copy_db_snapshot()
            // The identifier, not the ARN: same-region copies take either, and the emulator only the id.
            .source_db_snapshot_identifier(&source_id)
            .target_db_snapshot_identifier(&kept_id)
            .tags(
                Tag::builder()
                    .key(OWNER_TAG_KEY)
                    .value(OWNER_TAG_VALUE)
                    .build(),
            )
            .tags(
                Tag::builder()
                    .key("notejam:source-snapshot")
                    .value(&source_id)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| BackupError::aws("CopyDBSnapshot", e))?;
        info!(kept = %kept_id, "copied automated snapshot to a restorable manual snapshot");
        report.copied = true;
        if let Some(snapshot) = copy.db_snapshot {
            kept.push(snapshot);
        }
    }

    let mut failed_exports = Vec::new();
    let lookback_start = secs(now) - i64::from(config.export_lookback_days) * DAY.as_secs() as i64;
    for snapshot in kept
        .iter()
        .filter(|s| created_secs(s).is_some_and(|t| t >= lookback_start))
    {
        let id = snapshot.db_snapshot_identifier().unwrap_or_default();
        if snapshot.status() != Some("available") {
            report.exports_waiting.push(id.to_owned());
            continue;
        }
        match export_status(rds, id).await? {
            Some(status)
                if matches!(
                    status.to_ascii_uppercase().as_str(),
                    "FAILED" | "CANCELED" | "CANCELLED"
                ) =>
            {
                failed_exports.push(BackupError::ExportFailed {
                    task: id.to_owned(),
                    status,
                });
            }
            Some(_) => {}
            None => {
                start_export(rds, config, snapshot).await?;
                info!(task = %id, bucket = %config.export_bucket, "started snapshot export");
                report.exports_started.push(id.to_owned());
            }
        }
    }

    let retention_start = secs(now) - i64::from(config.retention_days) * DAY.as_secs() as i64;
    let mut expired: Vec<&DbSnapshot> = kept
        .iter()
        .filter(|s| s.db_snapshot_identifier() != Some(kept_id.as_str()))
        .filter(|s| s.status() == Some("available"))
        .filter(|s| created_secs(s).is_some_and(|t| t < retention_start))
        .collect();
    expired.sort_by_key(|s| created_secs(s));
    for snapshot in expired {
        let id = snapshot.db_snapshot_identifier().unwrap_or_default();
        rds.delete_db_snapshot()
            .db_snapshot_identifier(id)
            .send()
            .await
            .map_err(|e| BackupError::aws("DeleteDBSnapshot", e))?;
        info!(snapshot = %id, "pruned kept snapshot past its retention");
        report.pruned.push(id.to_owned());
    }

    info!(changed = report.changed_anything(), report = ?report, "backup run finished");
    match failed_exports.into_iter().next() {
        Some(err) => {
            warn!(error = %err, "an earlier export did not complete");
            Err(err)
        }
        None => Ok(report),
    }
}

async fn latest_automated_snapshot(
    rds: &Client,
    instance: &str,
) -> Result<DbSnapshot, BackupError> {
    let snapshots: Vec<DbSnapshot> = rds
        .describe_db_snapshots()
        .db_instance_identifier(instance)
        .snapshot_type("automated")
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| BackupError::aws("DescribeDBSnapshots", e))?;
    snapshots
        .into_iter()
        .filter(|s| s.status() == Some("available"))
        .filter(|s| created_secs(s).is_some())
        .max_by_key(created_secs)
        .ok_or_else(|| BackupError::NoAutomatedSnapshot {
            instance: instance.to_owned(),
        })
}

/// The manual snapshots of the instance that carry our prefix: the only ones we copy into or prune.
async fn owned_snapshots(rds: &Client, config: &Config) -> Result<Vec<DbSnapshot>, BackupError> {
    let prefix = format!("{}-", config.snapshot_prefix);
    let snapshots: Vec<DbSnapshot> = rds
        .describe_db_snapshots()
        .db_instance_identifier(&config.db_instance_identifier)
        .snapshot_type("manual")
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| BackupError::aws("DescribeDBSnapshots", e))?;
    Ok(snapshots
        .into_iter()
        .filter(|s| {
            s.db_snapshot_identifier()
                .is_some_and(|id| id.starts_with(&prefix))
        })
        .collect())
}

/// The status of export task `id`, or `None` when there is none.
async fn export_status(rds: &Client, id: &str) -> Result<Option<String>, BackupError> {
    match rds
        .describe_export_tasks()
        .export_task_identifier(id)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .export_tasks()
            .iter()
            .find(|t| t.export_task_identifier() == Some(id))
            .map(|t| t.status().unwrap_or("UNKNOWN").to_owned())),
        Err(e)
            if e.code()
                .is_some_and(|c| c.starts_with("ExportTaskNotFound")) =>
        {
            Ok(None)
        }
        Err(e) => Err(BackupError::aws("DescribeExportTasks", e)),
    }
}

async fn start_export(
    rds: &Client,
    config: &Config,
    snapshot: &DbSnapshot,
) -> Result<(), BackupError> {
    let id = snapshot.db_snapshot_identifier().unwrap_or_default();
    let arn = snapshot.db_snapshot_arn().ok_or_else(|| BackupError::Aws {
        step: "DescribeDBSnapshots",
        message: format!("snapshot {id} has no ARN"),
    })?;
    rds.start_export_task()
        .export_task_identifier(id)
        .source_arn(arn)
        .s3_bucket_name(&config.export_bucket)
        .s3_prefix(&config.export_s3_prefix)
        .iam_role_arn(&config.export_role_arn)
        .kms_key_id(&config.export_kms_key_id)
        .send()
        .await
        .map_err(|e| BackupError::aws("StartExportTask", e))?;
    Ok(())
}

fn created_secs(snapshot: &DbSnapshot) -> Option<i64> {
    snapshot.snapshot_create_time().map(DateTime::secs)
}

fn secs(time: SystemTime) -> i64 {
    DateTime::from(time).secs()
}

/// `YYYY-MM-DD` (UTC) of a timestamp.
fn day_of(time: &DateTime) -> Result<String, BackupError> {
    let text = time
        .fmt(DateTimeFormat::DateTime)
        .map_err(|e| BackupError::Config(format!("cannot format snapshot time: {e}")))?;
    Ok(text[..10].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_is_the_utc_date() {
        let t = DateTime::from_secs(1_795_000_000); // 2026-11-18T...Z
        assert_eq!(day_of(&t).unwrap(), "2026-11-18");
    }
}
