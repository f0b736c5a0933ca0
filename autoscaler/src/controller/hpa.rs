//! `tune` mode: the HPA, built from k8s-openapi types, with our bounds and derived targets.
//! A metric whose `hpaMetricName` matches a pods/object/external metric of the HPA gets its
//! target updated (keeping its type); others are added as External metrics; the HPA's other
//! metrics are kept.

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, ExternalMetricSource, HorizontalPodAutoscaler,
    HorizontalPodAutoscalerSpec, MetricIdentifier, MetricSpec as HpaMetric, MetricTarget,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, Patch, PatchParams, PostParams};

use super::context::{Context, Error, MANAGER};
use crate::policy::{MetricSpec, ScalingPolicy, TargetType};

fn quantity(v: f64) -> Quantity {
    Quantity(format!("{}m", (v * 1000.0).round() as i64))
}

fn target(kind: TargetType, value: f64) -> MetricTarget {
    match kind {
        TargetType::AverageValue => MetricTarget {
            type_: "AverageValue".into(),
            average_value: Some(quantity(value)),
            ..MetricTarget::default()
        },
        TargetType::Value => MetricTarget {
            type_: "Value".into(),
            value: Some(quantity(value)),
            ..MetricTarget::default()
        },
    }
}

/// The metric name of a pods, object or external HPA metric, and its target to update.
fn named_target(m: &mut HpaMetric) -> Option<(&str, &mut MetricTarget)> {
    if let Some(p) = m.pods.as_mut() {
        return Some((p.metric.name.as_str(), &mut p.target));
    }
    if let Some(o) = m.object.as_mut() {
        return Some((o.metric.name.as_str(), &mut o.target));
    }
    m.external
        .as_mut()
        .map(|e| (e.metric.name.as_str(), &mut e.target))
}

/// The HPA's metrics with our targets written in (`targets`: each metric and its derived target).
fn with_targets(
    mut metrics: Vec<HpaMetric>,
    targets: &[(MetricSpec, Option<f64>)],
) -> Vec<HpaMetric> {
    for (m, value) in targets {
        let Some(value) = value else { continue };
        let wanted = m.hpa_metric_name.clone().unwrap_or_else(|| m.name.clone());
        let new_target = target(m.target.type_, *value);
        let existing = metrics
            .iter_mut()
            .filter_map(named_target)
            .find(|(name, _)| *name == wanted);
        match existing {
            Some((_, t)) => *t = new_target,
            None => metrics.push(HpaMetric {
                type_: "External".into(),
                external: Some(ExternalMetricSource {
                    metric: MetricIdentifier {
                        name: wanted,
                        selector: None,
                    },
                    target: new_target,
                }),
                ..HpaMetric::default()
            }),
        }
    }
    metrics
}

/// Write min/max and the derived targets into the HPA; create it if absent. Guards are not
/// written (an HPA would scale on them). Returns whether anything changed.
pub(super) async fn tune(
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
    let targets: Vec<(MetricSpec, Option<f64>)> = targets
        .iter()
        .filter(|(m, _)| !m.is_guard())
        .cloned()
        .collect();
    let min = Some(spec.min_replicas as i32);
    let max = spec.max_replicas as i32;
    match api.get_opt(&name).await? {
        None => {
            let hpa = HorizontalPodAutoscaler {
                metadata: ObjectMeta {
                    name: Some(name),
                    labels: Some(
                        [(
                            "app.kubernetes.io/managed-by".to_string(),
                            MANAGER.to_string(),
                        )]
                        .into(),
                    ),
                    ..ObjectMeta::default()
                },
                spec: Some(HorizontalPodAutoscalerSpec {
                    scale_target_ref: CrossVersionObjectReference {
                        api_version: Some("apps/v1".into()),
                        kind: "Deployment".into(),
                        name: spec.target_ref.name.clone(),
                    },
                    min_replicas: min,
                    max_replicas: max,
                    metrics: Some(with_targets(Vec::new(), &targets)),
                    behavior: None,
                }),
                status: None,
            };
            api.create(&PostParams::default(), &hpa).await?;
            Ok(true)
        }
        Some(existing) => {
            let old = existing.spec.unwrap_or_default();
            let old_metrics = old.metrics.clone().unwrap_or_default();
            let metrics = with_targets(old_metrics.clone(), &targets);
            if old.min_replicas == min && old.max_replicas == max && old_metrics == metrics {
                return Ok(false);
            }
            let patch = HorizontalPodAutoscaler {
                spec: Some(HorizontalPodAutoscalerSpec {
                    min_replicas: min,
                    max_replicas: max,
                    metrics: Some(metrics),
                    ..old
                }),
                ..HorizontalPodAutoscaler::default()
            };
            api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await?;
            Ok(true)
        }
    }
}
