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
    let unreachable = format!("http://127.0.0.1:{}", free_port());
    let out = line("run --run-time 2s")
        .flag("--host", &unreachable)
        .run_in(dir.path());
    assert_exit_saying(&out, 1, "cannot reach the target");
    assert_exit_saying(&out, 1, "connection refused");
    let gate = line("gate --threshold p95<1s")
        .flag("--host", &unreachable)
        .run_in(dir.path());
    assert_eq!(
        gate.status.code(),
        Some(1),
        "the gate must not pass or fail a run that never ran"
    );
}

/// The JUnit file of a gate that exited 1: one failing test case, with the reason. Read with an
/// XML parser, as CircleCI reads it (attribute order is the serializer's business).
fn assert_run_failure_junit(path: &std::path::Path, reason: &str) {
    let xml = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no JUnit file at {}: {e}", path.display()));
    assert_eq!(xml.matches("<testcase").count(), 1, "{xml}");
    assert_eq!(xml.matches("<failure").count(), 1, "{xml}");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let root = doc.root_element();
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase"))
        .unwrap();
    assert!(
        root.has_tag_name("testsuites")
            && root.attribute("tests") == Some("1")
            && root.attribute("failures") == Some("1")
            && case.attribute("classname") == Some("loadtest.run")
            && case.attribute("name") == Some("the load test ran"),
        "{xml}"
    );
    assert!(xml.contains(reason), "{reason:?} not in {xml}");
    assert!(!xml.contains('\u{1b}'), "a terminal colour code in {xml}");
}

#[test]
fn a_gate_that_cannot_run_still_writes_junit_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let unreachable = format!("http://127.0.0.1:{}", free_port());
    let junit = dir.path().join("out/junit.xml");
    let j = junit.to_str().unwrap();
    let gate_fails = |gate: Line, reason: &str| {
        let out = gate.run_in(dir.path());
        assert_exit(&out, 1);
        assert_run_failure_junit(&junit, reason);
    };
    let to_unreachable = |words: &str| {
        let gate = line("gate").flag("--host", &unreachable).words(words);
        gate.flag("--junit", &junit)
    };
    // The target is not there.
    gate_fails(
        to_unreachable("--threshold p95<1s"),
        "cannot reach the target",
    );
    // A malformed threshold (found before any load), the JUnit path given as --junit=PATH.
    let malformed = line("gate --threshold p95<300")
        .flag("--host", &unreachable)
        .arg(format!("--junit={j}"));
    gate_fails(malformed, "malformed threshold &quot;p95&lt;300&quot;");
    // A flag clap refuses.
    gate_fails(to_unreachable("--userz 3 --threshold p95<1s"), "--userz");
    // An unreadable result to judge.
    let unreadable = line("gate --threshold p95<1s")
        .flag("--from", dir.path().join("missing.json"))
        .flag("--junit", &junit);
    gate_fails(unreadable, "cannot read");
}
