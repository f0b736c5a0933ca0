//! `notejam-autoscaler evaluate` as a process against a real Prometheus (Debian `prometheus`)
//! scraping an exporter the test controls: one-shot, `--watch` with `--count`,
//! `--replicas-query`, its JSON against `simulate`'s step, and Prometheus going away.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use notejam_autoscaler::step::Step;
use serde_json::Value;
use support::{Exporter, free_port, json_stdout, start_prometheus};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

const BIN: &str = env!("CARGO_BIN_EXE_notejam-autoscaler");

/// 50 open connections per pod, 2..10 replicas, a 300 s scale-down window.
const POLICY: &str = r#"
apiVersion: autoscaling.notejam.io/v1alpha1
kind: ScalingPolicy
metadata: {name: notejam, namespace: notejam}
spec:
  targetRef: {name: notejam}
  mode: scale
  minReplicas: 2
  maxReplicas: 10
  intervalSeconds: 1
  metrics:
    - name: conns
      prometheus: {query: "sum(notejam_http_open_connections)"}
      target: {type: AverageValue, value: 50}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 300}
"#;

fn write_policy(dir: &Path) -> PathBuf {
    let p = dir.join("policy.yaml");
    std::fs::write(&p, POLICY).unwrap();
    p
}

/// `--policy P --prometheus-url U --cloudwatch false`, then `extra`.
fn flags<'a>(policy: &'a str, prometheus: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--policy",
        policy,
        "--prometheus-url",
        prometheus,
        "--cloudwatch",
        "false",
    ];
    args.extend_from_slice(extra);
    args
}

/// A real Prometheus scraping an exporter the test controls, and the policy file.
struct Live {
    exporter: Exporter,
    prom: Option<support::Service>,
    url: String,
    _dir: tempfile::TempDir,
    policy: String,
}

impl Live {
    async fn start(metrics: &str) -> Self {
        let exporter = Exporter::start(metrics).await;
        let prom = start_prometheus(&exporter.addr).await;
        let dir = tempfile::tempdir().unwrap();
        let policy = write_policy(dir.path()).to_str().unwrap().to_string();
        Self {
            exporter,
            url: prom.url.clone(),
            prom: Some(prom),
            _dir: dir,
            policy,
        }
    }

    /// `--policy P --prometheus-url U --cloudwatch false`, then `extra`.
    fn args<'a>(&'a self, extra: &[&'a str]) -> Vec<&'a str> {
        flags(&self.policy, &self.url, extra)
    }

    fn stop_prometheus(&mut self) {
        self.prom = None;
    }
}

/// Run `evaluate` to its end. Async: the exporter answers scrapes on this test's runtime.
async fn evaluate(args: &[&str]) -> Output {
    tokio::process::Command::new(BIN)
        .arg("evaluate")
        .args(args)
        .output()
        .await
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "evaluate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "one JSON object: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Run one-shot until Prometheus has scraped (the first scrape lands seconds after start).
async fn evaluate_until_known(args: &[&str]) -> Value {
    let start = Instant::now();
    loop {
        let v = json_of(&evaluate(args).await);
        if v["status"][0]["state"] == "ok" {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no value after 30 s: {v}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The structure of a JSON value: the same keys and kinds, whatever the numbers and strings.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(shape).collect()),
        Value::Number(_) => "number".into(),
        Value::String(_) => "string".into(),
        Value::Bool(_) => "bool".into(),
        Value::Null => "null".into(),
    }
}

#[tokio::test]
async fn one_shot_json_is_the_step_simulate_prints_for_the_same_data() {
    let world = Live::start("notejam_http_open_connections 400\n").await;
    let policy = world.policy.as_str();
    let live = evaluate_until_known(&world.args(&["--replicas", "4", "--output", "json"])).await;
    // 400 connections at 50 per pod: 4 -> 8.
    let step: Step = serde_json::from_value(live.clone()).expect("the shared Step type");
    assert_eq!((step.ours.current, step.ours.desired), (4, 8));
    assert_eq!(step.metrics["conns"], Some(400.0));
    assert_eq!(step.status[0].threshold_source.as_deref(), Some("fixed"));
    let now = chrono::Utc::now().timestamp();
    assert!((now - step.time).abs() < 60, "Unix seconds: {}", step.time);

    // simulate, on a trace holding the same sample, prints the same object (but the time).
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    std::fs::write(&trace, "time,conns\n0,400\n").unwrap();
    let out = Command::new(BIN)
        .args(["simulate", "--policy", policy, "--trace"])
        .arg(&trace)
        .args(["--initial-replicas", "4", "--output", "json"])
        .output()
        .unwrap();
    let replay = json_stdout(&out);
    let mut simulated = replay["steps"][0].clone();
    assert_eq!(shape(&simulated), shape(&live));
    simulated["time"] = live["time"].clone();
    assert_eq!(simulated, live);

    // The table names the decision and every metric's state, target and source.
    let out = evaluate(&world.args(&["--replicas", "4"])).await;
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{table}");
    assert!(
        table.contains("4->8") && table.contains("ScaleUp"),
        "{table}"
    );
    assert!(
        table.contains("conns") && table.contains("(fixed)"),
        "{table}"
    );
}

/// `evaluate --watch` as a child whose JSON lines the test reads as they come.
struct Watch {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Watch {
    fn start(args: &[&str]) -> Self {
        let mut child = tokio::process::Command::new(BIN)
            .arg("evaluate")
            .args(["--watch", "--output", "json", "--interval-seconds", "1"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self { child, lines }
    }

    /// The next cycle's object; panics if none comes within 20 s.
    async fn next(&mut self) -> Step {
        let line = tokio::time::timeout(Duration::from_secs(20), self.lines.next_line())
            .await
            .expect("a cycle within 20 s")
            .unwrap()
            .expect("evaluate --watch ended early");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    /// Skip cycles until one satisfies `want`.
    async fn until(&mut self, what: &str, want: impl Fn(&Step) -> bool) -> Step {
        for _ in 0..40 {
            let s = self.next().await;
            if want(&s) {
                return s;
            }
        }
        panic!("no cycle with {what} in 40 cycles");
    }

    /// SIGTERM, then the exit status and what it wrote to stderr.
    async fn stop(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().unwrap().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("stopped within 10 s of SIGTERM")
            .unwrap();
        let mut err = String::new();
        use tokio::io::AsyncReadExt;
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .await
            .unwrap();
        (status, err)
    }
}

#[tokio::test]
async fn watch_carries_the_stabilisation_history_across_cycles_and_ends_on_sigterm() {
    let world = Live::start("notejam_http_open_connections 300\n").await;
    let mut watch = Watch::start(&world.args(&["--replicas", "4", "--count", "100"]));
    // Before the first scrape the metric is unknown: held at 4, never read as 0.
    let first = watch.next().await;
    assert!(first.ours.desired >= 4, "{first:?}");
    // 300 at 50 per pod: 6 (1.5x the target, below the panic threshold).
    let up = watch
        .until("300 connections", |s| s.metrics["conns"] == Some(300.0))
        .await;
    assert_eq!((up.ours.current, up.ours.desired), (4, 6));
    // The next cycle assumes its own decision was applied.
    let next = watch.next().await;
    assert_eq!(next.ours.current, 6);

    // The load falls to 100 (2 pods' worth): the 300 s down window remembers asking for 6.
    world.exporter.set("notejam_http_open_connections 100\n");
    let down = watch
        .until("100 connections", |s| s.metrics["conns"] == Some(100.0))
        .await;
    assert_eq!(down.ours.recommendation, 2);
    assert_eq!(down.ours.desired, 6, "{down:?}");
    assert_eq!(down.ours.reason.as_str(), "Stabilized");

    let (status, _) = watch.stop().await;
    assert!(status.success(), "SIGTERM ends --watch cleanly: {status}");
}

#[tokio::test]
async fn replicas_query_is_read_each_cycle_and_prometheus_stopping_holds_the_count() {
    let mut world = Live::start("notejam_http_open_connections 400\nready_pods 5\n").await;
    let args = ["--replicas-query", "sum(ready_pods)", "--count", "100"];
    let mut watch = Watch::start(&world.args(&args));
    // 400 over 5 ready pods is 80 per pod: ceil(1.6 x 5) = 8, for ours and the plain HPA.
    let s = watch
        .until("5 ready pods", |s| {
            s.metrics["conns"] == Some(400.0) && s.ours.current == 5
        })
        .await;
    assert_eq!((s.ours.desired, s.hpa.current, s.hpa.desired), (8, 5, 8));
    // The harness started three more: the query says 8, and 400 / 8 is on target.
    world
        .exporter
        .set("notejam_http_open_connections 400\nready_pods 8\n");
    let s = watch.until("8 ready pods", |s| s.ours.current == 8).await;
    assert_eq!(s.ours.desired, 8);
    assert_eq!(s.ours.reason.as_str(), "WithinTolerance");

    // Prometheus stops mid-run: the metric and the replica count are unknown; hold, not crash.
    world.stop_prometheus();
    let held = watch
        .until("an unreachable Prometheus", |s| {
            s.status[0].state == "error"
        })
        .await;
    assert!(held.ours.holding);
    assert_eq!((held.ours.current, held.ours.desired), (8, 8));
    assert_eq!(held.ours.reason.as_str(), "MetricsMissing");
    let again = watch.next().await;
    assert_eq!(again.ours.desired, 8);

    let (status, err) = watch.stop().await;
    assert!(status.success(), "{status}: {err}");
    assert!(
        err.contains("assuming the last observed 8 replicas"),
        "{err}"
    );
}

#[tokio::test]
async fn prometheus_down_holds_and_a_replica_count_nobody_knows_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(dir.path());
    let policy = policy.to_str().unwrap();
    let dead = format!("http://127.0.0.1:{}", free_port());
    let v = json_of(
        &evaluate(&flags(
            policy,
            &dead,
            &["--replicas", "4", "--output", "json"],
        ))
        .await,
    );
    assert_eq!(v["ours"]["desired"], 4);
    assert_eq!(v["ours"]["holding"], true);
    assert_eq!(v["ours"]["reason"], "MetricsMissing");
    assert_eq!(v["status"][0]["state"], "error");
    assert!(v["metrics"]["conns"].is_null(), "missing is null, never 0");

    // No --replicas to fall back on: the one-shot fails loudly, exit 1.
    let out = evaluate(&flags(
        policy,
        &dead,
        &["--replicas-query", "sum(ready_pods)"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no replica count"), "{err}");

    // A policy that does not validate is bad input: exit 2, every problem named.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "targetRef: {name: x}\nminReplicas: 5\nmaxReplicas: 2\nmetrics: []\n",
    )
    .unwrap();
    let out = evaluate(&["--policy", bad.to_str().unwrap(), "--replicas", "3"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("minReplicas (5) is above maxReplicas (2)")
    );
}
