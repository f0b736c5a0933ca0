//! How the generator stops when it is told to: the real binary against the real app.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{App, read_json};

/// Kubernetes stops a Job's pod (and podman a container) with SIGTERM: the run must end as on
/// ctrl-c, with its report written and exit 0, not be killed without one.
#[test]
fn sigterm_ends_the_run_with_its_report() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("r");
    let mut child = Command::new(env!("CARGO_BIN_EXE_notejam-loadtest"))
        .args([
            "run",
            "--host",
            &app.base,
            "--users",
            "2",
            "--run-time",
            "60s",
            "--quiet",
        ])
        .arg("--report-dir")
        .arg(&reports)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the loadtest binary runs");
    std::thread::sleep(Duration::from_secs(4));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("notejam-loadtest still ran 30 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "stopped by SIGTERM: {status:?}");
    let result = read_json(&reports.join("result.json"));
    let measured = result["duration_seconds"].as_f64().unwrap();
    assert!(
        measured < 30.0,
        "the run stopped early, not after 60 s: {measured} s"
    );
    assert!(
        result["total"]["requests"].as_u64().unwrap() > 0,
        "{result:#}"
    );
}
