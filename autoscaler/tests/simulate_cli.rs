//! `notejam-autoscaler simulate` over the shipped example traces, through the real binary.

mod support;

use std::path::Path;
use std::process::Command;

use support::stdout_of;

fn simulate(trace: &str, extra: &[&str]) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_notejam-autoscaler"))
        .arg("simulate")
        .arg("--policy")
        .arg(dir.join("examples/policy.yaml"))
        .arg("--trace")
        .arg(dir.join("examples/traces").join(trace))
        .arg("--baseline")
        .arg(dir.join("tests/fixtures/baseline.json"))
        .args(extra)
        .output()
        .unwrap();
    stdout_of(&out)
}

fn replay(trace: &str) -> serde_json::Value {
    serde_json::from_str(&simulate(trace, &["--output", "json"])).unwrap()
}

fn replicas(v: &serde_json::Value, who: &str) -> Vec<u64> {
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[who]["desired"].as_u64().unwrap())
        .collect()
}

#[test]
fn every_example_trace_replays() {
    for t in notejam_autoscaler::corpus::EXAMPLE_TRACES {
        let table = simulate(t, &[]);
        assert!(
            table.contains("summary ours:") && table.contains("summary plain_hpa:"),
            "{t}: {table}"
        );
        assert!(table.lines().count() > 3, "{t}: prints each decision");
    }
}

#[test]
fn an_outage_holds_while_keda_reading_zero_scales_in_and_the_plain_hpa_holds() {
    let v = replay("metrics-outage.csv");
    let steps = v["steps"].as_array().unwrap();
    let ours = replicas(&v, "ours");
    let hpa = replicas(&v, "hpa");
    let keda = replicas(&v, "keda");
    let outage: Vec<usize> = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s["metrics"]["open_connections"].is_null())
        .map(|(i, _)| i)
        .collect();
    assert!(!outage.is_empty());
    let before = ours[outage[0] - 1];
    assert!(
        outage.iter().all(|&i| ours[i] >= before),
        "ours never scales down in the outage"
    );
    assert!(
        outage
            .iter()
            .any(|&i| steps[i]["ours"]["reason"] == "MetricsMissing")
    );
    assert!(
        outage.iter().any(|&i| keda[i] < before),
        "KEDA reading missing as 0 scales in"
    );
    let hpa_before = hpa[outage[0] - 1];
    assert!(
        outage.iter().all(|&i| hpa[i] >= hpa_before),
        "the plain HPA skips a scale-down it cannot justify"
    );
}

#[test]
fn flapping_load_scales_less_often_than_plain_hpa() {
    let v = replay("noisy-flapping.csv");
    let ours = v["ours"]["scale_events"].as_u64().unwrap();
    let hpa = v["hpa"]["scale_events"].as_u64().unwrap();
    assert!(ours * 3 < hpa, "ours {ours} vs plain HPA {hpa}");
}

#[test]
fn a_4x_spike_is_followed_up_and_back_down_within_bounds() {
    let v = replay("spike-4x.csv");
    let ours = replicas(&v, "ours");
    let peak = *ours.iter().max().unwrap();
    assert!(peak >= 10, "peak {peak}");
    assert!(peak <= 19, "never above the database budget (19)");
    assert!(
        *ours.last().unwrap() < peak,
        "scaled back down after the spike"
    );
}

#[test]
fn invalid_policies_are_refused_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.yaml");
    std::fs::write(
        &p,
        "targetRef: {name: x}\nminReplicas: 5\nmaxReplicas: 2\nmetrics: []\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_notejam-autoscaler"))
        .arg("validate")
        .arg("--policy")
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("minReplicas (5) is above maxReplicas (2)")
            && err.contains("metrics is empty"),
        "{err}"
    );
}
