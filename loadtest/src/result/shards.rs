//! The checks `merge` makes first: shard results that do not belong together are refused.

use anyhow::{Context, Result, bail};

use super::{RunResult, Shard};

/// Refuses shard results that do not belong together: another target or kind of run, other
/// journey weights or steps, a shard given twice or missing, ramps whose steps did not run at the
/// same time. Returns warnings to print (a plain run's shards that did not start together).
pub fn check_shards(results: &[RunResult]) -> Result<Vec<String>> {
    let Some(first) = results.first() else {
        bail!("nothing to merge: give at least one result file");
    };
    let mut warnings = Vec::new();
    for r in results {
        if r.target != first.target {
            bail!(
                "the shards ran against different targets: {} and {}",
                first.target,
                r.target
            );
        }
        let (a, b) = (&first.method, &r.method);
        if a.kind != b.kind
            || a.weights != b.weights
            || a.run_time_seconds != b.run_time_seconds
            || a.warmup_seconds != b.warmup_seconds
            || a.rate.is_some() != b.rate.is_some()
        {
            bail!(
                "the shards ran different loads (kind, journey weights, run time, warm-up or \
                 rate mode differ): {a:?} and {b:?}"
            );
        }
        if r.steps.len() != first.steps.len() {
            bail!("the shards ran different numbers of ramp steps");
        }
        if r.baseline != first.baseline {
            bail!(
                "the shards were given different baseline settings (SLO, knee rule, environment, \
                 replicas...): {:?} and {:?}",
                first.baseline,
                r.baseline
            );
        }
    }
    // Every shard of the run, each once: a missing shard under-counts the load, a repeated one
    // counts it twice.
    let shards: Vec<&Shard> = results.iter().flat_map(|r| &r.shards).collect();
    let count = shards.first().map(|s| s.count).unwrap_or(0);
    if let Some(s) = shards.iter().find(|s| s.count != count) {
        bail!(
            "the shards come from runs of different sizes: --shard-count {count} and {}",
            s.count
        );
    }
    let mut seen = vec![0usize; count];
    for s in &shards {
        match seen.get_mut(s.index) {
            Some(n) => *n += 1,
            None => bail!("shard index {} is not below its count {count}", s.index),
        }
    }
    let twice: Vec<usize> = (0..count).filter(|&i| seen[i] > 1).collect();
    let missing: Vec<usize> = (0..count).filter(|&i| seen[i] == 0).collect();
    if !twice.is_empty() {
        bail!("shard(s) {twice:?} given more than once: their load would be counted twice");
    }
    if !missing.is_empty() {
        bail!(
            "shard(s) {missing:?} of {count} missing: the merged load would be short of what ran"
        );
    }
    // Shards must run at the same time: a shard that started d seconds after another measured
    // d seconds of each step while the other was already in its next step (or had stopped).
    let starts = results
        .iter()
        .map(|r| {
            chrono::DateTime::parse_from_rfc3339(&r.started_at)
                .with_context(|| format!("started_at {:?} is not an RFC 3339 time", r.started_at))
        })
        .collect::<Result<Vec<_>>>()?;
    let (min, max) = (starts.iter().min(), starts.iter().max());
    if let (Some(min), Some(max)) = (min, max) {
        let spread = (*max - *min).num_milliseconds() as f64 / 1000.0;
        let window = if first.steps.is_empty() {
            first.duration_seconds
        } else {
            first.steps[0].duration_seconds
        };
        if spread > window * MAX_START_SPREAD {
            let why = format!(
                "the shards started {spread:.1} s apart, more than {:.0} % of the {window:.1} s \
                 measured {}: start them together with --start-at",
                MAX_START_SPREAD * 100.0,
                if first.steps.is_empty() {
                    "window"
                } else {
                    "step"
                }
            );
            if first.steps.is_empty() {
                warnings.push(format!(
                    "{why} (the merged requests/s overstate the load that ran at once)"
                ));
            } else {
                bail!("{why} (each step would mix the loads of two steps)");
            }
        }
    }
    Ok(warnings)
}

/// Largest spread of the shards' start times, as a share of the measured step (or window).
pub const MAX_START_SPREAD: f64 = 0.10;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::fixtures::shard;

    #[test]
    fn shards_must_all_be_there_once() {
        let t = "2026-11-28T12:00:00.000Z";
        let ok = [
            shard(0, 3, t, true),
            shard(1, 3, t, true),
            shard(2, 3, t, true),
        ];
        assert!(check_shards(&ok).unwrap().is_empty());
        let e = check_shards(&ok[..2]).unwrap_err().to_string();
        assert!(e.contains("shard(s) [2] of 3 missing"), "{e}");
        let twice = [ok[0].clone(), ok[1].clone(), ok[1].clone(), ok[2].clone()];
        let e = check_shards(&twice).unwrap_err().to_string();
        assert!(e.contains("shard(s) [1] given more than once"), "{e}");
        let mut other = ok.clone();
        other[2].method.kind = "users".into();
        other[2].steps.clear();
        assert!(check_shards(&other).is_err());
    }

    #[test]
    fn ramp_shards_must_start_together_and_runs_are_warned() {
        // 10 s steps: 1 s apart (10 %) is the most that is accepted.
        let a = "2026-11-28T12:00:00.000Z";
        let near = "2026-11-28T12:00:01.000Z";
        let far = "2026-11-28T12:00:01.200Z";
        assert!(check_shards(&[shard(0, 2, a, true), shard(1, 2, near, true)]).is_ok());
        let e = check_shards(&[shard(0, 2, a, true), shard(1, 2, far, true)])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("started 1.2 s apart") && e.contains("--start-at"),
            "{e}"
        );
        let w = check_shards(&[shard(0, 2, a, false), shard(1, 2, far, false)]).unwrap();
        assert_eq!(w.len(), 1, "{w:?}");
    }
}
