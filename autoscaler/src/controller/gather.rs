//! Gather: everything a decision needs from the outside world, for the controller and for
//! `evaluate` alike: the baseline ConfigMap, and per metric its reading and its target
//! (threshold resolution: history, then baseline, then the fixed value).

use std::time::SystemTime;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Client;
use kube::api::Api;

use crate::baseline::{Baseline, history_query, resolve_threshold};
use crate::decision::{
    GuardObservation, MetricForecast, MetricObservation, MetricOutcome, Observations,
};
use crate::forecast::{combine, forecast_query};
use crate::metrics::Metrics;
use crate::policy::{MetricSpec, MetricStatus, ValidPolicy, duration_seconds};
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
    /// True for a guard: `observation` then holds its limit as the target.
    pub guard: bool,
    /// The input to the decision (value `None` when unknown, or when there is no target yet).
    pub observation: MetricObservation,
    /// The expected peak within the horizon, for a metric with `forecast`.
    pub forecast: Option<MetricForecast>,
    /// The status entry as the controller writes it (ratio and proposal filled in after deciding).
    pub status: MetricStatus,
    /// Set when the policy, not the source, is at fault (a rejected or ambiguous query).
    pub policy_error: Option<String>,
}

/// The forecast of one metric: each season's peak over the coming horizon, one season ago.
async fn gather_forecast(
    reader: &dyn MetricReader,
    policy: &ValidPolicy,
    m: &MetricSpec,
    target: Option<f64>,
) -> Option<MetricForecast> {
    let (f, p, target) = (m.forecast.as_ref()?, m.prometheus.as_ref()?, target?);
    let horizon = policy.forecast_horizon(m);
    let mut peaks = Vec::new();
    for season in &f.seasons {
        let secs = duration_seconds(season)?;
        let q = forecast_query(&p.query, secs, horizon, &f.resolution);
        let peak = match reader.promql(&q).await {
            Ok(r) => r.value(),
            Err(e) => {
                tracing::info!(metric = %m.name, season, error = %e, "no forecast for this season");
                None
            }
        };
        peaks.push((season.clone(), peak));
    }
    let (peak, basis) = combine(&peaks);
    Some(MetricForecast {
        name: m.name.clone(),
        target,
        peak,
        basis: format!("{basis}, next {horizon} s"),
    })
}

/// Read one metric, resolve its target and its forecast. Source errors are counted in `metrics`.
pub async fn gather_metric(
    reader: &dyn MetricReader,
    metrics: &Metrics,
    policy: &ValidPolicy,
    m: &MetricSpec,
    baseline: Option<&Baseline>,
    now: SystemTime,
) -> Gathered {
    let stale_after = policy.stale_after_seconds;
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
    let forecast = gather_forecast(reader, policy, m, known.then_some(target)).await;
    Gathered {
        guard: m.is_guard(),
        forecast: forecast.clone(),
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
            role: m.role.as_str().into(),
            forecast: forecast.and_then(|f| f.peak),
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
    futures::future::join_all(
        policy
            .metrics
            .iter()
            .map(|m| gather_metric(reader, metrics, policy, m, baseline, now)),
    )
    .await
}

/// The decision's input from what was gathered: scaling metrics, guards and forecasts.
pub fn observations(gathered: &[Gathered], now: i64, current: u32, ready: u32) -> Observations {
    Observations {
        now,
        current_replicas: current,
        ready_replicas: ready,
        metrics: gathered
            .iter()
            .filter(|g| !g.guard)
            .map(|g| g.observation.clone())
            .collect(),
        guards: gathered
            .iter()
            .filter(|g| g.guard)
            .map(|g| GuardObservation {
                name: g.observation.name.clone(),
                limit: g.observation.target,
                value: g.observation.value,
            })
            .collect(),
        forecasts: gathered.iter().filter_map(|g| g.forecast.clone()).collect(),
    }
}

/// The status entries after deciding: each gathered status with its metric's ratio and proposal.
pub fn metric_status(gathered: &[Gathered], outcomes: &[MetricOutcome]) -> Vec<MetricStatus> {
    gathered
        .iter()
        .map(
            |g| match outcomes.iter().find(|o| o.name == g.status.name) {
                Some(o) if !g.guard => MetricStatus {
                    ratio: o.ratio,
                    proposal: o.proposal,
                    ..g.status.clone()
                },
                _ => g.status.clone(),
            },
        )
        .collect()
}
