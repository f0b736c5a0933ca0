//! Joins shard results into one, exactly: histograms added, counts and rates summed.

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use super::stats::Stats;
use super::{RESULT_FORMAT, RunResult, StepResult};
use crate::recorder::{Second, Series};

/// Merges per-shard stats exactly: histograms added, counts summed, rates summed (the shards
/// ran at the same time).
pub fn merge_stats(parts: &[&Stats]) -> Result<Stats> {
    let mut series = Series::default();
    let mut rps = 0.0;
    for p in parts {
        let (c, r) = p.histograms()?;
        series
            .corrected
            .add(&c)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        series.raw.add(&r).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        series.requests += p.requests;
        series.errors += p.errors;
        rps += p.requests_per_second;
    }
    let mut s = Stats::from_series(&series, 1.0)?;
    s.requests_per_second = rps;
    Ok(s)
}

/// Joins shard results into one. Steps are joined by index: shards of a ramp run the same steps.
/// Call [`check_shards`] first.
pub fn merge(results: &[RunResult]) -> Result<RunResult> {
    let Some(first) = results.first() else {
        bail!("nothing to merge: give at least one result file");
    };
    if results.iter().any(|r| r.steps.len() != first.steps.len()) {
        bail!("the shards ran different numbers of ramp steps");
    }
    let total = merge_stats(&results.iter().map(|r| &r.total).collect::<Vec<_>>())?;
    let keyed =
        |pick: fn(&RunResult) -> &BTreeMap<String, Stats>| -> Result<BTreeMap<String, Stats>> {
            let mut names: Vec<&String> = results.iter().flat_map(|r| pick(r).keys()).collect();
            names.sort();
            names.dedup();
            names
                .into_iter()
                .map(|n| {
                    let parts: Vec<&Stats> =
                        results.iter().filter_map(|r| pick(r).get(n)).collect();
                    Ok((n.clone(), merge_stats(&parts)?))
                })
                .collect()
        };
    let journeys = keyed(|r| &r.journeys)?;
    let requests = keyed(|r| &r.requests)?;
    let mut failures = BTreeMap::new();
    for r in results {
        for (k, v) in &r.failures {
            *failures.entry(k.clone()).or_insert(0) += v;
        }
    }
    let mut timeline: BTreeMap<u64, Second> = BTreeMap::new();
    for r in results {
        for s in &r.timeline {
            let e = timeline.entry(s.t).or_insert_with(|| Second {
                t: s.t,
                ..Second::default()
            });
            e.requests += s.requests;
            e.errors += s.errors;
            e.users += s.users;
            e.in_flight_max += s.in_flight_max;
            // Per-second percentiles are chart data only: the worst shard's is shown.
            e.p50_ms = e.p50_ms.max(s.p50_ms);
            e.p95_ms = e.p95_ms.max(s.p95_ms);
            e.p99_ms = e.p99_ms.max(s.p99_ms);
        }
    }
    let mut steps = Vec::new();
    for i in 0..first.steps.len() {
        let parts: Vec<&StepResult> = results.iter().map(|r| &r.steps[i]).collect();
        let stats = merge_stats(&parts.iter().map(|s| &s.stats).collect::<Vec<_>>())?;
        let server = parts.iter().all(|s| s.open_connections_source == "server");
        steps.push(StepResult {
            users: parts.iter().map(|s| s.users).sum(),
            duration_seconds: parts.iter().map(|s| s.duration_seconds).fold(0.0, f64::max),
            stats,
            // Client-side, each user holds one connection: the shards' counts add up. Server-side
            // figures are for the whole service, which every shard read over (almost) the same
            // window: their mean, and the worst server p95.
            open_connections: if server {
                parts.iter().map(|s| s.open_connections).sum::<f64>() / parts.len() as f64
            } else {
                parts.iter().map(|s| s.open_connections).sum()
            },
            open_connections_source: if server { "server" } else { "client" }.into(),
            server_p95_ms: if server {
                parts
                    .iter()
                    .filter_map(|s| s.server_p95_ms)
                    .reduce(f64::max)
            } else {
                None
            },
        });
    }
    let mut method = first.method.clone();
    method.users = results.iter().map(|r| r.method.users).sum();
    method.rate = first
        .method
        .rate
        .map(|_| results.iter().filter_map(|r| r.method.rate).sum());
    Ok(RunResult {
        format: RESULT_FORMAT.into(),
        generated_by: first.generated_by.clone(),
        target: first.target.clone(),
        started_at: results
            .iter()
            .map(|r| r.started_at.clone())
            .min()
            .unwrap_or_default(),
        finished_at: results
            .iter()
            .map(|r| r.finished_at.clone())
            .max()
            .unwrap_or_default(),
        duration_seconds: results
            .iter()
            .map(|r| r.duration_seconds)
            .fold(0.0, f64::max),
        method,
        shards: results.iter().flat_map(|r| r.shards.clone()).collect(),
        total,
        journeys,
        requests,
        failures,
        goose_counts: results.iter().try_fold((0, 0), |a, r| {
            r.goose_counts.map(|g| (a.0 + g.0, a.1 + g.1))
        }),
        requests_sent: results.iter().map(|r| r.requests_sent).sum(),
        redirects_followed: results.iter().map(|r| r.redirects_followed).sum(),
        timeline: timeline.into_values().collect(),
        steps,
        server: first.server.clone(),
        baseline: first.baseline.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::fixtures::{series, shard};

    #[test]
    fn ramp_steps_merge_users_and_connections_summed() {
        let t = "2026-11-28T12:00:00.000Z";
        let m = merge(&[shard(0, 2, t, true), shard(1, 2, t, true)]).unwrap();
        assert_eq!(m.steps.len(), 2);
        assert_eq!(m.steps[1].users, 2);
        assert_eq!(m.steps[1].open_connections, 2.0);
        assert_eq!(m.steps[1].stats.requests, 4);
        assert!((m.steps[1].stats.requests_per_second - 0.4).abs() < 1e-12);
    }

    #[test]
    fn merging_shards_equals_one_histogram_of_everything() {
        let a: Vec<u64> = (1..=1000).map(|i| i * 37).collect();
        let b: Vec<u64> = (1..=3000).map(|i| i * 101 + 5).collect();
        let sa = Stats::from_series(&series(&a, 3), 10.0).unwrap();
        let sb = Stats::from_series(&series(&b, 1), 10.0).unwrap();
        let merged = merge_stats(&[&sa, &sb]).unwrap();
        let mut all = a.clone();
        all.extend(&b);
        let whole = Stats::from_series(&series(&all, 4), 10.0).unwrap();
        assert_eq!(merged.requests, 4000);
        assert_eq!(merged.errors, 4);
        assert_eq!(merged.latency_ms, whole.latency_ms);
        assert_eq!(merged.error_rate, whole.error_rate);
        assert!((merged.requests_per_second - 400.0).abs() < 1e-9);
    }
}
