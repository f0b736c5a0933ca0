//! Act: what a decision does by mode. `scale` patches the Deployment's scale subresource (a
//! typed `Scale`), `tune` writes the HPA's targets, `dry-run` changes nothing.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v1::{Scale, ScaleSpec};
use kube::api::{Api, Patch, PatchParams};

use super::context::{Context, Error};
use super::gather::Inputs;
use super::hpa;
use crate::decision::Decision;
use crate::policy::{MetricSpec, Mode, ScalingPolicy};

/// What acting did, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acted {
    /// The scale was patched to the decision.
    Scaled,
    /// The HPA's targets were written (something changed).
    TunedHpa,
    /// Dry run: the decision would have changed the replicas.
    WouldScale,
    /// Nothing to do (no change, or an HPA already up to date).
    Nothing,
}

impl Acted {
    /// True when the replicas were changed by us.
    pub fn applied(self) -> bool {
        self == Acted::Scaled
    }
}

/// Carry out `decision` for `policy` in namespace `ns`.
pub(super) async fn act(
    ctx: &Context,
    policy: &ScalingPolicy,
    ns: &str,
    inputs: &Inputs,
    decision: &Decision,
) -> Result<Acted, Error> {
    match policy.spec.mode {
        Mode::Scale if decision.changes() => {
            let deployments: Api<Deployment> = Api::namespaced(ctx.client.clone(), ns);
            let scale = Scale {
                spec: Some(ScaleSpec {
                    replicas: Some(decision.desired as i32),
                }),
                ..Scale::default()
            };
            deployments
                .patch_scale(
                    &policy.spec.target_ref.name,
                    &PatchParams::default(),
                    &Patch::Merge(&scale),
                )
                .await?;
            Ok(Acted::Scaled)
        }
        Mode::Tune => {
            let targets: Vec<(MetricSpec, Option<f64>)> = inputs
                .valid
                .metrics
                .iter()
                .cloned()
                .zip(inputs.gathered.iter().map(|g| g.status.target))
                .collect();
            if hpa::tune(ctx, policy, ns, &targets).await? {
                Ok(Acted::TunedHpa)
            } else {
                Ok(Acted::Nothing)
            }
        }
        Mode::DryRun if decision.changes() => Ok(Acted::WouldScale),
        Mode::Scale | Mode::DryRun => Ok(Acted::Nothing),
    }
}
