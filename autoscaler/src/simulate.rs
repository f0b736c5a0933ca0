//! Replaying a recorded trace through the decision, beside what the plain HPA would do.
//!
//! Trace formats (see README): CSV with a `time` column, an optional `replicas` column and one
//! column per metric name (an empty cell is a missing sample), or JSON: an array of
//! `{"time": .., "replicas": .., "metrics": {"name": value-or-null}}`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::baseline::{Baseline, resolve_threshold};
use crate::decision::{
    Decision, DecisionConfig, History, MetricObservation, Observations, TargetKind, decide,
};
use crate::policy::{ScalingPolicySpec, ValidPolicy};

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the policy is not a ScalingPolicy: {0}")]
    PolicyYaml(#[from] serde_yaml::Error),
    #[error("the policy is invalid: {}", .0.join("; "))]
    PolicyInvalid(Vec<String>),
    #[error("the baseline is unusable: {0}")]
    Baseline(#[from] crate::baseline::BaselineError),
    #[error("metric {0} has no target: give it a value, or pass --baseline for fromBaseline")]
    NoTarget(String),
    #[error("trace: {0}")]
    Trace(String),
}

/// One sample of a trace.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Sample {
    /// Seconds since the trace started.
    pub time: i64,
    /// Replicas running when the sample was recorded, if known; per-pod (`Value`) metrics are
    /// rescaled to the simulated replica count with it.
    #[serde(default)]
    pub replicas: Option<u32>,
    pub metrics: BTreeMap<String, Option<f64>>,
}

#[derive(Deserialize)]
struct JsonSample {
    time: serde_json::Value,
    #[serde(default)]
    replicas: Option<u32>,
    #[serde(default)]
    metrics: BTreeMap<String, Option<f64>>,
}

fn parse_time(raw: &str, first: &mut Option<i64>) -> Result<i64, SimulateError> {
    let raw = raw.trim();
    if let Ok(s) = raw.parse::<f64>() {
        return Ok(s.round() as i64);
    }
    let t = chrono::DateTime::parse_from_rfc3339(raw)
        .map_err(|e| {
            SimulateError::Trace(format!("time {raw:?} is neither seconds nor RFC 3339: {e}"))
        })?
        .timestamp();
    let start = *first.get_or_insert(t);
    Ok(t - start)
}

/// Read a trace; the format follows the file extension (`.json`, else CSV).
pub fn read_trace(path: &Path) -> Result<Vec<Sample>, SimulateError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimulateError::Read {
        path: path.display().to_string(),
        source,
    })?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        parse_json_trace(&text)
    } else {
        parse_csv_trace(&text)
    }
}

pub fn parse_json_trace(text: &str) -> Result<Vec<Sample>, SimulateError> {
    let raw: Vec<JsonSample> = serde_json::from_str(text)
        .map_err(|e| SimulateError::Trace(format!("not a JSON trace: {e}")))?;
    let mut first = None;
    raw.into_iter()
        .map(|s| {
            let time = match &s.time {
                serde_json::Value::Number(n) => n.as_f64().unwrap_or_default().round() as i64,
                serde_json::Value::String(t) => parse_time(t, &mut first)?,
                other => {
                    return Err(SimulateError::Trace(format!(
                        "time {other} is not a number or string"
                    )));
                }
            };
            Ok(Sample {
                time,
                replicas: s.replicas,
                metrics: s.metrics,
            })
        })
        .collect()
}

pub fn parse_csv_trace(text: &str) -> Result<Vec<Sample>, SimulateError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| SimulateError::Trace(e.to_string()))?
        .clone();
    let time_col = headers
        .iter()
        .position(|h| h == "time")
        .ok_or_else(|| SimulateError::Trace("the CSV has no `time` column".into()))?;
    let replicas_col = headers.iter().position(|h| h == "replicas");
    let mut first = None;
    let mut samples = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| SimulateError::Trace(e.to_string()))?;
        let time = parse_time(&record[time_col], &mut first)?;
        let replicas =
            match replicas_col.map(|c| record[c].trim()) {
                None | Some("") => None,
                Some(r) => Some(r.parse().map_err(|_| {
                    SimulateError::Trace(format!("row {}: replicas {r:?}", line + 2))
                })?),
            };
        let mut metrics = BTreeMap::new();
        for (i, h) in headers.iter().enumerate() {
            if i == time_col || Some(i) == replicas_col {
                continue;
            }
            let cell = record.get(i).unwrap_or("").trim();
            let value =
                match cell {
                    "" | "NaN" | "nan" | "null" => None,
                    v => Some(v.parse::<f64>().map_err(|_| {
                        SimulateError::Trace(format!("row {}: {h}={v:?}", line + 2))
                    })?),
                };
            metrics.insert(h.to_string(), value);
        }
        samples.push(Sample {
            time,
            replicas,
            metrics,
        });
    }
    Ok(samples)
}

/// Load a policy from YAML: a whole `ScalingPolicy` object or just its spec.
pub fn load_policy(path: &Path) -> Result<ScalingPolicySpec, SimulateError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimulateError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let value: serde_yaml::Value = serde_yaml::from_str(&text)?;
    let spec = match value.get("spec") {
        Some(spec) => spec.clone(),
        None => value,
    };
    Ok(serde_yaml::from_value(spec)?)
}

/// One replayed step: our decision and the plain HPA's.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub time: i64,
    pub metrics: BTreeMap<String, Option<f64>>,
    pub ours: Decision,
    pub hpa: Decision,
}

/// Totals over a replay, for each autoscaler.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Totals {
    pub scale_events: u32,
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// Sum of replicas x seconds, in pod-hours.
    pub pod_hours: f64,
    /// Samples where some known metric was above target by more than the tolerance.
    pub overloaded_samples: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct Replay {
    pub steps: Vec<Step>,
    pub ours: Totals,
    pub hpa: Totals,
}

struct Runner {
    config: DecisionConfig,
    history: History,
    replicas: u32,
    totals: Totals,
    missing_as_zero: bool,
}

impl Runner {
    fn new(config: DecisionConfig, replicas: u32, missing_as_zero: bool) -> Self {
        Self {
            config,
            history: History::default(),
            replicas,
            totals: Totals {
                min_replicas: replicas,
                max_replicas: replicas,
                ..Totals::default()
            },
            missing_as_zero,
        }
    }

    fn step(
        &mut self,
        sample: &Sample,
        targets: &[(String, TargetKind, f64)],
        dt: i64,
    ) -> Decision {
        let metrics = targets
            .iter()
            .map(|(name, kind, target)| {
                let raw = sample.metrics.get(name).copied().flatten();
                let raw = if self.missing_as_zero {
                    Some(raw.unwrap_or(0.0))
                } else {
                    raw
                };
                let value = match (kind, sample.replicas) {
                    // A per-pod value recorded at r0 replicas spreads over the simulated replicas.
                    (TargetKind::Value, Some(r0)) if r0 > 0 && self.replicas > 0 => {
                        raw.map(|v| v * f64::from(r0) / f64::from(self.replicas))
                    }
                    _ => raw,
                };
                MetricObservation {
                    name: name.clone(),
                    kind: *kind,
                    target: *target,
                    value,
                }
            })
            .collect();
        let obs = Observations {
            now: sample.time,
            current_replicas: self.replicas,
            ready_replicas: self.replicas,
            metrics,
        };
        let d = decide(&self.config, &obs, &self.history);
        self.history.record(&self.config, &d, sample.time, true);
        let t = &mut self.totals;
        if d.metrics
            .iter()
            .any(|m| m.ratio.is_some_and(|r| r > 1.0 + self.config.tolerance))
        {
            t.overloaded_samples += 1;
        }
        t.pod_hours += f64::from(self.replicas) * dt as f64 / 3600.0;
        if d.changes() {
            t.scale_events += 1;
        }
        self.replicas = d.desired;
        t.min_replicas = t.min_replicas.min(d.desired);
        t.max_replicas = t.max_replicas.max(d.desired);
        d
    }
}

/// Replay `samples` through `policy` and through a plain HPA with the same bounds and targets,
/// handing each step to `on_step` as it is made (nothing is kept), and return the totals.
/// The plain HPA reads a missing sample as 0, as KEDA's Prometheus scaler does by default.
pub fn replay_each(
    policy: &ValidPolicy,
    baseline: Option<&Baseline>,
    samples: &[Sample],
    initial_replicas: Option<u32>,
    mut on_step: impl FnMut(Step),
) -> Result<(Totals, Totals), SimulateError> {
    let targets: Vec<(String, TargetKind, f64)> = policy
        .metrics
        .iter()
        .map(|m| {
            resolve_threshold(m, None, baseline)
                .map(|t| (m.name.clone(), m.target_kind(), t.value))
                .ok_or_else(|| SimulateError::NoTarget(m.name.clone()))
        })
        .collect::<Result<_, _>>()?;
    // A policy metric with no column at all is a naming mistake, not an outage: say so rather
    // than replay a trace in which every sample of it is missing.
    for (name, _, _) in &targets {
        if !samples.is_empty() && !samples.iter().any(|s| s.metrics.contains_key(name)) {
            let columns: Vec<&str> = samples[0].metrics.keys().map(String::as_str).collect();
            return Err(SimulateError::Trace(format!(
                "the trace has no column for metric {name} (it has: {}); leave cells empty to simulate missing data",
                columns.join(", ")
            )));
        }
    }
    let cfg = &policy.decision;
    let start = initial_replicas
        .or_else(|| samples.first().and_then(|s| s.replicas))
        .unwrap_or(cfg.min_replicas)
        .clamp(cfg.min_replicas, cfg.max_replicas);
    let mut ours = Runner::new(cfg.clone(), start, false);
    let mut hpa = Runner::new(
        DecisionConfig::plain_hpa(cfg.min_replicas, cfg.max_replicas),
        start,
        true,
    );
    let mut prev: Option<i64> = None;
    for s in samples {
        if prev.is_some_and(|p| s.time < p) {
            return Err(SimulateError::Trace(format!(
                "time goes backwards at {}",
                s.time
            )));
        }
        let dt = prev.map_or(0, |p| s.time - p);
        prev = Some(s.time);
        let o = ours.step(s, &targets, dt);
        let h = hpa.step(s, &targets, dt);
        on_step(Step {
            time: s.time,
            metrics: s.metrics.clone(),
            ours: o,
            hpa: h,
        });
    }
    Ok((ours.totals, hpa.totals))
}

/// Replay and keep every step (for tests and small traces).
pub fn replay(
    policy: &ValidPolicy,
    baseline: Option<&Baseline>,
    samples: &[Sample],
    initial_replicas: Option<u32>,
) -> Result<Replay, SimulateError> {
    let mut steps = Vec::with_capacity(samples.len());
    let (ours, hpa) = replay_each(policy, baseline, samples, initial_replicas, |s| {
        steps.push(s)
    })?;
    Ok(Replay { steps, ours, hpa })
}

fn fmt_value(v: Option<f64>) -> String {
    match v {
        Some(v) => format!("{v:.1}"),
        None => "-".into(),
    }
}

/// Writes a replay as an aligned text table, one row per step as it comes, then a summary.
pub struct TableWriter<W: std::io::Write> {
    out: W,
    only_changes: bool,
    names: Option<Vec<String>>,
}

impl<W: std::io::Write> TableWriter<W> {
    pub fn new(out: W, only_changes: bool) -> Self {
        Self {
            out,
            only_changes,
            names: None,
        }
    }

    pub fn step(&mut self, s: &Step) -> std::io::Result<()> {
        let out = &mut self.out;
        let names = match &self.names {
            Some(n) => n,
            None => {
                let names: Vec<String> = s.metrics.keys().cloned().collect();
                write!(out, "{:>8}", "time_s")?;
                for n in &names {
                    write!(out, " {n:>18}")?;
                }
                writeln!(
                    out,
                    " {:>12} {:<18} {:>12}  note",
                    "ours", "reason", "plain_hpa"
                )?;
                self.names.insert(names)
            }
        };
        if self.only_changes && !s.ours.changes() && !s.hpa.changes() {
            return Ok(());
        }
        write!(out, "{:>8}", s.time)?;
        for n in names {
            write!(
                out,
                " {:>18}",
                fmt_value(s.metrics.get(n).copied().flatten())
            )?;
        }
        let ours = format!("{}->{}", s.ours.current, s.ours.desired);
        let hpa = format!("{}->{}", s.hpa.current, s.hpa.desired);
        let note = if s.ours.desired != s.hpa.desired {
            "differs"
        } else {
            ""
        };
        writeln!(
            out,
            " {ours:>12} {:<18} {hpa:>12}  {note}",
            s.ours.reason.as_str()
        )
    }

    pub fn finish(mut self, ours: &Totals, hpa: &Totals) -> std::io::Result<W> {
        for (who, t) in [("ours", ours), ("plain_hpa", hpa)] {
            writeln!(
                self.out,
                "summary {who}: scale_events={} replicas={}..{} pod_hours={:.1} overloaded_samples={}",
                t.scale_events, t.min_replicas, t.max_replicas, t.pod_hours, t.overloaded_samples
            )?;
        }
        Ok(self.out)
    }
}

/// Render a whole replay as a table (see [`TableWriter`]).
pub fn render_table(replay: &Replay, only_changes: bool) -> String {
    let mut w = TableWriter::new(Vec::new(), only_changes);
    for s in &replay.steps {
        let _ = w.step(s);
    }
    let out = w.finish(&replay.ours, &replay.hpa).unwrap_or_default();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_empty_cell_is_missing_not_zero() {
        let s = parse_csv_trace("time,replicas,conn\n0,3,120\n15,3,\n").unwrap();
        assert_eq!(s[0].metrics["conn"], Some(120.0));
        assert_eq!(s[1].metrics["conn"], None);
        assert_eq!(s[1].replicas, Some(3));
    }

    #[test]
    fn rfc3339_times_become_offsets() {
        let s =
            parse_csv_trace("time,conn\n2026-01-01T00:00:00Z,1\n2026-01-01T00:00:15Z,2\n").unwrap();
        assert_eq!((s[0].time, s[1].time), (0, 15));
    }

    #[test]
    fn a_metric_without_a_column_is_an_error() {
        let spec: crate::policy::ScalingPolicySpec = serde_yaml::from_str(
            "targetRef: {name: x}\nminReplicas: 1\nmaxReplicas: 5\nmetrics:\n- name: conns\n  prometheus: {query: up}\n  target: {type: Value, value: 1}\n",
        )
        .unwrap();
        let policy = spec.validate().unwrap();
        let samples = parse_csv_trace("time,other\n0,1\n").unwrap();
        let err = replay(&policy, None, &samples, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no column for metric conns") && err.contains("other"),
            "{err}"
        );
    }

    #[test]
    fn json_trace_reads_nulls_as_missing() {
        let s = parse_json_trace(
            r#"[{"time": 0, "metrics": {"conn": 5}}, {"time": 15, "metrics": {"conn": null}}]"#,
        )
        .unwrap();
        assert_eq!(s[1].metrics["conn"], None);
    }
}
