//! The command line without a target: help, bad flags and an unreachable host all end with a
//! clear message and exit 1 (help: 0).

mod support;

use support::*;

#[test]
fn help_names_every_subcommand_and_the_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = loadtest(&["--help"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for word in ["run", "gate", "baseline", "merge", "99"] {
        assert!(help.contains(word), "{help}");
    }
    let gate = loadtest(&["gate", "--help"], dir.path());
    let help = String::from_utf8_lossy(&gate.stdout);
    for word in [
        "--threshold",
        "--baseline",
        "--junit",
        "baseline*1.2",
        "--host",
        "--run-time",
        "--users",
    ] {
        assert!(help.contains(word), "{help}");
    }
}

#[test]
fn a_bad_flag_is_exit_1_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["run", "--host", "http://127.0.0.1:1", "--userz", "3"],
        vec!["run", "--host", "http://127.0.0.1:1", "--run-time", "soon"],
        vec!["frobnicate"],
        vec![
            "baseline",
            "--host",
            "http://127.0.0.1:1",
            "--steps",
            "10,5",
        ],
        vec!["run"],
    ] {
        let out = loadtest(&args, dir.path());
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", describe(&out));
        assert!(!out.stderr.is_empty(), "{args:?}: no message");
    }
}

#[test]
fn an_unreachable_host_is_exit_1_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let out = loadtest(
        &[
            "run",
            "--host",
            &format!("http://127.0.0.1:{port}"),
            "--run-time",
            "2s",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot reach the target") && err.contains("connection refused"),
        "{err}"
    );
    let gate = loadtest(
        &[
            "gate",
            "--host",
            &format!("http://127.0.0.1:{port}"),
            "--threshold",
            "p95<1s",
        ],
        dir.path(),
    );
    assert_eq!(
        gate.status.code(),
        Some(1),
        "the gate must not pass or fail a run that never ran"
    );
}
