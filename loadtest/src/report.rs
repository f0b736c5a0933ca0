//! Reports: Markdown and HTML (with inline SVG charts of throughput, latency percentiles and
//! connections over time), JUnit XML with one case per threshold, and `result.json`.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use crate::baseline::BaselineFile;
use crate::result::{RunResult, Stats};
use crate::threshold::Verdict;

/// Writes `report.md`, `report.html` and `result.json` into `dir` (created if missing).
pub fn write_all(
    dir: &Path,
    run: &RunResult,
    verdicts: &[Verdict],
    baseline: Option<&BaselineFile>,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let write = |name: &str, text: String| {
        let p = dir.join(name);
        std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))
    };
    write("result.json", serde_json::to_string_pretty(run)?)?;
    write("report.md", markdown(run, verdicts, baseline))?;
    write("report.html", html(run, verdicts, baseline))?;
    Ok(())
}

fn pct(x: f64) -> String {
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

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        // Control characters (a terminal colour code in an error message) are not XML.
        .replace(
            |c: char| c.is_control() && !matches!(c, '\n' | '\t' | '\r'),
            "",
        )
}

/// A line chart as inline SVG: one polyline per series of (x, y).
/// A named, coloured line of (x, y) points.
pub type Line<'a> = (&'a str, &'a str, Vec<(f64, f64)>);

pub fn svg_chart(title: &str, y_unit: &str, series: &[Line<'_>]) -> String {
    let (w, h, pad) = (640.0, 220.0, 44.0);
    let pts: Vec<&(f64, f64)> = series.iter().flat_map(|s| s.2.iter()).collect();
    let xmax = pts.iter().map(|p| p.0).fold(1.0, f64::max);
    let ymax = pts.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-9) * 1.1;
    let mut o = format!(
        r##"<figure><figcaption>{}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{}"><rect width="{w}" height="{h}" fill="#fff"/>"##,
        esc(title),
        esc(title)
    );
    for i in 0..=4 {
        let y = pad / 2.0 + (h - pad) * i as f64 / 4.0;
        let v = ymax * (4 - i) as f64 / 4.0;
        let _ = write!(
            o,
            r##"<line x1="{pad}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" font-size="10" text-anchor="end">{v:.1}</text>"##,
            w - 10.0,
            pad - 4.0,
            y + 3.0
        );
    }
    let _ = write!(
        o,
        r#"<text x="{pad}" y="{}" font-size="10">0 s</text><text x="{}" y="{}" font-size="10" text-anchor="end">{xmax:.0} s</text><text x="4" y="12" font-size="10">{}</text>"#,
        h - 4.0,
        w - 10.0,
        h - 4.0,
        esc(y_unit)
    );
    for (i, (name, color, data)) in series.iter().enumerate() {
        let line: Vec<String> = data
            .iter()
            .map(|(x, y)| {
                format!(
                    "{:.1},{:.1}",
                    pad + (w - pad - 10.0) * x / xmax,
                    pad / 2.0 + (h - pad) * (1.0 - y / ymax)
                )
            })
            .collect();
        let _ = write!(
            o,
            r#"<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{}"/><text x="{}" y="12" font-size="11" fill="{color}">{}</text>"#,
            line.join(" "),
            pad + 10.0 + 190.0 * i as f64,
            esc(name)
        );
    }
    o.push_str("</svg></figure>");
    o
}

/// The HTML report: the Markdown's tables plus charts.
pub fn html(run: &RunResult, verdicts: &[Verdict], baseline: Option<&BaselineFile>) -> String {
    let tl = &run.timeline;
    let xy = |f: &dyn Fn(&crate::recorder::Second) -> f64| -> Vec<(f64, f64)> {
        tl.iter().map(|s| (s.t as f64, f(s))).collect()
    };
    let mut charts = String::new();
    charts.push_str(&svg_chart(
        "Throughput (requests per second) and errors",
        "req/s",
        &[
            ("requests/s", "#1f77b4", xy(&|s| s.requests as f64)),
            ("errors/s", "#d62728", xy(&|s| s.errors as f64)),
        ],
    ));
    charts.push_str(&svg_chart(
        "Latency percentiles per second (ms, uncorrected)",
        "ms",
        &[
            ("p50", "#2ca02c", xy(&|s| s.p50_ms)),
            ("p95", "#ff7f0e", xy(&|s| s.p95_ms)),
            ("p99", "#d62728", xy(&|s| s.p99_ms)),
        ],
    ));
    let mut conn = vec![
        (
            "users (client connections)",
            "#9467bd",
            xy(&|s| s.users as f64),
        ),
        (
            "requests in flight (max)",
            "#8c564b",
            xy(&|s| s.in_flight_max as f64),
        ),
    ];
    if let Some(server) = &run.server {
        conn.push((
            "server open connections",
            "#17becf",
            server.open_connections.clone(),
        ));
    }
    charts.push_str(&svg_chart("Connections", "count", &conn));
    if !run.steps.is_empty() {
        let steps: Vec<(f64, f64)> = run
            .steps
            .iter()
            .map(|s| (s.users as f64, s.stats.requests_per_second))
            .collect();
        let p95: Vec<(f64, f64)> = run
            .steps
            .iter()
            .map(|s| (s.users as f64, s.stats.latency_ms.p95))
            .collect();
        charts.push_str(&svg_chart(
            "Ramp: req/s by users (x = users)",
            "req/s",
            &[("req/s", "#1f77b4", steps)],
        ));
        charts.push_str(&svg_chart(
            "Ramp: p95 by users (x = users)",
            "ms",
            &[("p95", "#ff7f0e", p95)],
        ));
    }
    let md = markdown(run, verdicts, baseline);
    let mut body = String::new();
    let mut in_table = false;
    for line in md.lines() {
        if line.starts_with('|') {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            if line.contains("---") {
                continue;
            }
            if !in_table {
                body.push_str("<table>");
                in_table = true;
            }
            body.push_str("<tr>");
            for c in cells {
                let _ = write!(
                    body,
                    "<td>{}</td>",
                    esc(c.trim()).replace('`', "").replace("**", "")
                );
            }
            body.push_str("</tr>");
            continue;
        }
        if in_table {
            body.push_str("</table>");
            in_table = false;
        }
        if let Some(h) = line.strip_prefix("# ") {
            let _ = write!(body, "<h1>{}</h1>", esc(h));
        } else if let Some(h) = line.strip_prefix("## ") {
            if h == "Summary" {
                body.push_str(&charts);
            }
            let _ = write!(body, "<h2>{}</h2>", esc(h));
        } else if let Some(li) = line.strip_prefix("- ") {
            let _ = write!(body, "<p>{}</p>", esc(li));
        }
    }
    if in_table {
        body.push_str("</table>");
    }
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Load test of {}</title><style>body{{font-family:sans-serif;max-width:1100px;margin:1em auto}}table{{border-collapse:collapse;margin:.5em 0}}td{{border:1px solid #ccc;padding:2px 6px;font-size:13px}}tr:first-child td{{font-weight:bold;background:#f4f4f4}}figure{{display:inline-block;margin:4px}}</style></head><body>{body}</body></html>\n",
        esc(&run.target)
    )
}

/// JUnit XML: one test case per threshold, for CircleCI's test results.
pub fn junit(run: &RunResult, verdicts: &[Verdict]) -> String {
    let failures = verdicts.iter().filter(|v| !v.passed).count();
    let mut o = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"notejam-loadtest\" tests=\"{}\" failures=\"{failures}\">\n  <testsuite name=\"loadtest thresholds: {}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{:.3}\" timestamp=\"{}\">\n",
        verdicts.len(),
        esc(&run.target),
        verdicts.len(),
        run.duration_seconds,
        esc(&run.started_at)
    );
    for v in verdicts {
        let _ = write!(
            o,
            "    <testcase classname=\"loadtest.thresholds\" name=\"{}\" time=\"{:.3}\">",
            esc(&v.threshold),
            run.duration_seconds
        );
        if v.passed {
            let _ = writeln!(o, "<system-out>{}</system-out></testcase>", esc(&v.detail));
        } else {
            let _ = writeln!(
                o,
                "<failure message=\"{}\" type=\"threshold\">{}</failure></testcase>",
                esc(&v.detail),
                esc(&format!(
                    "{}: {} over {} requests ({} errors)",
                    v.threshold, v.detail, run.total.requests, run.total.errors
                ))
            );
        }
    }
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
}

/// JUnit XML for a gate that could not run (exit 1): one failing test case with the reason.
pub fn junit_error(target: &str, reason: &str) -> String {
    let first = reason.lines().next().unwrap_or(reason);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"notejam-loadtest\" tests=\"1\" failures=\"1\">\n  <testsuite name=\"loadtest thresholds: {}\" tests=\"1\" failures=\"1\" errors=\"0\" time=\"0.000\" timestamp=\"{}\">\n    <testcase classname=\"loadtest.run\" name=\"the load test ran\" time=\"0.000\"><failure message=\"{}\" type=\"could-not-run\">{}</failure></testcase>\n  </testsuite>\n</testsuites>\n",
        esc(target),
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        esc(first),
        esc(&format!(
            "notejam-loadtest gate could not run the test (exit 1), so no threshold was judged: {reason}"
        ))
    )
}

/// Prints the short summary on stderr.
pub fn print_summary(run: &RunResult, verdicts: &[Verdict]) {
    let t = &run.total;
    eprintln!(
        "{} requests in {:.1} s ({:.1} req/s), {} errors ({}), p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        t.requests,
        run.duration_seconds,
        t.requests_per_second,
        t.errors,
        pct(t.error_rate),
        t.latency_ms.p50,
        t.latency_ms.p95,
        t.latency_ms.p99,
        t.latency_ms.max
    );
    for (k, n) in run.failures.iter().take(10) {
        eprintln!("  failure x{n}: {k}");
    }
    for v in verdicts {
        eprintln!("  threshold {}: {}", v.threshold, v.detail);
    }
}

/// Writes `text` to `path`, creating its folder.
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
