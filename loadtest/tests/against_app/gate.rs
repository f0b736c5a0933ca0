//! `gate`: thresholds judged with JUnit, and what is refused before any load is sent.

use crate::support::*;

/// Two users for two seconds, no progress line.
const SHORT: &str = "--users 2 --run-time 2s --quiet";

#[test]
fn gate_passes_loose_thresholds_and_exits_99_on_impossible_ones_with_junit() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let gate = |thresholds: &str, report_dir: &str| {
        let mut line = app.command("gate").words(SHORT);
        for t in thresholds.split_whitespace() {
            line = line.flag("--threshold", t);
        }
        line.flag("--junit", &junit)
            .flag("--report-dir", dir.path().join(report_dir))
            .run_in(dir.path())
    };
    let loose = gate("p95<30s errors<1% rps>1 p99{journey=browser}<60s", "loose");
    assert_exit(&loose, 0);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase").count(), 4, "{xml}");
    assert!(
        xml.contains(r#"failures="0""#) && !xml.contains("<failure"),
        "{xml}"
    );

    let strict = gate("p50<1us errors<1% rps>1000000", "strict");
    assert_exit(&strict, 99);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<failure").count(), 2, "{xml}");
    assert!(xml.contains(r#"name="p50&lt;1us""#), "{xml}");
    let md = std::fs::read_to_string(dir.path().join("strict/report.md")).unwrap();
    assert!(md.contains("2 of 3 FAILED"), "{md}");
}

#[test]
fn a_malformed_threshold_fails_before_any_load() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    let out = app
        .command("gate")
        .words("--users 2 --run-time 2s --threshold p95<300 --threshold errors<1%")
        .run_in(dir.path());
    let said = r#"malformed threshold "p95<300": a latency needs a unit"#;
    assert_exit_saying(&out, 1, said);
    assert_eq!(app.sql("SELECT count(*) FROM users"), "0", "load was sent");

    let relative = app
        .command("gate")
        .words("--threshold p95<baseline*1.2")
        .run_in(dir.path());
    assert_exit_saying(&relative, 1, "give --baseline FILE");
}

#[test]
fn a_target_that_is_not_notejam_is_refused() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    // The admin port answers HTTP, but it is not the site.
    let out = line("run --run-time 2s")
        .flag("--host", &app.admin)
        .run_in(dir.path());
    assert_exit_saying(&out, 1, "is not Notejam's sign-in page");
    assert!(
        !dir.path().join("loadtest-report").exists(),
        "a report was written for a run that never ran"
    );
}
