//! The autoscaler's own metrics on `/metrics`, kept in a `prometheus-client` registry.
//!
//! A missing value must have *no* sample (never 0) and a deleted policy must lose its series, so
//! every family here supports removal; `prometheus-client` families remove a label set but cannot
//! list theirs, so the label sets in use are remembered beside them (for partial matches and
//! for forgetting a policy). Help texts carry no final period: the encoder adds one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

type Labels = Vec<(String, String)>;
type GaugeFamily = Family<Labels, Gauge<f64, AtomicU64>>;
type CounterFamily = Family<Labels, Counter>;
type HistogramFamily = Family<Labels, Histogram, fn() -> Histogram>;

const GAUGES: &[(&str, &str)] = &[
    (
        "notejam_autoscaler_desired_replicas",
        "Replicas after stabilisation and limits",
    ),
    (
        "notejam_autoscaler_current_replicas",
        "Replicas of the target when last observed",
    ),
    (
        "notejam_autoscaler_min_replicas",
        "The policy's minReplicas",
    ),
    (
        "notejam_autoscaler_max_replicas",
        "The policy's maxReplicas",
    ),
    (
        "notejam_autoscaler_metric_value",
        "Last observed value; no sample while missing or stale",
    ),
    (
        "notejam_autoscaler_metric_target",
        "The per-pod target in use, by the source that set it",
    ),
    (
        "notejam_autoscaler_metric_ratio",
        "Usage over target that the decision used",
    ),
    (
        "notejam_autoscaler_holding",
        "1 while holding because a metric is missing or stale",
    ),
    (
        "notejam_autoscaler_panic",
        "1 while in panic mode (a burst: scale-up at once, no scale-down)",
    ),
    (
        "notejam_autoscaler_forecast_replicas",
        "Replicas the forecast asks for as a floor; no sample without history",
    ),
    (
        "notejam_autoscaler_baseline_value",
        "Figures read from the baseline file",
    ),
    (
        "notejam_autoscaler_leader",
        "1 while this replica holds the leader lease",
    ),
];

// Counter names without `_total`: prometheus-client adds the suffix itself.
const COUNTERS: &[(&str, &str)] = &[
    (
        "notejam_autoscaler_decisions_total",
        "Decisions made, by reason",
    ),
    (
        "notejam_autoscaler_reconcile_errors_total",
        "Reconciliations that failed, by error",
    ),
    (
        "notejam_autoscaler_source_errors_total",
        "Metric reads that failed, by source and kind",
    ),
];

const RECONCILE_DURATION: &str = "notejam_autoscaler_reconcile_duration_seconds";

fn reconcile_histogram() -> Histogram {
    // 5 ms to about 20 s: a reconcile is a few API calls and metric queries with timeouts.
    Histogram::new(exponential_buckets(0.005, 2.0, 12))
}

struct Inner {
    registry: Registry,
    gauges: BTreeMap<&'static str, GaugeFamily>,
    counters: BTreeMap<&'static str, CounterFamily>,
    reconcile: HistogramFamily,
    /// The label sets in use, per family name.
    live: Mutex<BTreeMap<&'static str, BTreeSet<Labels>>>,
}

/// All series. Cheap to clone (shared).
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn owned(labels: &[(&'static str, &str)]) -> Labels {
    labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn matches(labels: &Labels, matching: &[(&'static str, &str)]) -> bool {
    matching
        .iter()
        .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
}

impl Metrics {
    /// A registry with every family the autoscaler writes.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let mut gauges = BTreeMap::new();
        for (name, help) in GAUGES {
            let f = GaugeFamily::default();
            registry.register(*name, *help, f.clone());
            gauges.insert(*name, f);
        }
        let mut counters = BTreeMap::new();
        for (name, help) in COUNTERS {
            let f = CounterFamily::default();
            let base = name.strip_suffix("_total").unwrap_or(name);
            registry.register(base, *help, f.clone());
            counters.insert(*name, f);
        }
        let reconcile = HistogramFamily::new_with_constructor(reconcile_histogram);
        registry.register_with_unit(
            RECONCILE_DURATION
                .strip_suffix("_seconds")
                .unwrap_or(RECONCILE_DURATION),
            "Time one reconcile of a policy took, by policy",
            Unit::Seconds,
            reconcile.clone(),
        );
        Self {
            inner: Arc::new(Inner {
                registry,
                gauges,
                counters,
                reconcile,
                live: Mutex::new(BTreeMap::new()),
            }),
        }
    }

    fn remember(&self, name: &'static str, labels: &Labels) {
        let mut live = self.inner.live.lock().expect("metrics lock");
        live.entry(name).or_default().insert(labels.clone());
    }

    /// Set a gauge. An unknown name is a programming error, caught in debug builds.
    pub fn set(&self, name: &'static str, labels: &[(&'static str, &str)], value: f64) {
        let Some(f) = self.inner.gauges.get(name) else {
            debug_assert!(false, "no gauge {name}");
            return;
        };
        let labels = owned(labels);
        f.get_or_create(&labels).set(value);
        self.remember(name, &labels);
    }

    /// Add one to a counter.
    pub fn inc(&self, name: &'static str, labels: &[(&'static str, &str)]) {
        let Some(f) = self.inner.counters.get(name) else {
            debug_assert!(false, "no counter {name}");
            return;
        };
        let labels = owned(labels);
        f.get_or_create(&labels).inc();
        self.remember(name, &labels);
    }

    /// Record how long one reconcile of `policy` took.
    pub fn observe_reconcile(&self, policy: &str, seconds: f64) {
        let labels = vec![("policy".to_string(), policy.to_string())];
        self.inner.reconcile.get_or_create(&labels).observe(seconds);
        self.remember(RECONCILE_DURATION, &labels);
    }

    /// Remove the series of gauge `name` whose labels include all of `matching`.
    pub fn remove(&self, name: &'static str, matching: &[(&'static str, &str)]) {
        let Some(f) = self.inner.gauges.get(name) else {
            return;
        };
        let mut live = self.inner.live.lock().expect("metrics lock");
        if let Some(sets) = live.get_mut(name) {
            sets.retain(|labels| {
                let gone = matches(labels, matching);
                if gone {
                    f.remove(labels);
                }
                !gone
            });
        }
    }

    /// Drop every gauge and duration series of a policy (it was deleted); counters are kept,
    /// as Prometheus expects of counters.
    pub fn forget_policy(&self, policy: &str) {
        let mut live = self.inner.live.lock().expect("metrics lock");
        let matching = [("policy", policy)];
        for (name, sets) in live.iter_mut() {
            let gauge = self.inner.gauges.get(name);
            let duration = *name == RECONCILE_DURATION;
            if gauge.is_none() && !duration {
                continue;
            }
            sets.retain(|labels| {
                let gone = matches(labels, &matching);
                if gone {
                    match gauge {
                        Some(g) => {
                            g.remove(labels);
                        }
                        None => {
                            self.inner.reconcile.remove(labels);
                        }
                    }
                }
                !gone
            });
        }
    }

    /// Current value of one gauge or counter series, for tests and diagnostics.
    pub fn get(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Option<f64> {
        let labels = owned(labels);
        if let Some(g) = self.inner.gauges.get(name) {
            return g.get(&labels).map(|g| g.get());
        }
        let c = self.inner.counters.get(name)?;
        c.get(&labels).map(|c| c.get() as f64)
    }

    /// How many reconciles of `policy` were timed, as `/metrics` says (the histogram's count is
    /// only readable through the exposition).
    pub fn reconciles_timed(&self, policy: &str) -> u64 {
        let needle = format!("{RECONCILE_DURATION}_count{{policy=\"{policy}\"}} ");
        self.render()
            .lines()
            .find_map(|l| l.strip_prefix(&needle))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.inner.registry);
        out
    }
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
            text.contains("notejam_autoscaler_metric_value{policy=\"p\",metric=\"conns\"} 42.0\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "notejam_autoscaler_decisions_total{policy=\"p\",reason=\"ScaleUp\"} 2\n"
            ),
            "{text}"
        );
        assert!(text.contains("# TYPE notejam_autoscaler_decisions counter"));
        assert_eq!(
            m.get(
                "notejam_autoscaler_decisions_total",
                &[("policy", "p"), ("reason", "ScaleUp")]
            ),
            Some(2.0)
        );
        m.remove(
            "notejam_autoscaler_metric_value",
            &[("policy", "p"), ("metric", "conns")],
        );
        assert!(!m.render().contains("notejam_autoscaler_metric_value{"));
        m.set("notejam_autoscaler_holding", &[("policy", "p")], 1.0);
        m.set("notejam_autoscaler_holding", &[("policy", "q")], 0.0);
        m.observe_reconcile("p", 0.02);
        assert_eq!(m.reconciles_timed("p"), 1);
        m.forget_policy("p");
        let text = m.render();
        assert!(
            !text.contains("notejam_autoscaler_holding{policy=\"p\"}"),
            "{text}"
        );
        assert!(
            text.contains("notejam_autoscaler_holding{policy=\"q\"}"),
            "{text}"
        );
        assert!(text.contains("notejam_autoscaler_decisions_total{"));
        assert_eq!(m.reconciles_timed("p"), 0);
    }

    #[test]
    fn a_gauge_without_labels_renders_bare() {
        let m = Metrics::new();
        m.set("notejam_autoscaler_leader", &[], 1.0);
        assert!(
            m.render().contains("\nnotejam_autoscaler_leader 1.0\n"),
            "{}",
            m.render()
        );
    }

    #[test]
    fn partial_matches_remove_every_source_of_a_target() {
        let m = Metrics::new();
        let t = "notejam_autoscaler_metric_target";
        m.set(
            t,
            &[("policy", "p"), ("metric", "c"), ("source", "fixed")],
            1.0,
        );
        m.set(
            t,
            &[("policy", "p"), ("metric", "c"), ("source", "history")],
            2.0,
        );
        m.set(
            t,
            &[("policy", "p"), ("metric", "d"), ("source", "fixed")],
            3.0,
        );
        m.remove(t, &[("policy", "p"), ("metric", "c")]);
        assert_eq!(
            m.get(t, &[("policy", "p"), ("metric", "c"), ("source", "fixed")]),
            None
        );
        assert_eq!(
            m.get(t, &[("policy", "p"), ("metric", "d"), ("source", "fixed")]),
            Some(3.0)
        );
    }
}
