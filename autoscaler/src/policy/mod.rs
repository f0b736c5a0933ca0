//! The `ScalingPolicy` custom resource: its spec and status types. [`validate`] turns a spec into
//! the numbers the decision needs.
//!
//! The CRD YAML is printed from these types (`notejam-autoscaler crd`), so it cannot drift.

mod behavior;
mod checks;
mod metric;
mod status;
pub mod validate;

pub use behavior::{Behavior, PanicSpec, RatePolicySpec, RateType, ScalingRules, SelectPolicy};
pub use metric::{
    BaselineField, CloudWatchMetric, Dimension, ForecastSpec, FromBaseline, FromHistory,
    MetricRole, MetricSpec, PrometheusMetric, TargetSpec, TargetType,
};
pub use status::{Condition, DecisionStatus, MetricStatus, ScalingPolicyStatus};

pub(crate) use checks::duration_seconds;
pub use validate::ValidPolicy;

use kube::{CustomResource, CustomResourceExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Desired scaling of one Deployment from Prometheus and CloudWatch metrics.
// The repeated `printcolumn(..)` arguments trip clippy's duplicated-attribute lint.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "autoscaling.notejam.io",
    version = "v1alpha1",
    kind = "ScalingPolicy",
    namespaced,
    status = "ScalingPolicyStatus",
    shortname = "sp",
    printcolumn(name = "Mode", type_ = "string", json_path = ".spec.mode"),
    printcolumn(name = "Min", type_ = "integer", json_path = ".spec.minReplicas"),
    printcolumn(name = "Max", type_ = "integer", json_path = ".spec.maxReplicas"),
    printcolumn(
        name = "Current",
        type_ = "integer",
        json_path = ".status.currentReplicas"
    ),
    printcolumn(
        name = "Desired",
        type_ = "integer",
        json_path = ".status.desiredReplicas"
    ),
    printcolumn(
        name = "Reason",
        type_ = "string",
        json_path = ".status.lastDecision.reason"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct ScalingPolicySpec {
    /// The Deployment to scale, in the policy's namespace.
    pub target_ref: TargetRef,
    /// `scale` patches the Deployment's scale, `tune` writes targets into an HPA, `dry-run` only reports.
    #[serde(default)]
    pub mode: Mode,
    /// The `autoscaling/v2` HPA to tune in `tune` mode; defaults to the Deployment's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpa_name: Option<String>,
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// Seconds between decisions.
    #[serde(default = "default_interval")]
    pub interval_seconds: u32,
    /// Relative band around the target inside which a metric asks for no change (HPA: 0.1).
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// Seconds from asking for a pod to it serving (scheduling, image, start, readiness): the
    /// forecast looks this far ahead, and `simulate` makes new pods wait this long.
    #[serde(default = "default_startup")]
    pub startup_seconds: u32,
    pub metrics: Vec<MetricSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<Behavior>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_missing: Option<OnMissing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_budget: Option<DatabaseBudget>,
    /// Where the load-test baseline file lives, for targets derived from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineRef>,
}

fn default_interval() -> u32 {
    15
}
fn default_tolerance() -> f64 {
    0.1
}
fn default_startup() -> u32 {
    40
}
pub(crate) fn default_stale_after() -> u32 {
    180
}
fn default_key() -> String {
    "baseline.json".into()
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
pub struct TargetRef {
    /// Name of the Deployment.
    pub name: String,
}

/// What the controller does with a decision.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default, JsonSchema)]
pub enum Mode {
    /// Patch the Deployment's scale subresource.
    #[serde(rename = "scale")]
    Scale,
    /// Write min/max and the derived targets into the HPA; the HPA scales.
    #[serde(rename = "tune")]
    Tune,
    /// Decide and report only.
    #[default]
    #[serde(rename = "dry-run")]
    DryRun,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Scale => "scale",
            Mode::Tune => "tune",
            Mode::DryRun => "dry-run",
        }
    }
}

/// What to do while a metric is missing or stale. Missing is never read as zero.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnMissing {
    #[serde(default)]
    pub action: MissingActionSpec,
    /// Replicas to go to (at least) in `Fallback`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_replicas: Option<u32>,
    /// A CloudWatch datapoint older than this is stale.
    #[serde(default = "default_stale_after")]
    pub stale_after_seconds: u32,
}

#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default, JsonSchema)]
pub enum MissingActionSpec {
    #[default]
    Hold,
    Fallback,
}

/// The RDS connection budget: replicas x pool size must stay within it.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseBudget {
    /// RDS `max_connections`.
    pub max_connections: u32,
    /// Connections kept for admins, migrations, the backup Lambda.
    #[serde(default)]
    pub reserved_connections: u32,
    /// Connections one app pod holds: its pool (`NOTEJAM_DB_MAX_CONNECTIONS`) plus one for the
    /// app's database reachability probe.
    pub pool_size_per_pod: u32,
}

impl DatabaseBudget {
    /// Most replicas the budget allows.
    pub fn cap(&self) -> Option<u32> {
        (self.pool_size_per_pod > 0).then(|| {
            self.max_connections
                .saturating_sub(self.reserved_connections)
                / self.pool_size_per_pod
        })
    }
}

/// A ConfigMap key holding the baseline JSON written by `notejam-loadtest baseline`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BaselineRef {
    pub config_map: String,
    #[serde(default = "default_key")]
    pub key: String,
}

/// The CustomResourceDefinition as committed in `k8s/base/autoscaler/crd.yaml`: a header that
/// says it is generated (the file is over 400 lines on purpose: it is the schema, written by
/// kube from these types), then the YAML.
pub fn crd_yaml() -> Result<String, serde_yaml::Error> {
    let yaml = serde_yaml::to_string(&ScalingPolicy::crd())?;
    Ok(format!(
        "# Generated from autoscaler/src/policy by `notejam-autoscaler crd`; do not edit by hand.\n\
         # Over 400 lines on purpose: the whole OpenAPI schema of ScalingPolicy, as kube writes it.\n\
         {yaml}"
    ))
}
