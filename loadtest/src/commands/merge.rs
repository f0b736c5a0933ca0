//! `merge`: shard results (result.json files, or logs ending with the result line) joined into
//! one, with its reports and, for sharded ramps, the baseline file.

use anyhow::{Context, Result, bail};

use crate::baseline::from_run::from_run;
use crate::cli::merge::MergeArgs;
use crate::report;
use crate::result::RunResult;
use crate::result::merge::merge as merge_results;
use crate::result::shards::check_shards;

/// Runs `merge`; the value is the exit code.
pub fn merge(a: MergeArgs) -> Result<u8> {
    let mut results = Vec::new();
    for f in &a.files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        // A pod log ends with the result line; a result.json is the whole file.
        let candidate = if text.trim_start().starts_with('{')
            && serde_json::from_str::<serde_json::Value>(&text).is_ok()
        {
            text.clone()
        } else {
            text.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .to_string()
        };
        results.push(RunResult::from_json(&candidate, &f.display().to_string())?);
    }
    for w in check_shards(&results)? {
        eprintln!("warning: {w}");
    }
    let merged = merge_results(&results)?;
    // Everything that can be wrong is found before anything is written.
    let baseline = match &a.baseline_output {
        None => None,
        Some(_) => {
            let Some(settings) = &merged.baseline else {
                bail!(
                    "--baseline-output: the shards did not run `baseline` (their results carry no \
                     baseline settings), so there is no ramp to judge"
                );
            };
            Some(from_run(&merged, settings)?)
        }
    };
    let json = serde_json::to_string_pretty(&merged)?;
    match &a.output {
        Some(p) => report::write_file(p, &json)?,
        None => println!("{json}"),
    }
    if let (Some(p), Some(b)) = (&a.baseline_output, &baseline) {
        report::write_file(p, &serde_json::to_string_pretty(b)?)?;
    }
    if let Some(dir) = &a.report_dir {
        report::write_all(dir, &merged, &[], baseline.as_ref())?;
    }
    eprintln!(
        "merged {} shards: {} requests, {:.1} req/s, p95 {:.2} ms, p99 {:.2} ms, errors {:.2} %",
        results.len(),
        merged.total.requests,
        merged.total.requests_per_second,
        merged.total.latency_ms.p95,
        merged.total.latency_ms.p99,
        merged.total.error_rate * 100.0
    );
    if let (Some(p), Some(b)) = (&a.baseline_output, &baseline) {
        report::describe_baseline(b, p);
    }
    Ok(0)
}
