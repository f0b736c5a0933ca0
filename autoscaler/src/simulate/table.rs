//! The text table of a replay (and of `evaluate`): one aligned row per step as it comes, then a
//! summary per autoscaler.

use super::replay::{Replay, Scores};
use crate::step::Step;

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
    /// A table written to `out`; `only_changes` skips the rows where neither side changes.
    pub fn new(out: W, only_changes: bool) -> Self {
        Self {
            out,
            only_changes,
            names: None,
        }
    }

    /// The writer, for lines of one's own between rows (`evaluate` prints details).
    pub fn out(&mut self) -> &mut W {
        &mut self.out
    }

    /// Print one step's row (and the header before the first).
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
                    " {:>12} {:<18} {:>12} {:>12}  note",
                    "ours", "reason", "plain_hpa", "keda"
                )?;
                self.names.insert(names)
            }
        };
        if self.only_changes && !s.ours.changes() && !s.hpa.changes() && !s.keda.changes() {
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
        let keda = format!("{}->{}", s.keda.current, s.keda.desired);
        let note = if s.ours.desired != s.hpa.desired {
            "differs"
        } else {
            ""
        };
        writeln!(
            out,
            " {ours:>12} {:<18} {hpa:>12} {keda:>12}  {note}",
            s.ours.reason.as_str()
        )
    }

    /// Print the summary lines and hand the writer back.
    pub fn finish(mut self, scores: &Scores) -> std::io::Result<W> {
        for (who, t) in [
            ("ours", &scores.ours),
            ("plain_hpa", &scores.hpa),
            ("keda", &scores.keda),
        ] {
            writeln!(
                self.out,
                "summary {who}: overload_pod_s={:.0} samples_over_target={} pod_hours={:.1} scale_events={} direction_changes={} churn={} replicas={}..{} scale_downs_in_outage={}",
                t.overload_pod_seconds,
                t.samples_over_target,
                t.pod_hours,
                t.scale_events,
                t.direction_changes,
                t.churn(),
                t.min_replicas,
                t.max_replicas,
                t.scale_downs_in_outage
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
    let out = w.finish(&replay.scores).unwrap_or_default();
    String::from_utf8(out).unwrap_or_default()
}
