//! Trace files: CSV with a `time` column, an optional `replicas` column and one column per
//! metric name (an empty cell is a missing sample), or JSON: an array of
//! `{"time": .., "replicas": .., "metrics": {"name": value-or-null}}`. Optional `demand:NAME`
//! columns (JSON: `"demand": {..}`) hold the true load while the metric itself is missing, for
//! scoring only; a `# startup-seconds: N` line sets the pods' start-up delay.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::SimulateError;

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
    /// The true load behind a metric when the trace hides it (an outage), for scoring only:
    /// no autoscaler sees it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub demand: BTreeMap<String, f64>,
}

/// A trace file: its samples and the start-up delay it names, if any.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    pub samples: Vec<Sample>,
    /// From a `# startup-seconds: N` line.
    pub startup_seconds: Option<u32>,
}

/// The `# startup-seconds: N` line of a trace's text, if any.
fn startup_line(text: &str) -> Result<Option<u32>, SimulateError> {
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix('#') else {
            continue;
        };
        if let Some(v) = rest.trim().strip_prefix("startup-seconds:") {
            return v.trim().parse().map(Some).map_err(|_| {
                SimulateError::Trace(format!("startup-seconds {:?} is not a number", v.trim()))
            });
        }
    }
    Ok(None)
}

#[derive(Deserialize)]
struct JsonSample {
    time: serde_json::Value,
    #[serde(default)]
    replicas: Option<u32>,
    #[serde(default)]
    metrics: BTreeMap<String, Option<f64>>,
    #[serde(default)]
    demand: BTreeMap<String, f64>,
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
    read_trace_file(path).map(|t| t.samples)
}

/// Read a trace with what it says about itself (the start-up delay).
pub fn read_trace_file(path: &Path) -> Result<Trace, SimulateError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimulateError::Read {
        path: path.display().to_string(),
        source,
    })?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        Ok(Trace {
            samples: parse_json_trace(&text)?,
            startup_seconds: None,
        })
    } else {
        Ok(Trace {
            samples: parse_csv_trace(&text)?,
            startup_seconds: startup_line(&text)?,
        })
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
                demand: s.demand,
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
        let mut demand = BTreeMap::new();
        for (i, h) in headers.iter().enumerate() {
            if i == time_col || Some(i) == replicas_col {
                continue;
            }
            if let Some(name) = h.strip_prefix("demand:") {
                let cell = record.get(i).unwrap_or("").trim();
                if !cell.is_empty() {
                    let v = cell.parse::<f64>().map_err(|_| {
                        SimulateError::Trace(format!("row {}: {h}={cell:?}", line + 2))
                    })?;
                    demand.insert(name.to_string(), v);
                }
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
            demand,
        });
    }
    Ok(samples)
}

/// Write samples as a CSV trace (what [`parse_csv_trace`] reads back), with `demand:` columns
/// for every metric any sample hides.
pub fn write_csv(samples: &[Sample], out: impl std::io::Write) -> csv::Result<()> {
    let names: Vec<&String> = samples
        .first()
        .map(|s| s.metrics.keys().collect())
        .unwrap_or_default();
    let mut hidden: Vec<&String> = samples.iter().flat_map(|s| s.demand.keys()).collect();
    hidden.sort();
    hidden.dedup();
    let with_replicas = samples.iter().any(|s| s.replicas.is_some());
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["time".to_string()];
    if with_replicas {
        header.push("replicas".into());
    }
    header.extend(names.iter().map(|n| n.to_string()));
    header.extend(hidden.iter().map(|n| format!("demand:{n}")));
    w.write_record(&header)?;
    let cell = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    for s in samples {
        let mut row = vec![s.time.to_string()];
        if with_replicas {
            row.push(s.replicas.map_or(String::new(), |r| r.to_string()));
        }
        row.extend(
            names
                .iter()
                .map(|n| cell(s.metrics.get(*n).copied().flatten())),
        );
        row.extend(hidden.iter().map(|n| cell(s.demand.get(*n).copied())));
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
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
    fn a_written_trace_reads_back_the_same() {
        let text = "time,conn,demand:conn\n0,5,\n15,,7\n";
        let s = parse_csv_trace(text).unwrap();
        let mut out = Vec::new();
        write_csv(&s, &mut out).unwrap();
        assert_eq!(
            parse_csv_trace(std::str::from_utf8(&out).unwrap()).unwrap(),
            s
        );
    }

    #[test]
    fn demand_columns_and_the_startup_line_are_read() {
        let text = "# startup-seconds: 90\ntime,conn,demand:conn\n0,5,\n15,,7\n";
        assert_eq!(startup_line(text).unwrap(), Some(90));
        let s = parse_csv_trace(text).unwrap();
        assert_eq!(s[1].metrics["conn"], None);
        assert_eq!(s[1].demand["conn"], 7.0);
        assert!(!s[0].metrics.contains_key("demand:conn"));
    }

    #[test]
    fn rfc3339_times_become_offsets() {
        let s =
            parse_csv_trace("time,conn\n2026-01-01T00:00:00Z,1\n2026-01-01T00:00:15Z,2\n").unwrap();
        assert_eq!((s[0].time, s[1].time), (0, 15));
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
