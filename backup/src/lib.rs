//! `notejam-backup`: the daily job behind the `notejam-db-backup` bucket.
//!
//! One run, idempotent by construction (every name it creates is derived from the source
//! snapshot's date, and it looks before it creates):
//! 1. find the newest available automated snapshot of the database;
//! 2. prune our kept copies past their retention (grandfather-father-son, see [`retention`]):
//!    every copy of the last `daily_retention_days` (35) days, and the first copy of each month
//!    for `monthly_retention_days` (1095, 3 years); never the newest copy, never a snapshot that
//!    is not named `<prefix>-YYYY-MM-DD`. This runs before the copy so that a full snapshot
//!    quota cannot block the pruning that frees it;
//! 3. keep the newest automated snapshot: copy it to a manual snapshot `<prefix>-YYYY-MM-DD`
//!    (automated snapshots vanish after at most 35 days; the manual copy is restorable with
//!    `restore-db-instance-from-db-snapshot`);
//! 4. export every kept copy from the last few days that has no export yet to S3 (Parquet, for
//!    analytics and long-term archive; an export cannot be restored as a database), and retry an
//!    export that ended FAILED or CANCELED under a new task id (see [`exports`]).

mod config;
mod error;
pub mod exports;
pub mod retention;

use std::time::SystemTime;

use aws_sdk_rds::Client;
use aws_sdk_rds::primitives::DateTime;
use aws_sdk_rds::types::{DbSnapshot, Tag};
use serde::Serialize;
use tracing::{info, warn};

pub use config::Config;
pub use error::BackupError;
use exports::ExportDecision;
use retention::KeptCopy;

/// Tag put on every snapshot this function keeps, so an operator sees who owns it.
pub const OWNER_TAG_KEY: &str = "notejam:backup";
/// Value of [`OWNER_TAG_KEY`].
pub const OWNER_TAG_VALUE: &str = "daily";

/// What a run did; the Lambda's response and the end-of-run log line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The automated snapshot the run started from.
    pub source_snapshot: String,
    /// The manual (restorable) copy of it.
    pub kept_snapshot: String,
    /// Whether this run created that copy (false: it existed already).
    pub copied: bool,
    /// Export tasks this run started (one per kept copy not yet exported, retries included).
    pub exports_started: Vec<String>,
    /// Of those, the retries of an export that ended FAILED or CANCELED.
    pub exports_retried: Vec<String>,
    /// Kept copies still being created; exported by a later run.
    pub exports_waiting: Vec<String>,
    /// Kept copies deleted because they were past the daily window and not the monthly copy.
    pub pruned: Vec<String>,
    /// Our copies after the run: what counts against the account's manual snapshot quota.
    pub kept_copies: usize,
}

impl Report {
    /// True when the run created or deleted anything.
    pub fn changed_anything(&self) -> bool {
        self.copied || !self.exports_started.is_empty() || !self.pruned.is_empty()
    }
}

/// One of our copies: the snapshot and the date in its name (days since 1970-01-01).
struct Owned {
    snapshot: DbSnapshot,
    day: i64,
}

impl Owned {
    fn id(&self) -> &str {
        self.snapshot.db_snapshot_identifier().unwrap_or_default()
    }
}

/// Runs one backup against `rds` as if the time were `now` (injected so tests can step years ahead).
pub async fn run_backup(
    rds: &Client,
    config: &Config,
    now: SystemTime,
) -> Result<Report, BackupError> {
    let instance = &config.db_instance_identifier;
    let today = retention::day_of_secs(DateTime::from(now).secs());
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
    let source_day = retention::day_of_secs(source_time.secs());
    let kept_id = format!(
        "{}-{}",
        config.snapshot_prefix,
        retention::format_day(source_day)
    );
    info!(source = %source_id, kept = %kept_id, "latest automated snapshot");

    let mut report = Report {
        source_snapshot: source_id.clone(),
        kept_snapshot: kept_id.clone(),
        ..Report::default()
    };

    let mut kept = owned_snapshots(rds, config).await?;

    // Prune first: with the quota full, the copy below would fail and nothing would free it.
    let copies: Vec<KeptCopy> = kept
        .iter()
        .map(|o| KeptCopy {
            id: o.id().to_owned(),
            day: o.day,
            available: o.snapshot.status() == Some("available"),
        })
        .collect();
    let expired = retention::expired(
        &copies,
        today,
        &[kept_id.as_str()],
        config.retention_policy(),
    );
    for id in &expired {
        rds.delete_db_snapshot()
            .db_snapshot_identifier(id)
            .send()
            .await
            .map_err(|e| BackupError::aws("DeleteDBSnapshot", e))?;
        info!(snapshot = %id, "pruned kept snapshot past its retention");
        report.pruned.push(id.clone());
    }
    kept.retain(|o| !expired.iter().any(|id| id == o.id()));

    if !kept.iter().any(|o| o.id() == kept_id) {
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
            kept.push(Owned {
                snapshot,
                day: source_day,
            });
        }
    }
    report.kept_copies = kept.len();

    let mut failed_exports = Vec::new();
    for owned in kept
        .iter()
        .filter(|o| today - o.day < i64::from(config.export_lookback_days))
    {
        let id = owned.id();
        if owned.snapshot.status() != Some("available") {
            report.exports_waiting.push(id.to_owned());
            continue;
        }
        let tasks = export_tasks_of(rds, &owned.snapshot).await?;
        match exports::decide(id, &tasks, config.export_max_attempts) {
            ExportDecision::Nothing => {}
            ExportDecision::Start { task, previous } => {
                start_export(rds, config, &owned.snapshot, &task).await?;
                info!(task = %task, bucket = %config.export_bucket, "started snapshot export");
                if let Some(previous) = previous {
                    warn!(
                        task = %task,
                        failed_task = %previous.task,
                        failed_status = %previous.status,
                        "retried an export that did not complete"
                    );
                    report.exports_retried.push(task.clone());
                }
                report.exports_started.push(task);
            }
            ExportDecision::GiveUp { attempts, last } => {
                failed_exports.push(BackupError::ExportFailed {
                    snapshot: id.to_owned(),
                    attempts,
                    task: last.task,
                    status: last.status,
                });
            }
        }
    }

    info!(changed = report.changed_anything(), report = ?report, "backup run finished");
    match failed_exports.into_iter().next() {
        Some(err) => {
            warn!(error = %err, "an export failed every attempt");
            Err(err)
        }
        None => Ok(report),
    }
}

/// Every snapshot of `instance` of `snapshot_type` (`automated` or `manual`), all pages read.
async fn snapshots_of(
    rds: &Client,
    instance: &str,
    snapshot_type: &str,
) -> Result<Vec<DbSnapshot>, BackupError> {
    rds.describe_db_snapshots()
        .db_instance_identifier(instance)
        .snapshot_type(snapshot_type)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| BackupError::aws("DescribeDBSnapshots", e))
}

async fn latest_automated_snapshot(
    rds: &Client,
    instance: &str,
) -> Result<DbSnapshot, BackupError> {
    snapshots_of(rds, instance, "automated")
        .await?
        .into_iter()
        .filter(|s| s.status() == Some("available"))
        .filter(|s| created_secs(s).is_some())
        .max_by_key(created_secs)
        .ok_or_else(|| BackupError::NoAutomatedSnapshot {
            instance: instance.to_owned(),
        })
}

/// Our copies: the instance's manual snapshots named `<prefix>-YYYY-MM-DD`, the only ones we
/// copy into or prune. Others with our prefix are left alone (and logged).
async fn owned_snapshots(rds: &Client, config: &Config) -> Result<Vec<Owned>, BackupError> {
    let snapshots = snapshots_of(rds, &config.db_instance_identifier, "manual").await?;
    let prefix = format!("{}-", config.snapshot_prefix);
    Ok(snapshots
        .into_iter()
        .filter_map(|snapshot| {
            let id = snapshot.db_snapshot_identifier()?;
            match retention::day_of_copy(id, &config.snapshot_prefix) {
                Some(day) => Some(Owned { snapshot, day }),
                None => {
                    if id.starts_with(&prefix) {
                        warn!(snapshot = %id, "has our prefix but not our name format: left alone");
                    }
                    None
                }
            }
        })
        .collect())
}

/// The export tasks (identifier, status) of `snapshot`. RDS filters by source ARN; the
/// caller still matches identifiers, because the emulator ignores the filter.
async fn export_tasks_of(
    rds: &Client,
    snapshot: &DbSnapshot,
) -> Result<Vec<(String, String)>, BackupError> {
    let arn = snapshot_arn(snapshot)?;
    let tasks: Vec<_> = rds
        .describe_export_tasks()
        .source_arn(arn)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| BackupError::aws("DescribeExportTasks", e))?;
    Ok(tasks
        .into_iter()
        .filter_map(|t| {
            Some((
                t.export_task_identifier()?.to_owned(),
                t.status().unwrap_or("UNKNOWN").to_owned(),
            ))
        })
        .collect())
}

fn snapshot_arn(snapshot: &DbSnapshot) -> Result<&str, BackupError> {
    snapshot.db_snapshot_arn().ok_or_else(|| BackupError::Aws {
        step: "DescribeDBSnapshots",
        message: format!(
            "snapshot {} has no ARN",
            snapshot.db_snapshot_identifier().unwrap_or_default()
        ),
    })
}

async fn start_export(
    rds: &Client,
    config: &Config,
    snapshot: &DbSnapshot,
    task: &str,
) -> Result<(), BackupError> {
    rds.start_export_task()
        .export_task_identifier(task)
        .source_arn(snapshot_arn(snapshot)?)
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
