//! The Markdown report: the run, its thresholds, every series, the ramp steps and failures.

use std::fmt::Write as _;

use crate::baseline::BaselineFile;
use crate::result::{RunResult, Stats};
use crate::threshold::Verdict;

/// A fraction as a percentage with two decimals.
pub fn pct(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

fn stats_row(name: &str, s: &Stats) -> String {
    let l = &s.latency_ms;
    format!(
        "| {name} | {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
        s.requests,
        pct(s.error_rate),
        s.requests_per_second,
        l.p50,
        l.p95,
        l.p99,
        l.p999,
        l.max,
        s.latency_uncorrected_ms.p99
    )
}

const HEADER: &str = "| series | requests | errors | req/s | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | p99 uncorrected ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

/// The Markdown report.
pub fn markdown(run: &RunResult, verdicts: &[Verdict], baseline: Option<&BaselineFile>) -> String {
    let mut o = String::new();
    let m = &run.method;
    let _ = writeln!(o, "# Load test of {}\n", run.target);
    let _ = writeln!(
        o,
        "- {} to {} · measured {:.1} s after {} s warm-up\n- {}: {} users{} · journeys {:?}\n- coordinated-omission correction: {}\n- shards: {}\n- sent {} requests in all (+{} redirects followed; {}); {} in the measured window\n",
        run.started_at,
        run.finished_at,
        run.duration_seconds,
        m.warmup_seconds,
        m.kind,
        m.users,
        m.rate
            .map(|r| format!(" at {r:.1} req/s"))
            .unwrap_or_default(),
        m.weights,
        m.coordinated_omission_correction,
        run.shards.len(),
        run.requests_sent,
        run.redirects_followed,
        match run.goose_counts {
            Some((n, failed)) => format!("goose counted {n}, {failed} failed"),
            None => "goose's own counts off: --goose-metrics".to_string(),
        },
        run.total.requests
    );
    if !verdicts.is_empty() {
        let failed = verdicts.iter().filter(|v| !v.passed).count();
        let _ = writeln!(
            o,
            "## Thresholds: {}\n\n| threshold | result |\n|---|---|",
            if failed == 0 {
                "all passed".to_string()
            } else {
                format!("{failed} of {} FAILED", verdicts.len())
            }
        );
        for v in verdicts {
            let _ = writeln!(o, "| `{}` | {} |", v.threshold, v.detail);
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Summary\n\n{HEADER}");
    let _ = writeln!(o, "{}", stats_row("**all**", &run.total));
    for (k, s) in &run.journeys {
        let _ = writeln!(o, "{}", stats_row(&format!("journey `{k}`"), s));
    }
    let _ = writeln!(o, "\n## Requests\n\n{HEADER}");
    for (k, s) in &run.requests {
        let _ = writeln!(o, "{}", stats_row(&format!("`{k}`"), s));
    }
    if !run.steps.is_empty() {
        let _ = writeln!(
            o,
            "\n## Ramp steps\n\n| step | users | req/s | p50 ms | p95 ms | p99 ms | errors | open connections | server p95 ms |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for (i, s) in run.steps.iter().enumerate() {
            let mark = baseline
                .map(|b| {
                    let mut m = String::new();
                    if b.normal_step == i {
                        m.push_str(" (normal)");
                    }
                    if b.knee_step == Some(i) {
                        m.push_str(" (knee)");
                    }
                    m
                })
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "| {i}{mark} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {} | {:.1} ({}) | {} |",
                s.users,
                s.stats.requests_per_second,
                s.stats.latency_ms.p50,
                s.stats.latency_ms.p95,
                s.stats.latency_ms.p99,
                pct(s.stats.error_rate),
                s.open_connections,
                s.open_connections_source,
                s.server_p95_ms
                    .map(|v| format!("{v:.1}"))
                    .unwrap_or("-".into())
            );
        }
    }
    if let Some(b) = baseline {
        let _ = writeln!(
            o,
            "\n## Baseline\n\n- normal step {}, knee step {}\n- normal connections per pod {:.2}, capacity connections per pod {:.2}, capacity req/s per pod {:.1} (connections: {})",
            b.normal_step,
            b.knee_step
                .map(|k| k.to_string())
                .unwrap_or("none (capacity is a lower bound)".into()),
            b.normal_connections_per_pod,
            b.capacity_connections_per_pod,
            b.capacity_rps_per_pod,
            b.connections_source
        );
    }
    if !run.failures.is_empty() {
        let _ = writeln!(
            o,
            "\n## Failures\n\n| request: reason | count |\n|---|---:|"
        );
        for (k, v) in &run.failures {
            let _ = writeln!(o, "| {} | {v} |", k.replace('|', "\\|"));
        }
    }
    o
}
