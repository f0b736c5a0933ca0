//! Judging parsed thresholds against a run (and the baseline, for relative limits).

use serde::Serialize;

use super::expr::{Limit, Metric, Op, Scope, Threshold};
use crate::baseline::BaselineFile;
use crate::result::{RunResult, Stats};

/// The verdict on one threshold.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub threshold: String,
    pub passed: bool,
    pub actual: Option<f64>,
    pub limit: Option<f64>,
    pub unit: &'static str,
    pub detail: String,
}

impl Verdict {
    /// A failed verdict on a threshold that had nothing to be judged against.
    fn unjudged(t: &Threshold, detail: String) -> Self {
        Verdict {
            threshold: t.expr.clone(),
            passed: false,
            actual: None,
            limit: None,
            unit: unit(t.metric),
            detail,
        }
    }
}

fn unit(m: Metric) -> &'static str {
    match m {
        Metric::Percentile(_) | Metric::Max | Metric::Mean => "ms",
        Metric::Errors => "",
        Metric::Rps => "req/s",
        Metric::Requests => "requests",
    }
}

fn value(m: Metric, s: &Stats) -> f64 {
    let l = &s.latency_ms;
    match m {
        Metric::Percentile(50.0) => l.p50,
        Metric::Percentile(90.0) => l.p90,
        Metric::Percentile(95.0) => l.p95,
        Metric::Percentile(99.0) => l.p99,
        Metric::Percentile(99.9) => l.p999,
        Metric::Percentile(q) => crate::result::stats::decode(&s.histogram)
            .map(|h| h.value_at_percentile(q) as f64 / 1000.0)
            .unwrap_or(f64::NAN),
        Metric::Max => l.max,
        Metric::Mean => l.mean,
        Metric::Errors => s.error_rate,
        Metric::Rps => s.requests_per_second,
        Metric::Requests => s.requests as f64,
    }
}

fn baseline_value(m: Metric, b: &BaselineFile) -> Option<f64> {
    let step = b.steps.get(b.normal_step)?;
    Some(match m {
        Metric::Percentile(50.0) => step.latency_ms.p50,
        Metric::Percentile(95.0) => step.latency_ms.p95,
        Metric::Percentile(99.0) => step.latency_ms.p99,
        Metric::Errors => step.error_rate,
        Metric::Rps => step.requests_per_second,
        _ => return None,
    })
}

/// Judges every threshold against a run (and the baseline, for relative ones).
pub fn evaluate(
    thresholds: &[Threshold],
    run: &RunResult,
    baseline: Option<&BaselineFile>,
) -> Vec<Verdict> {
    thresholds
        .iter()
        .map(|t| {
            let stats = match &t.scope {
                Scope::All => Some(&run.total),
                Scope::Journey(j) => run.journeys.get(j),
                Scope::Request(r) => run.requests.get(r),
            };
            let Some(stats) = stats.filter(|s| s.requests > 0) else {
                return Verdict::unjudged(
                    t,
                    format!("no requests were measured for {:?}", t.scope),
                );
            };
            let limit = match t.limit {
                Limit::Absolute(v) => v,
                Limit::Baseline(f) => match baseline.and_then(|b| baseline_value(t.metric, b)) {
                    Some(v) => v * f,
                    None => {
                        return Verdict::unjudged(t, "no baseline figure to compare with".into());
                    }
                },
            };
            let actual = value(t.metric, stats);
            let passed = match t.op {
                Op::Lt => actual < limit,
                Op::Le => actual <= limit,
                Op::Gt => actual > limit,
                Op::Ge => actual >= limit,
            };
            let fmt = |v: f64| match t.metric {
                Metric::Errors => format!("{:.3}%", v * 100.0),
                _ => format!("{v:.3} {}", unit(t.metric)),
            };
            Verdict {
                threshold: t.expr.clone(),
                passed,
                actual: Some(actual),
                limit: Some(limit),
                unit: unit(t.metric),
                detail: format!(
                    "{} {} (limit {}{})",
                    if passed { "passed:" } else { "FAILED:" },
                    fmt(actual),
                    fmt(limit),
                    if let Limit::Baseline(f) = t.limit {
                        format!(" = baseline {} x {f}", fmt(limit / f))
                    } else {
                        String::new()
                    }
                ),
            }
        })
        .collect()
}
