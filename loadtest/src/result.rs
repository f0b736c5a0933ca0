//! The result of a run, as written to `result.json` (and, for shards, as the last line of
//! stdout): summaries for people, and the exact histograms (HDR V2 + deflate, base64) so
//! `merge` can combine shards without losing precision.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde::{Deserialize, Serialize};

use crate::baseline::BaselineSettings;
use crate::recorder::{self, Second, Series};

/// Identifies the result format; `merge` and `gate --from` refuse others.
pub const RESULT_FORMAT: &str = "notejam-loadtest/result/v1";

/// Latency percentiles in milliseconds (microsecond resolution).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

impl Latency {
    pub fn of(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Latency::default();
        }
        let q = |x: f64| h.value_at_quantile(x) as f64 / 1000.0;
        Latency {
            p50: q(0.50),
            p90: q(0.90),
            p95: q(0.95),
            p99: q(0.99),
            p999: q(0.999),
            max: h.max() as f64 / 1000.0,
            mean: (h.mean() / 1000.0 * 1000.0).round() / 1000.0,
        }
    }
}

/// Counts, rates and latency of one series.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Stats {
    pub requests: u64,
    pub errors: u64,
    pub error_rate: f64,
    pub requests_per_second: f64,
    /// With coordinated-omission correction: what the gate judges.
    pub latency_ms: Latency,
    /// Without correction (service time).
    pub latency_uncorrected_ms: Latency,
    pub histogram: String,
    pub histogram_uncorrected: String,
}

impl Stats {
    pub fn from_series(s: &Series, seconds: f64) -> Result<Self> {
        Ok(Stats {
            requests: s.requests,
            errors: s.errors,
            error_rate: if s.requests == 0 {
                0.0
            } else {
                s.errors as f64 / s.requests as f64
            },
            requests_per_second: if seconds > 0.0 {
                s.requests as f64 / seconds
            } else {
                0.0
            },
            latency_ms: Latency::of(&s.corrected),
            latency_uncorrected_ms: Latency::of(&s.raw),
            histogram: encode(&s.corrected)?,
            histogram_uncorrected: encode(&s.raw)?,
        })
    }

    /// The histograms back, for merging.
    pub fn histograms(&self) -> Result<(Histogram<u64>, Histogram<u64>)> {
        Ok((
            decode(&self.histogram)?,
            decode(&self.histogram_uncorrected)?,
        ))
    }
}

/// Encodes a histogram as base64 of the HDR V2 + deflate format.
pub fn encode(h: &Histogram<u64>) -> Result<String> {
    let mut buf = Vec::new();
    V2DeflateSerializer::new()
        .serialize(h, &mut buf)
        .map_err(|e| anyhow::anyhow!("cannot serialize a histogram: {e:?}"))?;
    Ok(B64.encode(buf))
}

/// Decodes what [`encode`] wrote.
pub fn decode(s: &str) -> Result<Histogram<u64>> {
    let bytes = B64.decode(s).context("a histogram is not valid base64")?;
    let h: Histogram<u64> = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| anyhow::anyhow!("a histogram does not decode: {e:?}"))?;
    let mut out = recorder::new_histogram();
    out.add(&h)
        .map_err(|e| anyhow::anyhow!("a histogram is out of range: {e:?}"))?;
    Ok(out)
}

/// How the load was made.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Method {
    /// `users`, `rate` or `stepped-ramp`.
    pub kind: String,
    pub users: usize,
    /// Target requests/s in rate mode.
    pub rate: Option<f64>,
    pub run_time_seconds: f64,
    pub warmup_seconds: f64,
    pub weights: BTreeMap<String, f64>,
    /// `scheduled` (rate mode: latency from the intended send time) or `expected-interval`
    /// (users mode: HdrHistogram's record_correct at the series' mean latency).
    pub coordinated_omission_correction: String,
}

/// One step of a stepped ramp.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StepResult {
    pub users: usize,
    pub duration_seconds: f64,
    pub stats: Stats,
    /// Mean open connections over the step and where the figure comes from.
    pub open_connections: f64,
    pub open_connections_source: String,
    /// Server-side p95 from `http_server_request_duration_seconds`, when Prometheus was given.
    pub server_p95_ms: Option<f64>,
}

/// Which shard of a sharded run this is.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// A server-side time series read from Prometheus, for the report's charts.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ServerSeries {
    pub prometheus_url: String,
    /// (seconds since the run started, value)
    pub open_connections: Vec<(f64, f64)>,
    /// Requests the app counted in its `http_server_request_duration_seconds_count` during the
    /// run, when it could be read.
    pub requests_counted: Option<f64>,
}

/// Everything one run measured.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunResult {
    pub format: String,
    pub generated_by: String,
    pub target: String,
    pub started_at: String,
    pub finished_at: String,
    /// The measured window (after warm-up), seconds.
    pub duration_seconds: f64,
    pub method: Method,
    pub shards: Vec<Shard>,
    pub total: Stats,
    pub journeys: BTreeMap<String, Stats>,
    pub requests: BTreeMap<String, Stats>,
    /// Failures by request and reason.
    pub failures: BTreeMap<String, u64>,
    /// What goose itself counted (requests, failures), a cross-check of our own counts: only
    /// with `--goose-metrics` (goose's own metrics cost about 5 % of the generator's CPU).
    pub goose_counts: Option<(u64, u64)>,
    /// Every request we sent, including warm-up and those finishing after the window.
    pub requests_sent: u64,
    /// Redirects the clients followed: the server saw `requests_sent + redirects_followed`.
    #[serde(default)]
    pub redirects_followed: u64,
    pub timeline: Vec<Second>,
    pub steps: Vec<StepResult>,
    pub server: Option<ServerSeries>,
    /// A `baseline` ramp's knee rule and target description, so `merge --baseline-output` can
    /// write the baseline file of sharded ramps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSettings>,
}

impl RunResult {
    pub fn from_json(text: &str, what: &str) -> Result<Self> {
        let r: RunResult = serde_json::from_str(text.trim())
            .with_context(|| format!("{what} is not a notejam-loadtest result"))?;
        if r.format != RESULT_FORMAT {
            bail!(
                "{what} has format {:?}; this tool reads {RESULT_FORMAT:?}",
                r.format
            );
        }
        Ok(r)
    }
}

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
                requests: 0,
                errors: 0,
                p50_ms: 0.0,
                p95_ms: 0.0,
                p99_ms: 0.0,
                users: 0,
                in_flight_max: 0,
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
    use crate::recorder::Correction;

    fn series(values: &[u64], errors: u64) -> Series {
        let mut s = Series::default();
        for v in values {
            s.corrected.record(*v).unwrap();
            s.raw.record(*v).unwrap();
        }
        s.requests = values.len() as u64;
        s.errors = errors;
        let _ = Correction::Scheduled;
        s
    }

    fn shard(index: usize, count: usize, started_at: &str, ramp: bool) -> RunResult {
        let stats = Stats::from_series(&series(&[1_000, 2_000], 0), 10.0).unwrap();
        let step = StepResult {
            users: 1,
            duration_seconds: 10.0,
            stats: stats.clone(),
            open_connections: 1.0,
            open_connections_source: "client".into(),
            server_p95_ms: None,
        };
        RunResult {
            format: RESULT_FORMAT.into(),
            generated_by: "test".into(),
            target: "http://127.0.0.1:1".into(),
            started_at: started_at.into(),
            finished_at: started_at.into(),
            duration_seconds: 10.0,
            method: Method {
                kind: if ramp { "stepped-ramp" } else { "users" }.into(),
                users: 1,
                rate: None,
                run_time_seconds: 10.0,
                warmup_seconds: 0.0,
                weights: BTreeMap::new(),
                coordinated_omission_correction: "expected-interval".into(),
            },
            shards: vec![Shard { index, count }],
            total: stats,
            journeys: BTreeMap::new(),
            requests: BTreeMap::new(),
            failures: BTreeMap::new(),
            goose_counts: Some((2, 0)),
            requests_sent: 2,
            redirects_followed: 0,
            timeline: Vec::new(),
            steps: if ramp {
                vec![step.clone(), step]
            } else {
                Vec::new()
            },
            server: None,
            baseline: None,
        }
    }

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
    fn histograms_survive_encoding() {
        let s = series(&[100, 2_000, 35_000, 1_234_567], 0);
        let back = decode(&encode(&s.corrected).unwrap()).unwrap();
        assert_eq!(back, s.corrected);
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
