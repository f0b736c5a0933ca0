//! The `ScalingPolicy` custom resource, and its validation into the numbers the decision needs.
//!
//! The CRD YAML is printed from these types (`notejam-autoscaler crd`), so it cannot drift.

use std::collections::BTreeSet;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::decision::{
    DecisionConfig, DirectionRules, MissingAction, RateKind, RatePolicy, Select, TargetKind,
};

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
fn default_stale_after() -> u32 {
    180
}
fn default_key() -> String {
    "baseline.json".into()
}
fn default_period() -> u32 {
    60
}
fn default_lookback() -> u32 {
    5
}
fn default_percentile() -> f64 {
    0.95
}
fn default_window() -> String {
    "7d".into()
}
fn default_resolution() -> String {
    "5m".into()
}
fn default_one() -> f64 {
    1.0
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

/// One metric: exactly one source (`prometheus` or `cloudwatch`) and a target.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricSpec {
    /// Short name used in status, events, metrics labels and traces.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<PrometheusMetric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch: Option<CloudWatchMetric>,
    pub target: TargetSpec,
    /// In `tune` mode, the HPA metric (pods/object/external `metric.name`) that gets this target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpa_metric_name: Option<String>,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
pub struct PrometheusMetric {
    /// PromQL instant query returning one sample (a scalar or a one-series vector).
    pub query: String,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CloudWatchMetric {
    /// e.g. `AWS/ApplicationELB` or `AWS/RDS`.
    pub namespace: String,
    /// e.g. `RequestCountPerTarget`, `TargetResponseTime`, `DatabaseConnections`, `CPUUtilization`.
    pub metric_name: String,
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    /// `Average`, `Sum`, `Maximum`, `Minimum` or `SampleCount` (percentiles are not supported).
    pub statistic: String,
    #[serde(default = "default_period")]
    pub period_seconds: u32,
    /// How many periods to look back; the newest, still-filling period is always skipped.
    #[serde(default = "default_lookback")]
    pub lookback_periods: u32,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
pub struct Dimension {
    pub name: String,
    pub value: String,
}

/// How the observed value compares to the target.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum TargetType {
    /// The value is a total over pods; the target is per ready pod.
    AverageValue,
    /// The value is compared to the target as is.
    Value,
}

/// The per-pod target. Sources are tried in order: history, baseline, fixed `value`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TargetSpec {
    #[serde(rename = "type")]
    pub type_: TargetType,
    /// A fixed target; also the last resort when the derived sources have nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_baseline: Option<FromBaseline>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_history: Option<FromHistory>,
}

/// A baseline figure per pod, times a utilisation target.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FromBaseline {
    pub field: BaselineField,
    /// Fraction of the baseline figure to aim for, in (0, 2].
    #[serde(default = "default_one")]
    pub utilization: f64,
}

/// The derived per-pod figures of the baseline file.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum BaselineField {
    #[serde(rename = "normal_connections_per_pod")]
    NormalConnectionsPerPod,
    #[serde(rename = "capacity_connections_per_pod")]
    CapacityConnectionsPerPod,
    #[serde(rename = "capacity_rps_per_pod")]
    CapacityRpsPerPod,
}

impl BaselineField {
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineField::NormalConnectionsPerPod => "normal_connections_per_pod",
            BaselineField::CapacityConnectionsPerPod => "capacity_connections_per_pod",
            BaselineField::CapacityRpsPerPod => "capacity_rps_per_pod",
        }
    }
}

/// A high percentile of a per-pod series over a window, counting only times the SLO held.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FromHistory {
    /// PromQL for the per-pod value, e.g. `sum(notejam_http_open_connections) / count(up{job="notejam"} == 1)`.
    pub per_pod_query: String,
    /// PromQL that returns a sample only while the SLO held, e.g. `histogram_quantile(0.95, ...) < 0.3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo_query: Option<String>,
    #[serde(default = "default_percentile")]
    pub percentile: f64,
    /// Prometheus duration, e.g. `7d`.
    #[serde(default = "default_window")]
    pub window: String,
    /// Subquery resolution, e.g. `5m`.
    #[serde(default = "default_resolution")]
    pub resolution: String,
    #[serde(default = "default_one")]
    pub utilization: f64,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Behavior {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_up: Option<ScalingRules>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<ScalingRules>,
}

/// As the HPA's `HPAScalingRules`; omitted fields take the HPA defaults.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScalingRules {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stabilization_window_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_policy: Option<SelectPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<Vec<RatePolicySpec>>,
}

#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum SelectPolicy {
    Max,
    Min,
    Disabled,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RatePolicySpec {
    #[serde(rename = "type")]
    pub type_: RateType,
    pub value: u32,
    pub period_seconds: u32,
}

#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum RateType {
    Pods,
    Percent,
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
    /// `NOTEJAM_DB_MAX_CONNECTIONS` of each app pod.
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

/// Observed state, written by the controller.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScalingPolicyStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_replicas: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_replicas: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_decision: Option<DecisionStatus>,
    #[serde(default)]
    pub metrics: Vec<MetricStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scale_time: Option<String>,
}

/// A Kubernetes-style condition (`Valid`, `MetricsAvailable`, `ScalingActive`).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    pub reason: String,
    pub message: String,
    pub last_transition_time: String,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionStatus {
    pub time: String,
    pub mode: String,
    pub current_replicas: u32,
    pub desired_replicas: u32,
    /// The raw recommendation before stabilisation and limits.
    pub recommendation: u32,
    pub reason: String,
    pub message: String,
    /// True when the change was made (false in dry-run or when nothing changed).
    pub applied: bool,
    /// True when a metric was unknown and the decision held.
    pub holding: bool,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricStatus {
    pub name: String,
    /// `ok`, `missing`, `stale` or `error`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// Which source set the target: `history`, `baseline` or `fixed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A policy that passed validation: trusted from here on.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidPolicy {
    pub decision: DecisionConfig,
    pub metrics: Vec<MetricSpec>,
    pub stale_after_seconds: u32,
    pub interval_seconds: u32,
}

impl MetricSpec {
    pub fn target_kind(&self) -> TargetKind {
        match self.target.type_ {
            TargetType::AverageValue => TargetKind::AverageValue,
            TargetType::Value => TargetKind::Value,
        }
    }
}

// A cheap syntax check; Prometheus itself rejects the rest (reported the same way).
fn promql_problem(query: &str) -> Option<String> {
    if query.trim().is_empty() {
        return Some("is empty".into());
    }
    let mut stack = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in query.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '[' | '{' => stack.push(c),
            ')' | ']' | '}' => {
                let open = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if stack.pop() != Some(open) {
                    return Some(format!("has an unmatched '{c}'"));
                }
            }
            _ => {}
        }
    }
    if quote.is_some() {
        return Some("has an unterminated string".into());
    }
    if let Some(c) = stack.pop() {
        return Some(format!("has an unclosed '{c}'"));
    }
    None
}

fn duration_ok(d: &str) -> bool {
    let d = d.trim();
    !d.is_empty()
        && d.split_inclusive(|c: char| c.is_ascii_alphabetic())
            .all(|part| {
                let digits: String = part.chars().take_while(|c| c.is_ascii_digit()).collect();
                let unit = &part[digits.len()..];
                !digits.is_empty() && matches!(unit, "ms" | "s" | "m" | "h" | "d" | "w" | "y" | "")
            })
        && d.ends_with(|c: char| c.is_ascii_alphabetic())
}

fn rules(
    spec: Option<&ScalingRules>,
    default: DirectionRules,
    dir: &str,
    problems: &mut Vec<String>,
) -> DirectionRules {
    let Some(spec) = spec else { return default };
    let stabilization_window_seconds = spec
        .stabilization_window_seconds
        .unwrap_or(default.stabilization_window_seconds);
    if stabilization_window_seconds > 3600 {
        problems.push(format!(
            "behavior.{dir}.stabilizationWindowSeconds must be at most 3600"
        ));
    }
    let select = match spec.select_policy.unwrap_or(SelectPolicy::Max) {
        SelectPolicy::Max => Select::Max,
        SelectPolicy::Min => Select::Min,
        SelectPolicy::Disabled => Select::Disabled,
    };
    let policies = match &spec.policies {
        None => default.policies,
        Some(ps) => ps
            .iter()
            .map(|p| {
                if p.value == 0 {
                    problems.push(format!(
                        "behavior.{dir}.policies: value must be greater than 0"
                    ));
                }
                if p.period_seconds == 0 || p.period_seconds > 1800 {
                    problems.push(format!(
                        "behavior.{dir}.policies: periodSeconds must be in 1..=1800"
                    ));
                }
                RatePolicy {
                    kind: match p.type_ {
                        RateType::Pods => RateKind::Pods,
                        RateType::Percent => RateKind::Percent,
                    },
                    value: p.value,
                    period_seconds: p.period_seconds,
                }
            })
            .collect(),
    };
    if policies.is_empty() && select != Select::Disabled {
        problems.push(format!(
            "behavior.{dir}.policies must not be empty unless selectPolicy is Disabled"
        ));
    }
    DirectionRules {
        stabilization_window_seconds,
        select,
        policies,
    }
}

impl ScalingPolicySpec {
    /// Check everything that can be checked without I/O; every problem is listed, not just the first.
    pub fn validate(&self) -> Result<ValidPolicy, Vec<String>> {
        let mut problems = Vec::new();
        if self.target_ref.name.trim().is_empty() {
            problems.push("targetRef.name is empty".to_string());
        }
        if self.min_replicas == 0 {
            problems.push("minReplicas must be at least 1".into());
        }
        if self.min_replicas > self.max_replicas {
            problems.push(format!(
                "minReplicas ({}) is above maxReplicas ({})",
                self.min_replicas, self.max_replicas
            ));
        }
        if self.interval_seconds == 0 {
            problems.push("intervalSeconds must be at least 1".into());
        }
        if !(0.0..1.0).contains(&self.tolerance) {
            problems.push(format!(
                "tolerance must be in [0, 1), got {}",
                self.tolerance
            ));
        }
        if self.metrics.is_empty() {
            problems.push("metrics is empty: nothing to scale on".into());
        }
        let mut names = BTreeSet::new();
        for m in &self.metrics {
            let n = &m.name;
            if n.trim().is_empty() {
                problems.push("a metric has an empty name".into());
            } else if !names.insert(n.clone()) {
                problems.push(format!("metric name {n} is used twice"));
            }
            match (&m.prometheus, &m.cloudwatch) {
                (Some(_), Some(_)) | (None, None) => problems.push(format!(
                    "metric {n}: set exactly one of prometheus or cloudwatch"
                )),
                (Some(p), None) => {
                    if let Some(why) = promql_problem(&p.query) {
                        problems.push(format!("metric {n}: the query {why}"));
                    }
                }
                (None, Some(c)) => {
                    if c.namespace.trim().is_empty() || c.metric_name.trim().is_empty() {
                        problems.push(format!(
                            "metric {n}: cloudwatch namespace and metricName are required"
                        ));
                    }
                    if !matches!(
                        c.statistic.as_str(),
                        "Average" | "Sum" | "Maximum" | "Minimum" | "SampleCount"
                    ) {
                        problems.push(format!(
                            "metric {n}: statistic {} is not one of Average, Sum, Maximum, Minimum, SampleCount",
                            c.statistic
                        ));
                    }
                    if !(matches!(c.period_seconds, 1 | 5 | 10 | 30)
                        || (c.period_seconds >= 60 && c.period_seconds % 60 == 0))
                    {
                        problems.push(format!(
                            "metric {n}: periodSeconds must be 1, 5, 10, 30 or a multiple of 60"
                        ));
                    }
                    if c.lookback_periods < 2 {
                        problems.push(format!("metric {n}: lookbackPeriods must be at least 2 (the newest period is skipped)"));
                    }
                }
            }
            let t = &m.target;
            if let Some(v) = t.value
                && !(v > 0.0 && v.is_finite())
            {
                problems.push(format!(
                    "metric {n}: target value must be greater than 0, got {v}"
                ));
            }
            if let Some(b) = &t.from_baseline {
                if self.baseline.is_none() {
                    problems.push(format!("metric {n}: fromBaseline needs spec.baseline"));
                }
                if !(b.utilization > 0.0 && b.utilization <= 2.0) {
                    problems.push(format!(
                        "metric {n}: fromBaseline.utilization must be in (0, 2]"
                    ));
                }
            }
            if let Some(h) = &t.from_history {
                if let Some(why) = promql_problem(&h.per_pod_query) {
                    problems.push(format!("metric {n}: fromHistory.perPodQuery {why}"));
                }
                if let Some(s) = &h.slo_query
                    && let Some(why) = promql_problem(s)
                {
                    problems.push(format!("metric {n}: fromHistory.sloQuery {why}"));
                }
                if !(h.percentile > 0.0 && h.percentile <= 1.0) {
                    problems.push(format!(
                        "metric {n}: fromHistory.percentile must be in (0, 1]"
                    ));
                }
                if !duration_ok(&h.window) || !duration_ok(&h.resolution) {
                    problems.push(format!(
                        "metric {n}: fromHistory window/resolution must be Prometheus durations"
                    ));
                }
                if !(h.utilization > 0.0 && h.utilization <= 2.0) {
                    problems.push(format!(
                        "metric {n}: fromHistory.utilization must be in (0, 2]"
                    ));
                }
            }
            if t.value.is_none() && t.from_baseline.is_none() && t.from_history.is_none() {
                problems.push(format!(
                    "metric {n}: target needs value, fromBaseline or fromHistory"
                ));
            }
        }
        let behavior = self.behavior.clone().unwrap_or_default();
        let scale_up = rules(
            behavior.scale_up.as_ref(),
            DirectionRules::hpa_default_up(),
            "scaleUp",
            &mut problems,
        );
        let scale_down = rules(
            behavior.scale_down.as_ref(),
            DirectionRules::hpa_default_down(),
            "scaleDown",
            &mut problems,
        );
        let on_missing = self.on_missing.clone().unwrap_or(OnMissing {
            action: MissingActionSpec::Hold,
            fallback_replicas: None,
            stale_after_seconds: default_stale_after(),
        });
        let missing = match (on_missing.action, on_missing.fallback_replicas) {
            (MissingActionSpec::Hold, _) => MissingAction::Hold,
            (MissingActionSpec::Fallback, Some(n)) => {
                if n < self.min_replicas || n > self.max_replicas {
                    problems.push(format!(
                        "onMissing.fallbackReplicas ({n}) is outside minReplicas..maxReplicas"
                    ));
                }
                MissingAction::Fallback(n)
            }
            (MissingActionSpec::Fallback, None) => {
                problems.push("onMissing.action Fallback needs fallbackReplicas".into());
                MissingAction::Hold
            }
        };
        let database_cap = match &self.database_budget {
            None => None,
            Some(b) => match b.cap() {
                None => {
                    problems.push("databaseBudget.poolSizePerPod must be greater than 0".into());
                    None
                }
                Some(cap) => {
                    if cap < self.min_replicas {
                        problems.push(format!(
                            "databaseBudget allows {cap} replicas ({} connections less {} reserved, {} per pod), below minReplicas {}",
                            b.max_connections, b.reserved_connections, b.pool_size_per_pod, self.min_replicas
                        ));
                    }
                    Some(cap)
                }
            },
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(ValidPolicy {
            decision: DecisionConfig {
                min_replicas: self.min_replicas,
                max_replicas: self.max_replicas,
                tolerance: self.tolerance,
                scale_up,
                scale_down,
                on_missing: missing,
                database_cap,
            },
            metrics: self.metrics.clone(),
            stale_after_seconds: on_missing.stale_after_seconds,
            interval_seconds: self.interval_seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promql_check_catches_unbalanced_queries() {
        assert_eq!(promql_problem("sum(rate(x[5m]))"), None);
        assert_eq!(
            promql_problem(r#"sum(x{a="("}"#),
            Some("has an unclosed '('".into())
        );
        assert!(promql_problem("sum(x))").is_some());
        assert!(promql_problem("  ").is_some());
        assert!(promql_problem(r#"x{a="b}"#).is_some());
    }

    #[test]
    fn durations() {
        assert!(duration_ok("7d"));
        assert!(duration_ok("1h30m"));
        assert!(!duration_ok("7"));
        assert!(!duration_ok("d"));
        assert!(!duration_ok(""));
    }
}
