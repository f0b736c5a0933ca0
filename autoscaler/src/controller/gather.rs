//! Gather: everything a decision needs from the outside world, for the controller and for
//! `evaluate` alike: the baseline ConfigMap, and per metric its reading and its target
//! (threshold resolution: history, then baseline, then the fixed value).

use std::time::SystemTime;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Client;
use kube::api::Api;

use crate::baseline::{Baseline, history_query, resolve_threshold};
use crate::decision::MetricObservation;
use crate::metrics::Metrics;
use crate::policy::{MetricSpec, MetricStatus, ValidPolicy};
use crate::sources::{MetricReader, Reading};

/// Why a baseline could not be had: a refusal reason (`BaselineMissing`, `BaselineInvalid`) and a message.
pub type BaselineProblem = (String, String);

/// Read and parse the baseline file from a ConfigMap key.
pub async fn load_baseline(
    client: &Client,
    ns: &str,
    config_map: &str,
    key: &str,
) -> Result<Baseline, BaselineProblem> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let cm = match api.get_opt(config_map).await {
        Ok(Some(cm)) => cm,
        Ok(None) => {
            return Err((
                "BaselineMissing".into(),
                format!("ConfigMap {config_map} not found"),
            ));
        }
        Err(e) => {
            return Err((
                "BaselineMissing".into(),
                format!("cannot read ConfigMap {config_map}: {e}"),
            ));
        }
    };
    let text = cm.data.as_ref().and_then(|d| d.get(key)).ok_or_else(|| {
        (
            "BaselineMissing".to_string(),
            format!("ConfigMap {config_map} has no key {key}"),
        )
    })?;
    Baseline::parse(text).map_err(|e| {
        (
            "BaselineInvalid".to_string(),
            format!("ConfigMap {config_map}/{key}: {e}"),
        )
    })
}

/// One metric after reading: what the decision and the status need.
#[derive(Clone, Debug)]
pub struct Gathered {
    /// The input to the decision (value `None` when unknown, or when there is no target yet).
    pub observation: MetricObservation,
    /// The status entry as the controller writes it (ratio and proposal filled in after deciding).
    pub status: MetricStatus,
    /// Set when the policy, not the source, is at fault (a rejected or ambiguous query).
    pub policy_error: Option<String>,
}

/// Read one metric and resolve its target. Source errors are counted in `metrics`.
pub async fn gather_metric(
    reader: &dyn MetricReader,
    metrics: &Metrics,
    m: &MetricSpec,
    baseline: Option<&Baseline>,
    now: SystemTime,
    stale_after: u32,
) -> Gathered {
    let history_value = match &m.target.from_history {
        Some(h) => match reader.promql(&history_query(h)).await {
            Ok(r) => r.value(),
            Err(e) => {
                tracing::info!(metric = %m.name, error = %e, "no history threshold; trying the baseline");
                None
            }
        },
        None => None,
    };
    let threshold = resolve_threshold(m, history_value, baseline);
    let reading = reader.read(m, now, stale_after).await;
    let (value, state, message, policy_error) = match reading {
        Ok(Reading::Value(v)) => (Some(v), "ok", None, None),
        Ok(Reading::Missing(why)) => (None, "missing", Some(why), None),
        Ok(Reading::Stale(why)) => (None, "stale", Some(why), None),
        Err(e) => {
            let source = if m.prometheus.is_some() {
                "prometheus"
            } else {
                "cloudwatch"
            };
            metrics.inc(
                "notejam_autoscaler_source_errors_total",
                &[("source", source), ("kind", e.kind())],
            );
            let policy_error = e
                .is_policy_error()
                .then(|| format!("metric {}: {e}", m.name));
            (None, "error", Some(e.to_string()), policy_error)
        }
    };
    let (target, source, note) = match &threshold {
        Some(t) => (
            t.value,
            Some(t.source.as_str().to_string()),
            Some(t.note.clone()),
        ),
        // No target yet (history-only and no history): unknown, so the decision holds.
        None => (
            1.0,
            None,
            Some("no target: no history yet and no baseline or fixed value".to_string()),
        ),
    };
    let known = threshold.is_some();
    Gathered {
        observation: MetricObservation {
            name: m.name.clone(),
            kind: m.target_kind(),
            target,
            value: if known { value } else { None },
        },
        status: MetricStatus {
            name: m.name.clone(),
            state: state.into(),
            value,
            target: known.then_some(target),
            threshold_source: source,
            ratio: None,
            proposal: None,
            message: match (message, note) {
                (Some(m), _) => Some(m),
                (None, n) => n,
            },
        },
        policy_error,
    }
}

/// Read every metric of a policy at once.
pub async fn gather_all(
    reader: &dyn MetricReader,
    metrics: &Metrics,
    policy: &ValidPolicy,
    baseline: Option<&Baseline>,
    now: SystemTime,
) -> Vec<Gathered> {
    futures::future::join_all(policy.metrics.iter().map(|m| {
        gather_metric(
            reader,
            metrics,
            m,
            baseline,
            now,
            policy.stale_after_seconds,
        )
    }))
    .await
}

/// The status entries after deciding: each gathered status with the decision's ratio and proposal.
pub fn metric_status(
    gathered: &[Gathered],
    outcomes: &[crate::decision::MetricOutcome],
) -> Vec<MetricStatus> {
    gathered
        .iter()
        .zip(outcomes)
        .map(|(g, o)| MetricStatus {
            ratio: o.ratio,
            proposal: o.proposal,
            ..g.status.clone()
        })
        .collect()
}
