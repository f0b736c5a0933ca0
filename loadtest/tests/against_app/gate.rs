//! `gate`: thresholds judged with JUnit, and what is refused before any load is sent.

use crate::s;
use crate::support::*;

#[test]
fn gate_passes_loose_thresholds_and_exits_99_on_impossible_ones_with_junit() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let loose = app.loadtest(
        "gate",
        &[
            "--users",
            "2",
            "--run-time",
            "2s",
            "--quiet",
            "--threshold",
            "p95<30s",
            "--threshold",
            "errors<1%",
            "--threshold",
            "rps>1",
            "--threshold",
            "p99{journey=browser}<60s",
            "--junit",
            s(&junit),
            "--report-dir",
            s(&dir.path().join("loose")),
        ],
        dir.path(),
    );
    assert_exit(&loose, 0);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase").count(), 4, "{xml}");
    assert!(
        xml.contains(r#"failures="0""#) && !xml.contains("<failure"),
        "{xml}"
    );

    let strict = app.loadtest(
        "gate",
        &[
            "--users",
            "2",
            "--run-time",
            "2s",
            "--quiet",
            "--threshold",
            "p50<1us",
            "--threshold",
            "errors<1%",
            "--threshold",
            "rps>1000000",
            "--junit",
            s(&junit),
            "--report-dir",
            s(&dir.path().join("strict")),
        ],
        dir.path(),
    );
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
    let out = app.loadtest(
        "gate",
        &[
            "--users",
            "2",
            "--run-time",
            "2s",
            "--threshold",
            "p95<300",
            "--threshold",
            "errors<1%",
        ],
        dir.path(),
    );
    assert_exit(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(r#"malformed threshold "p95<300": a latency needs a unit"#),
        "{err}"
    );
    assert_eq!(app.sql("SELECT count(*) FROM users"), "0", "load was sent");

    let relative = app.loadtest("gate", &["--threshold", "p95<baseline*1.2"], dir.path());
    assert_exit(&relative, 1);
    assert!(String::from_utf8_lossy(&relative.stderr).contains("give --baseline FILE"));
}

#[test]
fn a_target_that_is_not_notejam_is_refused() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    // The admin port answers HTTP, but it is not the site.
    let out = loadtest(
        &["run", "--host", &app.admin, "--run-time", "2s"],
        dir.path(),
    );
    assert_exit(&out, 1);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not Notejam's sign-in page"),
        "{}",
        describe(&out)
    );
    assert!(
        !dir.path().join("loadtest-report").exists(),
        "a report was written for a run that never ran"
    );
}
