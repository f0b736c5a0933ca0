//! What every reconcile shares: the client, the metric reader, the metrics, the Event recorder,
//! the leader flag, and the per-policy state (decision history, last run) that the HPA and
//! Knative also keep in memory; and forgetting that state when a policy is deleted.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use kube::Client;
use kube::runtime::events::{Recorder, Reporter};

use crate::decision::{Decision, DecisionConfig, History};
use crate::metrics::Metrics;
use crate::sources::MetricReader;

/// The field manager for server-side apply, and the Event reporter.
pub const MANAGER: &str = "notejam-autoscaler";

/// Errors that fail a reconcile (and are retried); policy problems are status, not errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Kubernetes API: {0}")]
    Kube(#[from] kube::Error),
    #[error("the policy has no namespace")]
    NoNamespace,
}

impl Error {
    /// A bounded label for `notejam_autoscaler_reconcile_errors_total`.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Error::Kube(kube::Error::Api(_)) => "kube_api",
            Error::Kube(_) => "kube_client",
            Error::NoNamespace => "no_namespace",
        }
    }
}

/// Shared by every reconcile.
pub struct Context {
    pub client: Client,
    pub reader: Arc<dyn MetricReader>,
    pub metrics: Metrics,
    pub recorder: Recorder,
    /// Set by the lease loop; only the leader acts.
    pub leader: Arc<AtomicBool>,
    /// Decision history per policy (`namespace/name`), like the HPA's in-memory recommendations.
    histories: Mutex<HashMap<String, History>>,
    /// When each policy was last acted on, and at which generation: our own status writes
    /// trigger the watch, and must not make the controller decide faster than `intervalSeconds`.
    last_run: Mutex<HashMap<String, (Instant, Option<i64>)>>,
}

impl Context {
    pub fn new(
        client: Client,
        reader: Arc<dyn MetricReader>,
        metrics: Metrics,
        leader: Arc<AtomicBool>,
        instance: Option<String>,
    ) -> Self {
        let recorder = Recorder::new(
            client.clone(),
            Reporter {
                controller: MANAGER.into(),
                instance,
            },
        );
        Self {
            client,
            reader,
            metrics,
            recorder,
            leader,
            histories: Mutex::new(HashMap::new()),
            last_run: Mutex::new(HashMap::new()),
        }
    }

    /// When `key` last ran (and at which generation), if it has.
    pub(super) fn last_run(&self, key: &str) -> Option<(Instant, Option<i64>)> {
        self.last_run
            .lock()
            .expect("last-run lock")
            .get(key)
            .copied()
    }

    /// Note that `key` runs now, at `generation`.
    pub(super) fn mark_run(&self, key: &str, generation: Option<i64>) {
        self.last_run
            .lock()
            .expect("last-run lock")
            .insert(key.to_string(), (Instant::now(), generation));
    }

    /// The decision history of `key` (empty for a policy not seen yet).
    pub(super) fn history(&self, key: &str) -> History {
        let histories = self.histories.lock().expect("history lock");
        histories.get(key).cloned().unwrap_or_default()
    }

    /// Remember a decision in `key`'s history.
    pub(super) fn record(
        &self,
        key: &str,
        config: &DecisionConfig,
        decision: &Decision,
        now: i64,
        applied: bool,
    ) {
        let mut histories = self.histories.lock().expect("history lock");
        histories
            .entry(key.to_string())
            .or_default()
            .record(config, decision, now, applied);
    }

    /// True while anything is kept for `key` (`namespace/name`).
    pub fn remembers(&self, key: &str) -> bool {
        self.histories
            .lock()
            .expect("history lock")
            .contains_key(key)
            || self
                .last_run
                .lock()
                .expect("last-run lock")
                .contains_key(key)
    }

    /// A policy was deleted: drop its history, its last run and its gauges (counters stay).
    pub fn forget_policy(&self, key: &str) {
        self.histories.lock().expect("history lock").remove(key);
        self.last_run.lock().expect("last-run lock").remove(key);
        let name = key.rsplit('/').next().unwrap_or(key);
        self.metrics.forget_policy(name);
    }

    /// Forget every policy not among `present` (`namespace/name` keys); returns the keys dropped.
    pub fn forget_absent(&self, present: &HashSet<String>) -> Vec<String> {
        let mut known: HashSet<String> = self
            .histories
            .lock()
            .expect("history lock")
            .keys()
            .cloned()
            .collect();
        known.extend(self.last_run.lock().expect("last-run lock").keys().cloned());
        let mut gone: Vec<String> = known.difference(present).cloned().collect();
        gone.sort();
        for key in &gone {
            tracing::info!(policy = %key, "the policy was deleted; forgetting its history and series");
            self.forget_policy(key);
        }
        gone
    }
}
