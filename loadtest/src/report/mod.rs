//! Reports: `result.json`, Markdown, HTML (the Markdown's tables with charts of throughput,
//! latency percentiles and connections over time), JUnit XML with one case per threshold, and
//! the short summary on stderr.

pub mod charts;
pub mod html;
pub mod junit;
pub mod markdown;

use std::path::Path;

use anyhow::{Context, Result};

use self::markdown::pct;
use crate::baseline::BaselineFile;
use crate::result::RunResult;
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
    write("report.md", markdown::markdown(run, verdicts, baseline))?;
    write("report.html", html::html(run, verdicts, baseline)?)?;
    Ok(())
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

/// Prints what a baseline found, and where it was written, on stderr.
pub fn describe_baseline(file: &BaselineFile, path: &Path) {
    eprintln!(
        "baseline: normal step {} ({} users), knee {}, capacity {:.1} req/s per pod, {:.1} connections per pod ({}) -> {}",
        file.normal_step,
        file.steps[file.normal_step].users,
        file.knee_step
            .map(|k| format!("step {k} ({} users)", file.steps[k].users))
            .unwrap_or("not reached".into()),
        file.capacity_rps_per_pod,
        file.capacity_connections_per_pod,
        file.connections_source,
        path.display()
    );
}

/// Writes `text` to `path`, creating its folder.
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
