//! The controller: watches `ScalingPolicy` objects and, on the leader, decides and acts on each.
//!
//! `reconcile` gathers inputs (policy, baseline, Deployment, metric readings), calls the pure
//! [`decide`], then acts by mode, records an Event for each change and writes status with
//! server-side apply. A bad policy gets a `Valid=False` condition and no scaling; the other
//! policies are reconciled independently and carry on.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::watcher;
use kube::{Client, Resource, ResourceExt};
use serde_json::{Value, json};

use crate::decision::{Decision, History, Reason, decide};
use crate::metrics::Metrics;
use crate::policy::{
    Condition, DecisionStatus, MetricSpec, MetricStatus, Mode, ScalingPolicy, ScalingPolicyStatus,
    TargetType,
};
use crate::sources::MetricReader;

pub mod gather;

use gather::{gather_all, load_baseline, metric_status, observations};

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
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A condition that keeps its `lastTransitionTime` while its status does not change.
fn condition(
    old: Option<&ScalingPolicyStatus>,
    type_: &str,
    ok: bool,
    reason: &str,
    message: &str,
) -> Condition {
    let status = if ok { "True" } else { "False" };
    let since = old
        .and_then(|s| s.conditions.iter().find(|c| c.type_ == type_))
        .filter(|c| c.status == status)
        .map(|c| c.last_transition_time.clone())
        .unwrap_or_else(now_rfc3339);
    Condition {
        type_: type_.into(),
        status: status.into(),
        reason: reason.into(),
        message: message.chars().take(1000).collect(),
        last_transition_time: since,
    }
}

async fn apply_status(
    policy: &ScalingPolicy,
    client: &Client,
    status: &ScalingPolicyStatus,
) -> Result<(), Error> {
    let ns = policy.namespace().ok_or(Error::NoNamespace)?;
    let api: Api<ScalingPolicy> = Api::namespaced(client.clone(), &ns);
    let patch = json!({
        "apiVersion": "autoscaling.notejam.io/v1alpha1",
        "kind": "ScalingPolicy",
        "status": status,
    });
    api.patch_status(
        &policy.name_any(),
        &PatchParams::apply(MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await?;
    Ok(())
}

async fn publish(
    ctx: &Context,
    policy: &ScalingPolicy,
    type_: EventType,
    reason: &str,
    action: &str,
    note: String,
) {
    let event = Event {
        type_,
        reason: reason.into(),
        note: Some(note.chars().take(1000).collect()),
        action: action.into(),
        secondary: None,
    };
    // An Event that cannot be written must not stop the scaling decision: log it and go on.
    if let Err(e) = ctx.recorder.publish(&event, &policy.object_ref(&())).await {
        tracing::warn!(error = %e, reason, "could not publish an Event");
    }
}

/// Report a policy problem: `Valid=False`, a Warning Event, no scaling. Not a reconcile error.
async fn refuse(
    policy: &ScalingPolicy,
    ctx: &Context,
    reason: &str,
    message: String,
) -> Result<Action, Error> {
    let name = policy.name_any();
    tracing::warn!(policy = %name, reason, message = %message, "policy refused; not scaling it");
    let old = policy.status.as_ref();
    let status = ScalingPolicyStatus {
        observed_generation: policy.metadata.generation,
        conditions: vec![
            condition(old, "Valid", false, reason, &message),
            condition(
                old,
                "ScalingActive",
                false,
                reason,
                "no scaling until the policy is fixed",
            ),
        ],
        current_replicas: old.and_then(|s| s.current_replicas),
        desired_replicas: None,
        last_decision: old.and_then(|s| s.last_decision.clone()),
        metrics: Vec::new(),
        last_scale_time: old.and_then(|s| s.last_scale_time.clone()),
    };
    ctx.metrics.inc(
        "notejam_autoscaler_decisions_total",
        &[("policy", &name), ("reason", reason)],
    );
    ctx.metrics
        .set("notejam_autoscaler_holding", &[("policy", &name)], 0.0);
    publish(ctx, policy, EventType::Warning, reason, "Validate", message).await;
    apply_status(policy, &ctx.client, &status).await?;
    Ok(Action::requeue(Duration::from_secs(60)))
}

fn quantity(v: f64) -> String {
    format!("{}m", (v * 1000.0).round() as i64)
}

fn hpa_metric_name(spec: &Value) -> Option<&str> {
    ["pods", "object", "external"]
        .iter()
        .find_map(|k| spec.get(*k)?.get("metric")?.get("name")?.as_str())
}

fn hpa_target(kind: TargetType, value: f64) -> Value {
    match kind {
        TargetType::AverageValue => {
            json!({"type": "AverageValue", "averageValue": quantity(value)})
        }
        TargetType::Value => json!({"type": "Value", "value": quantity(value)}),
    }
}

/// `tune` mode: write min/max and the derived targets into the HPA; create it if absent.
/// Returns whether anything changed.
async fn tune_hpa(
    ctx: &Context,
    policy: &ScalingPolicy,
    ns: &str,
    targets: &[(MetricSpec, Option<f64>)],
) -> Result<bool, Error> {
    let spec = &policy.spec;
    let name = spec
        .hpa_name
        .clone()
        .unwrap_or_else(|| spec.target_ref.name.clone());
    let api: Api<HorizontalPodAutoscaler> = Api::namespaced(ctx.client.clone(), ns);
    let existing = api.get_opt(&name).await?;
    let old_metrics: Vec<Value> = existing
        .as_ref()
        .and_then(|h| h.spec.as_ref())
        .and_then(|s| s.metrics.as_ref())
        .map(|ms| {
            ms.iter()
                .filter_map(|m| serde_json::to_value(m).ok())
                .collect()
        })
        .unwrap_or_default();
    let mut metrics = old_metrics.clone();
    for (m, target) in targets {
        let Some(target) = target else { continue };
        let wanted = m.hpa_metric_name.clone().unwrap_or_else(|| m.name.clone());
        let new_target = hpa_target(m.target.type_, *target);
        match metrics.iter_mut().find(|x| hpa_metric_name(x) == Some(wanted.as_str())) {
            Some(existing) => {
                for k in ["pods", "object", "external"] {
                    if let Some(inner) = existing.get_mut(k) {
                        inner["target"] = new_target.clone();
                    }
                }
            }
            None => metrics.push(json!({"type": "External", "external": {"metric": {"name": wanted}, "target": new_target}})),
        }
    }
    let body = json!({
        "minReplicas": spec.min_replicas,
        "maxReplicas": spec.max_replicas,
        "metrics": metrics,
    });
    match existing {
        None => {
            let hpa: HorizontalPodAutoscaler = serde_json::from_value(json!({
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": MANAGER}},
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.target_ref.name},
                    "minReplicas": spec.min_replicas,
                    "maxReplicas": spec.max_replicas,
                    "metrics": body["metrics"],
                }
            }))
            .expect("a well-formed HPA");
            api.create(&PostParams::default(), &hpa).await?;
            Ok(true)
        }
        Some(h) => {
            let old = h.spec.as_ref();
            let unchanged = old.map(|s| s.min_replicas) == Some(Some(spec.min_replicas as i32))
                && old.map(|s| s.max_replicas) == Some(spec.max_replicas as i32)
                && old_metrics == metrics;
            if unchanged {
                return Ok(false);
            }
            api.patch(
                &name,
                &PatchParams::default(),
                &Patch::Merge(&json!({"spec": body})),
            )
            .await?;
            Ok(true)
        }
    }
}

fn record_metrics(ctx: &Context, name: &str, decision: &Decision, statuses: &[MetricStatus]) {
    let m = &ctx.metrics;
    m.set(
        "notejam_autoscaler_current_replicas",
        &[("policy", name)],
        f64::from(decision.current),
    );
    m.set(
        "notejam_autoscaler_desired_replicas",
        &[("policy", name)],
        f64::from(decision.desired),
    );
    m.set(
        "notejam_autoscaler_holding",
        &[("policy", name)],
        if decision.holding { 1.0 } else { 0.0 },
    );
    m.inc(
        "notejam_autoscaler_decisions_total",
        &[("policy", name), ("reason", decision.reason.as_str())],
    );
    m.set(
        "notejam_autoscaler_panic",
        &[("policy", name)],
        if decision.panic.active { 1.0 } else { 0.0 },
    );
    match decision.forecast_replicas {
        Some(f) => m.set(
            "notejam_autoscaler_forecast_replicas",
            &[("policy", name)],
            f64::from(f),
        ),
        None => m.remove("notejam_autoscaler_forecast_replicas", &[("policy", name)]),
    }
    for st in statuses {
        let metric = st.name.as_str();
        let labels = [("policy", name), ("metric", metric)];
        match st.value {
            Some(v) => m.set("notejam_autoscaler_metric_value", &labels, v),
            // Missing is no sample, never 0.
            None => m.remove("notejam_autoscaler_metric_value", &labels),
        }
        match st.ratio {
            Some(r) => m.set("notejam_autoscaler_metric_ratio", &labels, r),
            None => m.remove("notejam_autoscaler_metric_ratio", &labels),
        }
        m.remove("notejam_autoscaler_metric_target", &labels);
        if let (Some(t), Some(src)) = (st.target, st.threshold_source.as_deref()) {
            m.set(
                "notejam_autoscaler_metric_target",
                &[("policy", name), ("metric", metric), ("source", src)],
                t,
            );
        }
    }
}

/// Decide and act for one policy.
pub async fn reconcile(policy: Arc<ScalingPolicy>, ctx: Arc<Context>) -> Result<Action, Error> {
    if !ctx.leader.load(Ordering::SeqCst) {
        // A standby watches but does not act; it re-checks soon in case it becomes the leader.
        return Ok(Action::requeue(Duration::from_secs(5)));
    }
    let ns = policy.namespace().ok_or(Error::NoNamespace)?;
    let name = policy.name_any();
    let key = format!("{ns}/{name}");
    let spec = &policy.spec;
    let interval = Duration::from_secs(u64::from(spec.interval_seconds.max(1)));
    {
        let mut last_run = ctx.last_run.lock().expect("last-run lock");
        let generation = policy.metadata.generation;
        if let Some((at, seen)) = last_run.get(&key)
            && *seen == generation
            && at.elapsed() < interval
        {
            // Woken by our own status write (or a label change): not due yet.
            return Ok(Action::requeue(interval - at.elapsed()));
        }
        last_run.insert(key.clone(), (Instant::now(), generation));
    }

    let valid = match spec.validate() {
        Ok(v) => v,
        Err(problems) => return refuse(&policy, &ctx, "InvalidSpec", problems.join("; ")).await,
    };
    ctx.metrics.set(
        "notejam_autoscaler_min_replicas",
        &[("policy", &name)],
        f64::from(spec.min_replicas),
    );
    ctx.metrics.set(
        "notejam_autoscaler_max_replicas",
        &[("policy", &name)],
        f64::from(spec.max_replicas),
    );

    let needs_baseline = spec
        .metrics
        .iter()
        .any(|m| m.target.from_baseline.is_some());
    let baseline = match (&spec.baseline, needs_baseline) {
        (Some(b), true) => match load_baseline(&ctx.client, &ns, &b.config_map, &b.key).await {
            Ok(b) => Some(b),
            Err((reason, message)) => return refuse(&policy, &ctx, &reason, message).await,
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
            ctx.metrics.set(
                "notejam_autoscaler_baseline_value",
                &[("policy", &name), ("field", field)],
                v,
            );
        }
    }

    let deployments: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ns);
    let target = &spec.target_ref.name;
    let Some(deployment) = deployments.get_opt(target).await? else {
        return refuse(
            &policy,
            &ctx,
            "TargetNotFound",
            format!("Deployment {target} not found in {ns}"),
        )
        .await;
    };
    let current = deployment
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1)
        .max(0) as u32;
    let ready = deployment
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0)
        .max(0) as u32;

    let now = SystemTime::now();
    let gathered = gather_all(
        ctx.reader.as_ref(),
        &ctx.metrics,
        &valid,
        baseline.as_ref(),
        now,
    )
    .await;
    let policy_errors: Vec<&str> = gathered
        .iter()
        .filter_map(|g| g.policy_error.as_deref())
        .collect();
    if !policy_errors.is_empty() {
        return refuse(&policy, &ctx, "QueryInvalid", policy_errors.join("; ")).await;
    }

    let now_secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let observations = observations(&gathered, now_secs, current, ready);
    let history = ctx
        .histories
        .lock()
        .expect("history lock")
        .get(&key)
        .cloned()
        .unwrap_or_default();
    let decision = decide(&valid.decision, &observations, &history);

    let mut applied = false;
    match spec.mode {
        Mode::Scale if decision.changes() => {
            deployments
                .patch_scale(
                    target,
                    &PatchParams::default(),
                    &Patch::Merge(&json!({"spec": {"replicas": decision.desired}})),
                )
                .await?;
            applied = true;
            let reason = if decision.desired > current {
                "ScaledUp"
            } else {
                "ScaledDown"
            };
            let note = format!(
                "{target}: {current} -> {} replicas ({}: {})",
                decision.desired,
                decision.reason.as_str(),
                decision.message
            );
            publish(&ctx, &policy, EventType::Normal, reason, "Scale", note).await;
        }
        Mode::Tune => {
            let targets: Vec<(MetricSpec, Option<f64>)> = valid
                .metrics
                .iter()
                .cloned()
                .zip(gathered.iter().map(|g| g.status.target))
                .collect();
            if tune_hpa(&ctx, &policy, &ns, &targets).await? {
                let summary: Vec<String> = gathered
                    .iter()
                    .filter_map(|g| {
                        Some(format!(
                            "{}={:.2} ({})",
                            g.status.name,
                            g.status.target?,
                            g.status.threshold_source.as_deref()?
                        ))
                    })
                    .collect();
                publish(
                    &ctx,
                    &policy,
                    EventType::Normal,
                    "TunedHpa",
                    "Tune",
                    format!("HPA targets set: {}", summary.join(", ")),
                )
                .await;
            }
        }
        Mode::DryRun if decision.changes() => {
            let note = format!(
                "would scale {target}: {current} -> {} ({}: {})",
                decision.desired,
                decision.reason.as_str(),
                decision.message
            );
            publish(
                &ctx,
                &policy,
                EventType::Normal,
                "WouldScale",
                "DryRun",
                note,
            )
            .await;
        }
        Mode::Scale | Mode::DryRun => {}
    }
    // The forecast drove this scale-up when it asked for more than any metric did.
    let asked = decision.metrics.iter().filter_map(|m| m.proposal).max();
    let by_forecast = decision.desired > current
        && decision
            .forecast_replicas
            .is_some_and(|f| asked.is_none_or(|a| f > a));
    if by_forecast {
        let note = format!(
            "forecast floor {} replicas ({current} -> {}): {}",
            decision.forecast_replicas.unwrap_or_default(),
            decision.desired,
            decision.message
        );
        publish(
            &ctx,
            &policy,
            EventType::Normal,
            "ForecastFloor",
            "Decide",
            note,
        )
        .await;
    }
    if decision.reason == Reason::Guarded {
        let note = decision.message.clone();
        publish(&ctx, &policy, EventType::Warning, "Guarded", "Decide", note).await;
    }
    if decision.holding {
        publish(
            &ctx,
            &policy,
            EventType::Warning,
            "MetricsMissing",
            "Decide",
            decision.message.clone(),
        )
        .await;
    }
    {
        let mut histories = ctx.histories.lock().expect("history lock");
        histories
            .entry(key)
            .or_default()
            .record(&valid.decision, &decision, now_secs, applied);
    }
    tracing::info!(
        policy = %name, mode = spec.mode.as_str(), current, ready, desired = decision.desired,
        recommendation = decision.recommendation, reason = decision.reason.as_str(), holding = decision.holding,
        applied, message = %decision.message, "decision"
    );
    let metric_status = metric_status(&gathered, &decision.metrics);
    record_metrics(&ctx, &name, &decision, &metric_status);

    let old = policy.status.as_ref();
    let time = now_rfc3339();
    let unknown: Vec<&str> = gathered
        .iter()
        .filter(|g| g.observation.value.is_none())
        .map(|g| g.status.name.as_str())
        .collect();
    let metrics_ok = unknown.is_empty();
    let status = ScalingPolicyStatus {
        observed_generation: policy.metadata.generation,
        conditions: vec![
            condition(old, "Valid", true, "Valid", "the policy is valid"),
            condition(
                old,
                "MetricsAvailable",
                metrics_ok,
                if metrics_ok {
                    "AllMetricsKnown"
                } else {
                    "MetricsMissing"
                },
                &if metrics_ok {
                    "every metric has a fresh value".to_string()
                } else {
                    format!("unknown: {}", unknown.join(", "))
                },
            ),
            condition(
                old,
                "ScalingActive",
                spec.mode != Mode::DryRun,
                match spec.mode {
                    Mode::Scale => "Scaling",
                    Mode::Tune => "TuningHpa",
                    Mode::DryRun => "DryRun",
                },
                &format!("mode {}", spec.mode.as_str()),
            ),
        ],
        current_replicas: Some(current),
        desired_replicas: Some(decision.desired),
        last_decision: Some(DecisionStatus {
            time: time.clone(),
            mode: spec.mode.as_str().into(),
            current_replicas: current,
            desired_replicas: decision.desired,
            recommendation: decision.recommendation,
            reason: decision.reason.as_str().into(),
            message: decision.message.clone(),
            applied,
            holding: decision.holding,
            panic: decision.panic.active,
            forecast_replicas: decision.forecast_replicas,
            saturated_guards: decision
                .guards
                .iter()
                .filter(|g| g.saturated)
                .map(|g| g.name.clone())
                .collect(),
        }),
        metrics: metric_status,
        last_scale_time: if applied {
            Some(time)
        } else {
            old.and_then(|s| s.last_scale_time.clone())
        },
    };
    apply_status(&policy, &ctx.client, &status).await?;
    Ok(Action::requeue(Duration::from_secs(u64::from(
        valid.interval_seconds,
    ))))
}

/// Count the error, retry soon; other policies are unaffected.
pub fn error_policy(policy: Arc<ScalingPolicy>, error: &Error, ctx: Arc<Context>) -> Action {
    let name = policy.name_any();
    tracing::warn!(policy = %name, error = %error, "reconcile failed; retrying");
    ctx.metrics.inc(
        "notejam_autoscaler_reconcile_errors_total",
        &[("policy", &name), ("error", error.metric_label())],
    );
    Action::requeue(Duration::from_secs(15))
}

/// Run the controller over the ScalingPolicies of one namespace until a shutdown signal.
pub async fn run(ctx: Arc<Context>, namespace: &str) {
    let policies: Api<ScalingPolicy> = Api::namespaced(ctx.client.clone(), namespace);
    Controller::new(policies, watcher::Config::default().any_semantic())
        .shutdown_on_signal()
        .run(reconcile, error_policy, ctx)
        .for_each(|_| futures::future::ready(()))
        .await;
}
