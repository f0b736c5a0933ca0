//! Gather: everything a decision needs from the outside world, for the controller and for
//! `evaluate` alike: the policy validated, the baseline ConfigMap, the Deployment's replicas, and
//! per metric its reading, its target (history, then baseline, then the fixed value) and its
//! forecast. A problem with the policy is a [`Refusal`], not an error.

use std::time::SystemTime;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use kube::{Client, ResourceExt};

use super::context::{Context, Error};
use crate::baseline::{Baseline, history_query, resolve_threshold};
use crate::decision::{
    GuardObservation, MetricForecast, MetricObservation, MetricOutcome, Observations,
};
use crate::forecast::{combine, forecast_query};
use crate::metrics::Metrics;
use crate::policy::{MetricSpec, MetricStatus, ScalingPolicy, ValidPolicy, duration_seconds};
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

/// Why a policy is not acted on: a refusal reason (`InvalidSpec`, `BaselineMissing`, ...) and a message.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub reason: String,
    pub message: String,
}

impl Refusal {
    fn new(reason: &str, message: String) -> Self {
        Self {
            reason: reason.into(),
            message,
        }
    }
}

/// Everything gathered for one decision of one policy.
pub struct Inputs {
    pub valid: ValidPolicy,
    pub baseline: Option<Baseline>,
    /// The Deployment's `spec.replicas` and ready replicas.
    pub current: u32,
    pub ready: u32,
    pub gathered: Vec<Gathered>,
    /// Seconds since the Unix epoch when the metrics were read.
    pub now_secs: i64,
}

impl Inputs {
    /// The decision's input.
    pub fn observations(&self) -> Observations {
        observations(&self.gathered, self.now_secs, self.current, self.ready)
    }
}

/// A Deployment's `spec.replicas` (1 when unset, as the API defaults it) and ready replicas.
pub fn replicas_of(d: &Deployment) -> (u32, u32) {
    let current = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1).max(0) as u32;
    let ready = d
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0)
        .max(0) as u32;
    (current, ready)
}

/// Validate `policy`, read its baseline, its Deployment and its metrics. The policy's bounds
/// and baseline figures are recorded in `ctx.metrics` as they are read.
pub(super) async fn inputs(
    ctx: &Context,
    policy: &ScalingPolicy,
    ns: &str,
) -> Result<Result<Inputs, Refusal>, Error> {
    let spec = &policy.spec;
    let name = policy.name_any();
    let valid = match spec.validate() {
        Ok(v) => v,
        Err(problems) => return Ok(Err(Refusal::new("InvalidSpec", problems.join("; ")))),
    };
    let m = &ctx.metrics;
    m.set(
        "notejam_autoscaler_min_replicas",
        &[("policy", &name)],
        f64::from(spec.min_replicas),
    );
    m.set(
        "notejam_autoscaler_max_replicas",
        &[("policy", &name)],
        f64::from(spec.max_replicas),
    );
    let needs_baseline = spec
        .metrics
        .iter()
        .any(|m| m.target.from_baseline.is_some());
    let baseline = match (&spec.baseline, needs_baseline) {
        (Some(b), true) => match load_baseline(&ctx.client, ns, &b.config_map, &b.key).await {
            Ok(b) => Some(b),
            Err((reason, message)) => return Ok(Err(Refusal { reason, message })),
        },
        _ => None,
    };
    if let Some(b) = &baseline {
        for (field, v) in [
            ("normal_connections_per_pod", b.normal_connections_per_pod),
            (
                "capacity_connections_per_pod",
                b.capacity_connections_per_pod,
            ),
            ("capacity_rps_per_pod", b.capacity_rps_per_pod),
        ] {
            m.set(
                "notejam_autoscaler_baseline_value",
                &[("policy", &name), ("field", field)],
                v,
            );
        }
    }
    let deployments: Api<Deployment> = Api::namespaced(ctx.client.clone(), ns);
    let target = &spec.target_ref.name;
    let Some(deployment) = deployments.get_opt(target).await? else {
        let message = format!("Deployment {target} not found in {ns}");
        return Ok(Err(Refusal::new("TargetNotFound", message)));
    };
    let (current, ready) = replicas_of(&deployment);
    let now = SystemTime::now();
    let gathered = gather_all(ctx.reader.as_ref(), m, &valid, baseline.as_ref(), now).await;
    let policy_errors: Vec<&str> = gathered
        .iter()
        .filter_map(|g| g.policy_error.as_deref())
        .collect();
    if !policy_errors.is_empty() {
        return Ok(Err(Refusal::new("QueryInvalid", policy_errors.join("; "))));
    }
    let now_secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    Ok(Ok(Inputs {
        valid,
        baseline,
        current,
        ready,
        gathered,
        now_secs,
    }))
}
