//! The autoscaler's own metrics, rendered in the Prometheus text format on `/metrics`.
//!
//! A small registry of our own rather than the `metrics` crate, because a missing value must
//! have *no* sample (never 0) and a deleted policy must lose its series: both need removal.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

type Labels = Vec<(&'static str, String)>;

#[derive(Default)]
struct Family {
    help: &'static str,
    kind: &'static str,
    series: BTreeMap<Labels, f64>,
}

/// All series, by metric name. Cheap to clone (shared).
#[derive(Clone, Default)]
pub struct Metrics {
    families: Arc<Mutex<BTreeMap<&'static str, Family>>>,
}

const DEFS: &[(&str, &str, &str)] = &[
    (
        "notejam_autoscaler_desired_replicas",
        "gauge",
        "Replicas after stabilisation and limits.",
    ),
    (
        "notejam_autoscaler_current_replicas",
        "gauge",
        "Replicas of the target when last observed.",
    ),
    (
        "notejam_autoscaler_min_replicas",
        "gauge",
        "The policy's minReplicas.",
    ),
    (
        "notejam_autoscaler_max_replicas",
        "gauge",
        "The policy's maxReplicas.",
    ),
    (
        "notejam_autoscaler_metric_value",
        "gauge",
        "Last observed value; no sample while missing or stale.",
    ),
    (
        "notejam_autoscaler_metric_target",
        "gauge",
        "The per-pod target in use, by the source that set it.",
    ),
    (
        "notejam_autoscaler_metric_ratio",
        "gauge",
        "Usage over target that the decision used.",
    ),
    (
        "notejam_autoscaler_decisions_total",
        "counter",
        "Decisions made, by reason.",
    ),
    (
        "notejam_autoscaler_holding",
        "gauge",
        "1 while holding because a metric is missing or stale.",
    ),
    (
        "notejam_autoscaler_panic",
        "gauge",
        "1 while in panic mode (a burst: scale-up at once, no scale-down).",
    ),
    (
        "notejam_autoscaler_forecast_replicas",
        "gauge",
        "Replicas the forecast asks for as a floor; no sample without history.",
    ),
    (
        "notejam_autoscaler_baseline_value",
        "gauge",
        "Figures read from the baseline file.",
    ),
    (
        "notejam_autoscaler_reconcile_errors_total",
        "counter",
        "Reconciliations that failed, by error.",
    ),
    (
        "notejam_autoscaler_source_errors_total",
        "counter",
        "Metric reads that failed, by source and kind.",
    ),
    (
        "notejam_autoscaler_leader",
        "gauge",
        "1 while this replica holds the leader lease.",
    ),
];

impl Metrics {
    pub fn new() -> Self {
        let m = Self::default();
        {
            let mut f = m.families.lock().expect("metrics lock");
            for (name, kind, help) in DEFS {
                f.insert(
                    name,
                    Family {
                        help,
                        kind,
                        series: BTreeMap::new(),
                    },
                );
            }
        }
        m
    }

    fn with<R>(&self, name: &'static str, f: impl FnOnce(&mut Family) -> R) -> R {
        let mut families = self.families.lock().expect("metrics lock");
        let fam = families.entry(name).or_insert_with(|| Family {
            help: "",
            kind: "gauge",
            series: BTreeMap::new(),
        });
        f(fam)
    }

    pub fn set(&self, name: &'static str, labels: &[(&'static str, &str)], value: f64) {
        let key: Labels = labels.iter().map(|(k, v)| (*k, v.to_string())).collect();
        self.with(name, |f| f.series.insert(key, value));
    }

    pub fn inc(&self, name: &'static str, labels: &[(&'static str, &str)]) {
        let key: Labels = labels.iter().map(|(k, v)| (*k, v.to_string())).collect();
        self.with(name, |f| *f.series.entry(key).or_insert(0.0) += 1.0);
    }

    /// Remove the series of `name` whose labels include all of `matching`.
    pub fn remove(&self, name: &'static str, matching: &[(&'static str, &str)]) {
        self.with(name, |f| {
            f.series.retain(|labels, _| {
                !matching
                    .iter()
                    .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
            })
        });
    }

    /// Drop every gauge of a policy (it was deleted); counters are kept, as Prometheus expects.
    pub fn forget_policy(&self, policy: &str) {
        let mut families = self.families.lock().expect("metrics lock");
        for fam in families.values_mut().filter(|f| f.kind == "gauge") {
            fam.series
                .retain(|labels, _| !labels.iter().any(|(k, v)| *k == "policy" && v == policy));
        }
    }

    /// Current value of one series, for tests and diagnostics.
    pub fn get(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Option<f64> {
        let key: Labels = labels.iter().map(|(k, v)| (*k, v.to_string())).collect();
        self.with(name, |f| f.series.get(&key).copied())
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let families = self.families.lock().expect("metrics lock");
        let mut out = String::new();
        for (name, fam) in families.iter() {
            let _ = writeln!(out, "# HELP {name} {}", fam.help);
            let _ = writeln!(out, "# TYPE {name} {}", fam.kind);
            for (labels, value) in &fam.series {
                let _ = write!(out, "{name}");
                if !labels.is_empty() {
                    let body: Vec<String> = labels
                        .iter()
                        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                        .collect();
                    let _ = write!(out, "{{{}}}", body.join(","));
                }
                let _ = writeln!(out, " {value}");
            }
        }
        out
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_removes_series() {
        let m = Metrics::new();
        m.set(
            "notejam_autoscaler_metric_value",
            &[("policy", "p"), ("metric", "conns")],
            42.0,
        );
        m.inc(
            "notejam_autoscaler_decisions_total",
            &[("policy", "p"), ("reason", "ScaleUp")],
        );
        m.inc(
            "notejam_autoscaler_decisions_total",
            &[("policy", "p"), ("reason", "ScaleUp")],
        );
        let text = m.render();
        assert!(
            text.contains("notejam_autoscaler_metric_value{policy=\"p\",metric=\"conns\"} 42\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "notejam_autoscaler_decisions_total{policy=\"p\",reason=\"ScaleUp\"} 2\n"
            )
        );
        assert!(text.contains("# TYPE notejam_autoscaler_decisions_total counter"));
        m.remove(
            "notejam_autoscaler_metric_value",
            &[("policy", "p"), ("metric", "conns")],
        );
        assert!(!m.render().contains("notejam_autoscaler_metric_value{"));
        m.set("notejam_autoscaler_holding", &[("policy", "p")], 1.0);
        m.forget_policy("p");
        assert!(!m.render().contains("notejam_autoscaler_holding{"));
        assert!(m.render().contains("notejam_autoscaler_decisions_total{"));
    }
}
