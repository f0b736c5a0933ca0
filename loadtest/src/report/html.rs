//! The HTML report: the Markdown report's tables, with the charts above the summary.

use std::fmt::Write as _;

use super::charts::svg_chart;
use super::escape::esc;
use super::markdown::markdown;
use crate::baseline::BaselineFile;
use crate::result::RunResult;
use crate::threshold::Verdict;

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
