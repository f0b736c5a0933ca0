//! `simulate --from-prometheus` against a real Prometheus holding recorded history: the history
//! is backfilled with `promtool tsdb create-blocks-from openmetrics`, so the test knows every
//! sample exactly and can replay the same numbers from a trace file beside it.

mod support;

use std::fmt::Write as _;
use std::process::Command;

use serde_json::Value;
use support::{json_stdout, start_prometheus_with_history};

const BIN: &str = env!("CARGO_BIN_EXE_notejam-autoscaler");

const POLICY: &str = r#"
targetRef: {name: notejam}
minReplicas: 2
maxReplicas: 10
intervalSeconds: 15
metrics:
  - name: conns
    prometheus: {query: "sum(notejam_http_open_connections)"}
    target: {type: AverageValue, value: 50}
  - name: rds-cpu
    role: Guard
    cloudwatch:
      namespace: AWS/RDS
      metricName: CPUUtilization
      dimensions: [{name: DBInstanceIdentifier, value: notejam-prod}]
      statistic: Average
    target: {type: Value, value: 70}
behavior:
  scaleDown: {stabilizationWindowSeconds: 60}
"#;

/// 40 minutes every 15 s: 100 connections, a spike to 400 for 20 minutes, then 100 again; four
/// ready pods throughout; and a 2-minute hole in the connections in the middle of the spike.
fn connections(i: i64) -> Option<f64> {
    match i {
        0..40 => Some(100.0 + (i % 3) as f64),
        70..78 => None,
        40..120 => Some(400.0 + (i % 5) as f64),
        _ => Some(100.0),
    }
}

#[tokio::test]
async fn replays_recorded_history_as_a_trace_file_would_and_says_what_is_missing() {
    // Three hours ago, on a 15-second boundary: inside retention, outside the head block.
    let start = (chrono::Utc::now().timestamp() - 3 * 3600) / 15 * 15;
    let n = 161;
    // OpenMetrics keeps each family's samples together.
    let mut om = String::from("# TYPE notejam_http_open_connections gauge\n");
    let mut pods = String::from("# TYPE ready_pods gauge\n");
    let mut csv = String::from("time,replicas,conns,rds-cpu\n");
    for i in 0..n {
        let t = start + i * 15;
        if let Some(c) = connections(i) {
            writeln!(om, "notejam_http_open_connections{{pod=\"a\"}} {c} {t}").unwrap();
        }
        writeln!(pods, "ready_pods 4 {t}").unwrap();
        let c = connections(i).map_or(String::new(), |c| c.to_string());
        writeln!(csv, "{t},4,{c},").unwrap();
    }
    om.push_str(&pods);
    om.push_str("# EOF\n");
    let prom = start_prometheus_with_history(&om).await;
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, POLICY).unwrap();

    let live = Command::new(BIN)
        .args(["simulate", "--policy"])
        .arg(&policy)
        .args(["--from-prometheus", &prom.url])
        .args(["--start", &start.to_string()])
        .args(["--end", &(start + (n - 1) * 15).to_string()])
        .args([
            "--replicas-query",
            "sum(ready_pods)",
            "--cloudwatch",
            "false",
        ])
        .args(["--output", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&live.stderr);
    assert!(live.status.success(), "{err}");
    assert!(
        err.contains(
            "metric rds-cpu comes from CloudWatch, which is not configured: replayed as missing"
        ),
        "{err}"
    );
    let live: Value = serde_json::from_slice(&live.stdout).unwrap();
    let steps = live["steps"].as_array().unwrap();
    assert_eq!(
        steps.len(),
        n as usize,
        "one step per 15 s, both ends included"
    );

    // Every sample is the recorded one; the 2-minute hole is missing, not 0. Prometheus' 5-minute
    // look-back fills a hole shorter than it with the last value, as the controller would see it.
    for (i, s) in steps.iter().enumerate() {
        assert_eq!(s["time"], start + i as i64 * 15);
        let want = connections(i as i64).or_else(|| connections(69));
        assert_eq!(s["metrics"]["conns"].as_f64(), want, "step {i}");
        assert!(s["metrics"]["rds-cpu"].is_null());
    }
    let peak = steps
        .iter()
        .map(|s| s["ours"]["desired"].as_u64().unwrap())
        .max()
        .unwrap();
    // 400 over 4 pods is twice the target: 8; at 8 pods 400..404 is within tolerance.
    assert_eq!(peak, 8);
    assert_eq!(
        steps[0]["ours"]["current"], 4,
        "starts at the recorded replicas"
    );

    // The same numbers from a trace file give the same replay, decision for decision.
    let trace = dir.path().join("history.csv");
    let mut filled = String::new();
    for (i, line) in csv.lines().enumerate() {
        // The trace of what Prometheus answers: the hole filled by its look-back.
        if (71..79).contains(&i) {
            let t = start + (i as i64 - 1) * 15;
            writeln!(filled, "{t},4,{},", connections(69).unwrap()).unwrap();
        } else {
            writeln!(filled, "{line}").unwrap();
        }
    }
    std::fs::write(&trace, filled).unwrap();
    let file = Command::new(BIN)
        .args(["simulate", "--policy"])
        .arg(&policy)
        .arg("--trace")
        .arg(&trace)
        .args(["--output", "json"])
        .output()
        .unwrap();
    let file = json_stdout(&file);
    assert_eq!(file["ours"], live["ours"]);
    assert_eq!(file["hpa"], live["hpa"]);
    for (a, b) in file["steps"].as_array().unwrap().iter().zip(steps) {
        assert_eq!(a["ours"], b["ours"]);
        assert_eq!(a["hpa"], b["hpa"]);
    }
}

#[tokio::test]
async fn a_range_without_data_or_the_wrong_way_round_is_refused_clearly() {
    let prom = start_prometheus_with_history("# TYPE x gauge\nx 1 1700000000\n# EOF\n").await;
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, POLICY).unwrap();
    let run = |extra: &[&str]| {
        Command::new(BIN)
            .args(["simulate", "--policy"])
            .arg(&policy)
            .args(["--from-prometheus", &prom.url, "--cloudwatch", "false"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--start", "now", "--end", "now-1h"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is before --start"));
    let out = run(&["--start", "yesterday", "--end", "now"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--start"));
    // --start without --from-prometheus, or neither input: clap says what is needed.
    let out = Command::new(BIN)
        .args(["simulate", "--policy"])
        .arg(&policy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // No data in the range: every sample missing, held, never read as 0.
    let v = json_stdout(&run(&[
        "--start", "now-10m", "--end", "now", "--output", "json",
    ]));
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 41);
    assert!(
        steps
            .iter()
            .all(|s| s["ours"]["desired"] == 2 && s["ours"]["holding"] == true)
    );
}
