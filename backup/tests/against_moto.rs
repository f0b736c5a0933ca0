//! The handler run directly against the moto AWS emulator (a real HTTP server speaking the RDS
//! API). Lambda invocation itself is not emulated (moto needs Docker for it), so these tests call
//! `run_backup` the way the Lambda's `main` does.
//!
//! Each test starts its own `moto_server` (from `$MOTO_SERVER` or `PATH`) on a free loopback port.
//! Moto quirks: copies and exports complete at once and the export writes no objects, so these
//! tests check the API calls made and the state left in RDS, not Parquet files.

mod common;

use std::net::TcpListener;
use std::time::{Duration, SystemTime};

use aws_sdk_rds::Client;
use aws_sdk_rds::config::{BehaviorVersion, Credentials, Region};
use common::{Moto, create_database};
use notejam_backup::{BackupError, Config, run_backup};

const DAY: Duration = Duration::from_secs(86_400);

fn config() -> Config {
    Config {
        db_instance_identifier: "notejam-dev".into(),
        snapshot_prefix: "notejam-dev-daily".into(),
        retention_days: 1095,
        export_lookback_days: 7,
        export_bucket: "notejam-db-backup-dev".into(),
        export_s3_prefix: "rds-exports".into(),
        // The emulator checks neither; in AWS terraform passes the real role and key.
        export_role_arn: "arn:aws:iam::000000000000:role/notejam-dev-rds-export".into(),
        export_kms_key_id: "arn:aws:kms:eu-west-1:000000000000:key/emulated".into(),
    }
}

async fn manual_snapshot_ids(rds: &Client) -> Vec<String> {
    let out = rds
        .describe_db_snapshots()
        .db_instance_identifier("notejam-dev")
        .snapshot_type("manual")
        .send()
        .await
        .unwrap();
    let mut ids: Vec<String> = out
        .db_snapshots()
        .iter()
        .filter_map(|s| s.db_snapshot_identifier().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

async fn export_tasks(rds: &Client) -> Vec<(String, String, String)> {
    let out = rds.describe_export_tasks().send().await.unwrap();
    out.export_tasks()
        .iter()
        .map(|t| {
            (
                t.export_task_identifier().unwrap_or_default().to_owned(),
                t.source_arn().unwrap_or_default().to_owned(),
                t.s3_bucket().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn keeps_and_exports_the_latest_snapshot_and_a_second_run_changes_nothing() {
    let moto = Moto::start();
    let rds = moto.rds();
    create_database(&rds, "notejam-dev").await;
    let now = SystemTime::now();

    let first = run_backup(&rds, &config(), now).await.expect("first run");
    assert!(
        first.source_snapshot.starts_with("rds:notejam-dev-"),
        "{first:?}"
    );
    assert!(
        first.kept_snapshot.starts_with("notejam-dev-daily-20"),
        "{first:?}"
    );
    assert!(first.copied);
    assert_eq!(first.exports_started, vec![first.kept_snapshot.clone()]);
    assert!(first.pruned.is_empty());

    assert_eq!(
        manual_snapshot_ids(&rds).await,
        vec![first.kept_snapshot.clone()]
    );
    let tasks = export_tasks(&rds).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].0, first.kept_snapshot);
    assert!(
        tasks[0]
            .1
            .ends_with(&format!(":snapshot:{}", first.kept_snapshot)),
        "{tasks:?}"
    );
    assert_eq!(tasks[0].2, "notejam-db-backup-dev");

    let second = run_backup(&rds, &config(), now + Duration::from_secs(3600))
        .await
        .expect("second run");
    assert!(
        !second.changed_anything(),
        "second run the same day changed something: {second:?}"
    );
    assert_eq!(second.kept_snapshot, first.kept_snapshot);
    assert_eq!(
        manual_snapshot_ids(&rds).await,
        vec![first.kept_snapshot.clone()]
    );
    assert_eq!(export_tasks(&rds).await.len(), 1);
}

#[tokio::test]
async fn prunes_only_its_own_copies_once_older_than_three_years() {
    let moto = Moto::start();
    let rds = moto.rds();
    create_database(&rds, "notejam-dev").await;
    let now = SystemTime::now();
    let first = run_backup(&rds, &config(), now).await.expect("first run");

    // An older copy of ours, and an operator's snapshot that the function must never touch.
    for id in ["notejam-dev-daily-2020-01-01", "before-migration-42"] {
        rds.create_db_snapshot()
            .db_instance_identifier("notejam-dev")
            .db_snapshot_identifier(id)
            .send()
            .await
            .unwrap();
    }

    let within = run_backup(&rds, &config(), now + 1094 * DAY)
        .await
        .expect("run at 1094 days");
    assert!(
        within.pruned.is_empty(),
        "pruned inside the retention: {within:?}"
    );
    assert_eq!(manual_snapshot_ids(&rds).await.len(), 3);

    let after = run_backup(&rds, &config(), now + 1096 * DAY)
        .await
        .expect("run at 1096 days");
    assert_eq!(
        after.pruned,
        vec!["notejam-dev-daily-2020-01-01".to_owned()]
    );
    // The copy of the latest automated snapshot stays even when old: it is the newest restore point.
    assert_eq!(
        manual_snapshot_ids(&rds).await,
        vec![
            "before-migration-42".to_owned(),
            first.kept_snapshot.clone()
        ]
    );

    let again = run_backup(&rds, &config(), now + 1096 * DAY)
        .await
        .expect("repeat run");
    assert!(!again.changed_anything(), "{again:?}");
}

#[tokio::test]
async fn fails_with_a_clear_error_when_there_is_no_snapshot() {
    let moto = Moto::start();
    let rds = moto.rds();
    let err = run_backup(&rds, &config(), SystemTime::now())
        .await
        .unwrap_err();
    assert!(
        matches!(err, BackupError::NoAutomatedSnapshot { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "no available automated snapshot for DB instance `notejam-dev`"
    );
}

#[tokio::test]
async fn reports_an_export_that_did_not_complete() {
    let moto = Moto::start();
    let rds = moto.rds();
    create_database(&rds, "notejam-dev").await;
    let now = SystemTime::now();
    let first = run_backup(&rds, &config(), now).await.expect("first run");
    rds.cancel_export_task()
        .export_task_identifier(&first.kept_snapshot)
        .send()
        .await
        .unwrap();

    let err = run_backup(&rds, &config(), now).await.unwrap_err();
    assert!(matches!(err, BackupError::ExportFailed { .. }), "{err:?}");
    assert!(err.to_string().contains(&first.kept_snapshot), "{err}");
}

#[tokio::test]
async fn surfaces_api_errors_with_the_failing_step() {
    // Nothing listens on this port: the first API call fails and the error names it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = aws_sdk_rds::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .build();
    let err = run_backup(
        &Client::from_conf(config),
        &self::config(),
        SystemTime::now(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().starts_with("DescribeDBSnapshots failed:"),
        "{err}"
    );
}
