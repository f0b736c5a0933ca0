//! The handler run directly against the moto AWS emulator (a real HTTP server speaking the RDS
//! API). Lambda invocation itself is not emulated (moto needs Docker for it), so these tests call
//! `run_backup` the way the Lambda's `main` does.
//!
//! Each test starts its own `moto_server` (from `$MOTO_SERVER` or `PATH`) on a free loopback port.
//! Moto quirks: copies and exports complete at once and the export writes no objects, so these
//! tests check the API calls made and the state left in RDS, not Parquet files. Moto can cancel
//! an export task but never fails one: a FAILED export is covered by the unit tests of
//! `exports::decide`, which treats both alike.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_rds::Client;
use aws_sdk_rds::config::{BehaviorVersion, Credentials, Region};
use common::{Moto, create_database};
use notejam_backup::retention::{day_of_copy, format_day};
use notejam_backup::{BackupError, Config, Report, run_backup};

const DAY: Duration = Duration::from_secs(86_400);

/// Noon (UTC) of today, the time a test's first run is made at: the runs it makes minutes or an
/// hour later "the same day" then stay on one UTC day whenever the suite runs (from real time,
/// a run at 23:30 had its repeat an hour later fall on the next day and prune one day more).
fn noon_today() -> SystemTime {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs();
    UNIX_EPOCH + Duration::from_secs(secs - secs % DAY.as_secs() + DAY.as_secs() / 2)
}

fn config() -> Config {
    Config {
        db_instance_identifier: "notejam-dev".into(),
        snapshot_prefix: "notejam-dev-daily".into(),
        daily_retention_days: 35,
        monthly_retention_days: 1095,
        export_lookback_days: 7,
        export_max_attempts: 3,
        export_bucket: "notejam-db-backup-dev".into(),
        export_s3_prefix: "rds-exports".into(),
        // The emulator checks neither; in AWS terraform passes the real role and key.
        export_role_arn: "arn:aws:iam::000000000000:role/notejam-dev-rds-export".into(),
        export_kms_key_id: "arn:aws:kms:eu-west-1:000000000000:key/emulated".into(),
    }
}

/// One run with the test configuration as if the time were `at`; `what` names it if it fails.
async fn run_at(rds: &Client, at: SystemTime, what: &str) -> Report {
    run_backup(rds, &config(), at)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e:?}"))
}

/// A fresh moto holding the `notejam-dev` database (and so its first automated snapshot).
async fn with_database() -> (Moto, Client) {
    let moto = Moto::start();
    let rds = moto.rds();
    create_database(&rds, "notejam-dev").await;
    (moto, rds)
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
    let (_moto, rds) = with_database().await;
    let now = noon_today();

    let first = run_at(&rds, now, "first run").await;
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
    assert!(first.exports_retried.is_empty());
    assert!(first.pruned.is_empty());
    assert_eq!(first.kept_copies, 1);

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

    let second = run_at(&rds, now + Duration::from_secs(3600), "second run").await;
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

async fn create_snapshot(rds: &Client, id: &str) {
    rds.create_db_snapshot()
        .db_instance_identifier("notejam-dev")
        .db_snapshot_identifier(id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create {id}: {e:?}"));
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn keeps_35_days_of_daily_copies_and_one_a_month_for_three_years_and_only_prunes_its_own() {
    let (_moto, rds) = with_database().await;
    let now = noon_today();
    let first = run_at(&rds, now, "first run").await;
    let today = day_of_copy(&first.kept_snapshot, "notejam-dev-daily").expect("dated name");
    let copy_of = |age: i64| format!("notejam-dev-daily-{}", format_day(today - age));
    // The earliest copy of its month among ages 0..=80 (the seeded range is contiguous).
    let month_first = |age: i64| age == 80 || format_day(today - age).ends_with("-01");

    // 80 days of older copies of ours, an operator's snapshot and one with our prefix but not
    // our name format: the last two must never be touched.
    for age in 1..=80 {
        create_snapshot(&rds, &copy_of(age)).await;
    }
    let foreign = ["before-migration-42", "notejam-dev-daily-keep-forever"];
    for id in foreign {
        create_snapshot(&rds, id).await;
    }

    let run = run_at(&rds, now, "pruning run").await;
    let kept: Vec<String> = (0..=80)
        .filter(|&age| age < 35 || month_first(age))
        .map(copy_of)
        .collect();
    let pruned: Vec<String> = (35..=80)
        .filter(|&age| !month_first(age))
        .map(copy_of)
        .collect();
    assert_eq!(
        sorted(run.pruned.clone()),
        sorted(pruned.clone()),
        "{run:?}"
    );
    assert_eq!(run.kept_copies, kept.len());
    assert!(
        (35 + 2..=35 + 3).contains(&kept.len()),
        "{kept:?}: 35 daily copies and the monthly ones of 2 or 3 older months"
    );
    let mut expected = kept.clone();
    expected.extend(foreign.map(String::from));
    assert_eq!(manual_snapshot_ids(&rds).await, sorted(expected));

    let again = run_at(&rds, now + Duration::from_secs(3600), "repeat run").await;
    assert!(!again.changed_anything(), "{again:?}");

    // 1014 days on, the oldest copy (80 days old today) is 1094 days old: every monthly copy is
    // still kept, the daily ones have left their window. The newest copy stays whatever its age.
    let later = run_at(&rds, now + (1094 - 80) * DAY, "run after 1014 days").await;
    let monthly: Vec<String> = (0..=80)
        .filter(|&age| age == 0 || month_first(age))
        .map(copy_of)
        .collect();
    let mut expected = monthly.clone();
    expected.extend(foreign.map(String::from));
    assert_eq!(manual_snapshot_ids(&rds).await, sorted(expected));
    assert_eq!(later.kept_copies, monthly.len());

    // One day later it is 1095 days old: 3 years are over, and only it goes.
    let end = run_at(&rds, now + (1095 - 80) * DAY, "run after 1015 days").await;
    assert_eq!(end.pruned, vec![copy_of(80)]);
    let end_again = run_at(&rds, now + (1095 - 80) * DAY, "repeat run").await;
    assert!(!end_again.changed_anything(), "{end_again:?}");

    // Long after, the copy of the latest automated snapshot is still there: it is the newest
    // restore point, never pruned.
    let far = run_at(&rds, now + 2000 * DAY, "run after 2000 days").await;
    assert!(!far.pruned.contains(&first.kept_snapshot), "{far:?}");
    let mut expected = vec![first.kept_snapshot.clone()];
    expected.extend(foreign.map(String::from));
    assert_eq!(manual_snapshot_ids(&rds).await, sorted(expected));
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

async fn cancel(rds: &Client, task: &str) {
    rds.cancel_export_task()
        .export_task_identifier(task)
        .send()
        .await
        .unwrap_or_else(|e| panic!("cancel {task}: {e:?}"));
}

#[tokio::test]
async fn retries_a_canceled_export_under_a_new_id_and_gives_up_after_three_attempts() {
    let (_moto, rds) = with_database().await;
    let now = noon_today();
    let first = run_at(&rds, now, "first run").await;
    let kept = first.kept_snapshot.clone();
    cancel(&rds, &kept).await;

    // The same day: the canceled export is noticed and started again as <copy>-r1.
    let retry = run_at(
        &rds,
        now + Duration::from_secs(600),
        "a retry is not an error",
    )
    .await;
    assert_eq!(retry.exports_started, vec![format!("{kept}-r1")]);
    assert_eq!(retry.exports_retried, vec![format!("{kept}-r1")]);
    assert!(!retry.copied);
    let again = run_at(&rds, now + Duration::from_secs(1200), "rerun").await;
    assert!(
        !again.changed_anything(),
        "a complete retry means nothing to do: {again:?}"
    );

    // The next day: the retry was canceled too, so -r2.
    cancel(&rds, &format!("{kept}-r1")).await;
    let next_day = run_at(&rds, now + DAY, "second retry").await;
    assert_eq!(next_day.exports_retried, vec![format!("{kept}-r2")]);

    // The third attempt fails as well: no fourth, and the run fails (the alarm fires) until
    // the copy leaves the export window.
    cancel(&rds, &format!("{kept}-r2")).await;
    for day in [1, 2] {
        let err = run_backup(&rds, &config(), now + day * DAY)
            .await
            .unwrap_err();
        match &err {
            BackupError::ExportFailed {
                snapshot,
                attempts,
                task,
                status,
            } => {
                assert_eq!(snapshot, &kept);
                assert_eq!(*attempts, 3);
                assert_eq!(task, &format!("{kept}-r2"));
                assert!(status.eq_ignore_ascii_case("canceled"), "{status}");
            }
            other => panic!("expected ExportFailed, got {other:?}"),
        }
        assert!(err.to_string().contains(&format!("{kept}-r2")), "{err}");
    }
    let mut ids: Vec<String> = export_tasks(&rds).await.into_iter().map(|t| t.0).collect();
    ids.sort();
    assert_eq!(
        ids,
        vec![kept.clone(), format!("{kept}-r1"), format!("{kept}-r2")]
    );
    let out_of_window = run_at(
        &rds,
        now + 7 * DAY,
        "past the 7-day export window the copy is no longer looked at",
    )
    .await;
    assert!(!out_of_window.changed_anything(), "{out_of_window:?}");
}

#[tokio::test]
async fn surfaces_api_errors_with_the_failing_step() {
    // Nothing listens on this port: the first API call fails and the error names it.
    let port = notejam_testkit::free_port();
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
