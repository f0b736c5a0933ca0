//! The HTML report: the Markdown report's tables, with the charts above the summary.

use std::fmt::Write as _;

use anyhow::Result;

use super::charts::charts;
use super::markdown::markdown;
use crate::baseline::BaselineFile;
use crate::result::RunResult;
use crate::threshold::Verdict;

/// Text made safe for HTML element text and double-quoted attributes (`html-escape`).
fn esc(s: &str) -> String {
    // Kept by hand: control characters (a terminal colour code in an error message) are not
    // allowed in HTML text, and escaping does not remove them.
    let printable = s.replace(
        |c: char| c.is_control() && !matches!(c, '\n' | '\t' | '\r'),
        "",
    );
    html_escape::encode_double_quoted_attribute(&printable).into_owned()
}

/// The HTML report: the Markdown's tables plus charts.
pub fn html(
    run: &RunResult,
    verdicts: &[Verdict],
    baseline: Option<&BaselineFile>,
) -> Result<String> {
    let mut figures = String::new();
    for c in charts(run)? {
        let _ = write!(
            figures,
            "<figure><figcaption>{}</figcaption>{}</figure>",
            esc(c.title),
            c.svg
        );
    }
    // Kept by hand: our Markdown has only headings, items and `|` tables; a Markdown crate for
    // these few lines would be a dependency for nothing else.
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
                body.push_str(&figures);
            }
            let _ = write!(body, "<h2>{}</h2>", esc(h));
        } else if let Some(li) = line.strip_prefix("- ") {
            let _ = write!(body, "<p>{}</p>", esc(li));
        }
    }
    if in_table {
        body.push_str("</table>");
    }
    Ok(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Load test of {}</title><style>body{{font-family:sans-serif;max-width:1100px;margin:1em auto}}table{{border-collapse:collapse;margin:.5em 0}}td{{border:1px solid #ccc;padding:2px 6px;font-size:13px}}tr:first-child td{{font-weight:bold;background:#f4f4f4}}figure{{display:inline-block;margin:4px}}</style></head><body>{body}</body></html>\n",
        esc(&run.target)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::Second;
    use crate::result::fixtures::shard;

    /// A ramp of two steps with five seconds of timeline, aimed at a hostile target name.
    fn run() -> RunResult {
        let mut run = shard(0, 1, "2026-11-28T12:00:00.000Z", true);
        run.target = r#"http://127.0.0.1:1/<script>alert("x&y")</script>"#.into();
        run.timeline = (0..5)
            .map(|t| Second {
                t,
                requests: 10 + t,
                errors: t % 2,
                p50_ms: 1.0,
                p95_ms: 2.0 + t as f64,
                p99_ms: 3.0 + t as f64,
                users: 2,
                in_flight_max: 1,
            })
            .collect();
        run
    }

    /// Each inline `<svg>…</svg>` of the page, parsed as XML.
    fn svgs(html: &str) -> Vec<String> {
        html.match_indices("<svg")
            .map(|(i, _)| {
                let end = html[i..].find("</svg>").expect("a closed svg") + i + "</svg>".len();
                html[i..end].to_string()
            })
            .collect()
    }

    #[test]
    fn the_page_carries_its_charts_as_svg() {
        let html = html(&run(), &[], None).unwrap();
        let charts = svgs(&html);
        // Throughput, latency, connections; and for a ramp, req/s and p95 by users.
        assert_eq!(charts.len(), 5, "{html}");
        for svg in &charts {
            let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
            assert_eq!(doc.root_element().tag_name().name(), "svg");
        }
        let throughput = roxmltree::Document::parse(&charts[0]).unwrap();
        let texts: Vec<&str> = throughput
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        assert!(
            texts.contains(&"requests/s") && texts.contains(&"errors/s"),
            "{texts:?}"
        );
        // One line per series, one point per second of the timeline.
        let lines: Vec<usize> = throughput
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .map(|n| n.attribute("points").unwrap().split_whitespace().count())
            .collect();
        assert!(lines.iter().filter(|n| **n == 5).count() >= 2, "{lines:?}");
        assert!(
            html.contains("<figcaption>Connections</figcaption>"),
            "{html}"
        );
    }

    #[test]
    fn a_hostile_target_is_text_not_markup() {
        let mut run = run();
        run.failures
            .insert("GET /: \u{1b}[31mboom</td><td>".into(), 2);
        let html = html(&run, &[], None).unwrap();
        assert!(!html.contains('\u{1b}'), "{html}");
        assert!(
            html.contains("GET /: [31mboom&lt;/td&gt;&lt;td&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;"),
            "{html}"
        );
    }
}
