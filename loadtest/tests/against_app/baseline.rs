//! `baseline` and `merge`: the file against its schema, shards merged exactly, sharded ramps.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::*;

/// Each shard ended with 0; its stdout, as the Kubernetes Job's log holds it (the result is the
/// last line), written to `shard-I.log` in `dir`.
fn shard_logs(outs: &[Output], dir: &Path) -> Vec<PathBuf> {
    let logs = outs.iter().enumerate().map(|(i, out)| {
        assert_exit(out, 0);
        let log = dir.join(format!("shard-{i}.log"));
        std::fs::write(&log, &out.stdout).unwrap();
        log
    });
    logs.collect()
}

#[test]
fn baseline_writes_a_file_that_matches_the_schema() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    let ramp = "--steps 1,2,4 --step-duration 3s --warmup 1s --slo-p95 30s --quiet";
    let b = app.baseline(ramp, dir.path());
    let file = dir.path().join("baseline.json");
    assert_eq!(b["connections_source"], "client");
    assert_eq!(b["steps"].as_array().unwrap().len(), 3);
    assert_eq!(b["steps"][2]["users"], 4);
    assert!(b["steps"][0]["requests"].as_u64().unwrap() > 0);
    assert!(b["capacity_rps_per_pod"].as_f64().unwrap() > 0.0);
    let md = std::fs::read_to_string(dir.path().join("r/report.md")).unwrap();
    assert!(
        md.contains("## Ramp steps") && md.contains("(normal)"),
        "{md}"
    );

    // The gate reads it for relative thresholds.
    let gate = app
        .command("gate")
        .words("--users 2 --run-time 2s --quiet")
        .flag("--baseline", &file)
        .words("--threshold p95<baseline*1000 --threshold rps>baseline*0.000001")
        .flag("--report-dir", dir.path().join("g"))
        .run_in(dir.path());
    assert_exit(&gate, 0);
}

#[test]
fn shards_merge_exactly_and_the_gate_judges_the_merged_run() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    let lines = (0..2).map(|i| {
        app.command("run")
            .words("--users 4 --run-time 3s --quiet --shard-count 2")
            .flag("--shard-index", i.to_string())
            .flag("--report-dir", dir.path().join(format!("shard-{i}")))
    });
    let outs = Line::run_together(lines.collect(), dir.path());
    let logs = shard_logs(&outs, dir.path());
    let merged = dir.path().join("merged.json");
    let out = line("merge")
        .arg(&logs[0])
        .arg(&logs[1])
        .flag("--output", &merged)
        .flag("--report-dir", dir.path().join("m"))
        .run_in(dir.path());
    assert_exit(&out, 0);
    let m = read_json(&merged);
    let r0 = read_json(&dir.path().join("shard-0/result.json"));
    let r1 = read_json(&dir.path().join("shard-1/result.json"));
    assert_eq!(r0["method"]["users"], 2);
    assert_eq!(
        m["total"]["requests"].as_u64().unwrap(),
        r0["total"]["requests"].as_u64().unwrap() + r1["total"]["requests"].as_u64().unwrap()
    );
    assert_eq!(m["shards"].as_array().unwrap().len(), 2);
    let max = |r: &serde_json::Value| r["total"]["latency_ms"]["max"].as_f64().unwrap();
    assert_eq!(max(&m), max(&r0).max(max(&r1)));
    assert!(dir.path().join("m/report.html").is_file());

    let gate = line("gate --threshold errors<1% --threshold requests>1")
        .flag("--from", &merged)
        .flag("--report-dir", dir.path().join("g"))
        .run_in(dir.path());
    assert_exit(&gate, 0);
}

/// A histogram of a result (base64 of HDR V2 + deflate), in the recorder's bounds.
fn histogram(encoded: &serde_json::Value) -> hdrhistogram::Histogram<u64> {
    use base64::Engine;
    use hdrhistogram::serialization::Deserializer;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.as_str().unwrap())
        .unwrap();
    let h: hdrhistogram::Histogram<u64> = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .unwrap();
    let mut out = hdrhistogram::Histogram::new_with_bounds(1, 120_000_000, 3).unwrap();
    out.add(&h).unwrap();
    out
}

#[test]
fn sharded_baseline_ramps_merge_into_one_baseline_file() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    // Both shards start their ramps at the same wall-clock time, as in the Indexed Job.
    let start_at = {
        let t = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        chrono::DateTime::from_timestamp(secs, 0)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let lines = (0..2).map(|i| {
        app.command("baseline")
            .words("--steps 2,4 --step-duration 3s --warmup 1s --slo-p95 30s --replicas 2")
            .words("--environment development --shard-count 2 --quiet")
            .flag("--shard-index", i.to_string())
            .flag("--start-at", &start_at)
            .flag("--report-dir", dir.path().join(format!("shard-{i}")))
    });
    let outs = Line::run_together(lines.collect(), dir.path());
    let logs = shard_logs(&outs, dir.path());
    // A shard's share says nothing about the knee: only the merge writes a baseline.
    assert!(
        !dir.path().join("baseline.json").exists(),
        "a shard wrote a baseline file"
    );
    let shards: Vec<serde_json::Value> = (0..2)
        .map(|i| read_json(&dir.path().join(format!("shard-{i}/result.json"))))
        .collect();

    // One shard alone is not the ramp.
    let partial = line("merge")
        .arg(&logs[0])
        .flag("--baseline-output", dir.path().join("partial.json"))
        .run_in(dir.path());
    assert_exit_saying(&partial, 1, "shard(s) [1] of 2 missing");

    let file = dir.path().join("baseline.json");
    let out = line("merge")
        .arg(&logs[0])
        .arg(&logs[1])
        .flag("--output", dir.path().join("merged.json"))
        .flag("--baseline-output", &file)
        .flag("--report-dir", dir.path().join("m"))
        .run_in(dir.path());
    let b = baseline_written(&out, &file);
    assert_eq!(b["connections_source"], "client");
    assert_eq!(b["target"]["replicas"], 2);
    assert_eq!(b["target"]["environment"], "development");
    assert_eq!(b["method"]["step_duration_seconds"], 3.0);
    assert_eq!(b["method"]["warmup_seconds"], 1.0);
    let steps = b["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    for (i, step) in steps.iter().enumerate() {
        let parts: Vec<&serde_json::Value> = shards.iter().map(|r| &r["steps"][i]).collect();
        let sum_u = |f: &dyn Fn(&serde_json::Value) -> u64| parts.iter().map(|p| f(p)).sum::<u64>();
        let sum_f = |f: &dyn Fn(&serde_json::Value) -> f64| parts.iter().map(|p| f(p)).sum::<f64>();
        // Users, requests, requests/s and (client-side) connections add up.
        assert_eq!(step["users"].as_u64().unwrap(), [2, 4][i]);
        assert_eq!(
            step["users"].as_u64().unwrap(),
            sum_u(&|p| p["users"].as_u64().unwrap())
        );
        let requests = sum_u(&|p| p["stats"]["requests"].as_u64().unwrap());
        assert!(requests > 0, "step {i} measured nothing");
        assert_eq!(step["requests"].as_u64().unwrap(), requests);
        let rps = sum_f(&|p| p["stats"]["requests_per_second"].as_f64().unwrap());
        assert!((step["requests_per_second"].as_f64().unwrap() - rps).abs() < 1e-9);
        let conns = sum_f(&|p| p["open_connections"].as_f64().unwrap());
        assert_eq!(step["open_connections"].as_f64().unwrap(), conns);
        let errors = sum_u(&|p| p["stats"]["errors"].as_u64().unwrap());
        assert_eq!(
            step["error_rate"].as_f64().unwrap(),
            errors as f64 / requests as f64
        );
        // Percentiles come from the shards' histograms added together: exact, not averaged.
        let mut merged = histogram(&parts[0]["stats"]["histogram"]);
        merged
            .add(histogram(&parts[1]["stats"]["histogram"]))
            .unwrap();
        for (name, q) in [("p50", 0.50), ("p95", 0.95), ("p99", 0.99)] {
            assert_eq!(
                step["latency_ms"][name].as_f64().unwrap(),
                merged.value_at_quantile(q) as f64 / 1000.0,
                "step {i} {name}"
            );
        }
        let within = step["latency_ms"]["p95"].as_f64().unwrap() <= 30_000.0
            && step["error_rate"].as_f64().unwrap() <= 0.01;
        assert_eq!(step["within_slo"], within, "step {i}");
    }
    // The knee rule ran on the merged steps, and the per-pod figures divide by --replicas 2.
    let normal = b["normal_step"].as_u64().unwrap() as usize;
    let capacity = match b["knee_step"].as_u64() {
        Some(k) => k as usize - 1,
        None => 1,
    };
    assert_eq!(
        b["normal_connections_per_pod"].as_f64().unwrap(),
        steps[normal]["open_connections"].as_f64().unwrap() / 2.0
    );
    assert_eq!(
        b["capacity_connections_per_pod"].as_f64().unwrap(),
        steps[capacity]["open_connections"].as_f64().unwrap() / 2.0
    );
    assert_eq!(
        b["capacity_rps_per_pod"].as_f64().unwrap(),
        steps[capacity]["requests_per_second"].as_f64().unwrap() / 2.0
    );
    let md = std::fs::read_to_string(dir.path().join("m/report.md")).unwrap();
    assert!(md.contains("(normal)"), "{md}");
    // The merged baseline is what `baseline` would have read: the gate takes it.
    let gate = line("gate --threshold rps>=baseline*0.000001")
        .flag("--from", dir.path().join("merged.json"))
        .flag("--baseline", &file)
        .flag("--report-dir", dir.path().join("g"))
        .run_in(dir.path());
    assert_exit(&gate, 0);
}
