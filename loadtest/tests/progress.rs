//! The progress line: drawn on a terminal, absent from logs (CI, pods), whatever `--quiet` says.

mod support;

use std::process::Command;

use support::*;

/// What the progress line says and nothing else does.
const PROGRESS: &str = "· measured";

#[test]
fn progress_is_drawn_on_a_terminal_and_never_into_a_log() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    let args = |report: &str| {
        vec![
            "run".to_string(),
            "--host".into(),
            app.base.clone(),
            "--users".into(),
            "2".into(),
            "--run-time".into(),
            "3s".into(),
            "--report-dir".into(),
            dir.path().join(report).display().to_string(),
        ]
    };
    // stderr is a pipe, as in CI: no progress, even without --quiet.
    let a = args("log");
    let log = loadtest(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        dir.path(),
    );
    assert_exit(&log, 0);
    let stderr = String::from_utf8_lossy(&log.stderr);
    assert!(!stderr.contains(PROGRESS), "progress in a log:\n{stderr}");
    assert!(
        stderr.contains("requests in"),
        "the summary is still there:\n{stderr}"
    );

    // On a terminal (util-linux `script` gives it one), the line is drawn.
    let line = std::iter::once(env!("CARGO_BIN_EXE_notejam-loadtest").to_string())
        .chain(args("tty"))
        .collect::<Vec<_>>()
        .join(" ");
    let tty = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(dir.path())
        .env_remove("NOTEJAM_LOADTEST_HOST")
        // A terminal that says what it is (CI has no TERM, which reads as a dumb terminal).
        .env("TERM", "xterm")
        .output()
        .expect("util-linux's script runs");
    let screen = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{screen}");
    assert!(
        screen.contains(PROGRESS) && screen.contains("2 users (plan [2])"),
        "no progress on a terminal:\n{screen}"
    );
}
