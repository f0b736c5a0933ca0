//! The scaling decision: a pure function of (policy, observations, history).
//!
//! It follows the Kubernetes HPA algorithm (ratio to target over ready pods, a tolerance band,
//! the maximum over metrics, stabilisation windows, Pods/Percent rate limits, min and max),
//! and adds what the HPA lacks: missing data never scales down, Knative's panic mode for
//! bursts, a forecast floor from the same time yesterday and last week, guards for signals
//! more pods cannot relieve, and a database budget cap. No I/O and no clock: `simulate`,
//! `evaluate` and the controller call the same code.
//!
//! - [`rules`]: one direction's window, rate limits and `selectPolicy`; panic mode.
//! - [`history`]: what earlier cycles leave for the next.
//! - `proposal`: what one metric asks for.
//! - [`decide`](mod@decide): the decision itself.

pub mod decide;
pub mod history;
mod proposal;
pub mod rules;

use serde::{Deserialize, Serialize};

pub use decide::decide;
pub use history::History;
pub use rules::{DirectionRules, PanicRules, RateKind, RatePolicy, Select};

/// How an observed value relates to its target, as in the HPA's `MetricTarget`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TargetKind {
    /// The observed value is a total over all pods; the target is per ready pod.
    AverageValue,
    /// The observed value is already per pod (or a ratio such as latency); compared as is.
    Value,
}

/// What to do while a metric is missing or stale. Neither choice ever scales down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MissingAction {
    /// Keep the current replicas (other metrics may still scale up).
    Hold,
    /// Go to at least this many replicas (other metrics may still ask for more).
    Fallback(u32),
}

/// The validated numbers the decision needs; built from a `ScalingPolicy` spec.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DecisionConfig {
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// Relative band around 1.0 inside which a metric asks for no change (HPA default 0.1).
    pub tolerance: f64,
    pub scale_up: DirectionRules,
    pub scale_down: DirectionRules,
    pub on_missing: MissingAction,
    /// Most replicas the database connection budget allows (budget / pool size per pod).
    pub database_cap: Option<u32>,
    /// Knative-like panic mode for bursts; `None` scales as the plain HPA does.
    pub panic: Option<PanicRules>,
    /// Propose replicas with the HPA's own replica calculator (for the plain HPA in `simulate`);
    /// ours counts the pods already starting as capacity on their way.
    pub hpa_replica_math: bool,
}

impl DecisionConfig {
    /// The plain HPA with its default behaviour and the same bounds, for comparison.
    pub fn plain_hpa(min_replicas: u32, max_replicas: u32) -> Self {
        Self {
            min_replicas,
            max_replicas,
            tolerance: 0.1,
            scale_up: DirectionRules::hpa_default_up(),
            scale_down: DirectionRules::hpa_default_down(),
            on_missing: MissingAction::Hold,
            database_cap: None,
            panic: None,
            hpa_replica_math: true,
        }
    }

    /// The highest replica count any decision may reach: `max_replicas`, lowered by the database cap.
    pub fn effective_max(&self) -> u32 {
        match self.database_cap {
            Some(cap) => self.max_replicas.min(cap),
            None => self.max_replicas,
        }
    }
}

/// One metric as observed this cycle, with the target it is compared to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricObservation {
    pub name: String,
    pub kind: TargetKind,
    /// The per-pod target (already derived from a baseline, history or a fixed value); > 0.
    pub target: f64,
    /// `None` when the source had no fresh value: missing, stale or failed. Never read as zero.
    pub value: Option<f64>,
}

impl MetricObservation {
    pub fn new(name: &str, kind: TargetKind, target: f64, value: Option<f64>) -> Self {
        Self {
            name: name.into(),
            kind,
            target,
            value,
        }
    }
}

/// A signal more pods cannot relieve (database CPU): above its limit, scale-up is held.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GuardObservation {
    pub name: String,
    /// Saturated above this value.
    pub limit: f64,
    /// `None` when unknown: an unknown guard holds nothing (it cannot say the database is full).
    pub value: Option<f64>,
}

/// The load expected within the next minutes for one `AverageValue` metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricForecast {
    pub name: String,
    /// The metric's per-pod target.
    pub target: f64,
    /// The highest total expected within the horizon; `None` when there is no history.
    pub peak: Option<f64>,
    /// Where the number came from, e.g. `min of 1d ago, 7d ago`.
    pub basis: String,
}

/// Everything observed in one cycle.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Observations {
    /// Seconds since the Unix epoch (any monotonic second count works for replay).
    pub now: i64,
    /// The scale's `spec.replicas`.
    pub current_replicas: u32,
    /// Pods that are ready; usage ratios are computed over these.
    pub ready_replicas: u32,
    /// The metrics that drive the decision.
    pub metrics: Vec<MetricObservation>,
    /// Signals that can only hold scale-up back.
    pub guards: Vec<GuardObservation>,
    /// Expected load: a floor under the decision, never a reason to go lower.
    pub forecasts: Vec<MetricForecast>,
}

impl Observations {
    /// `replicas` pods, all of them ready, and these metrics (no guards, no forecasts).
    pub fn all_ready(now: i64, replicas: u32, metrics: Vec<MetricObservation>) -> Self {
        Self {
            now,
            current_replicas: replicas,
            ready_replicas: replicas,
            metrics,
            ..Self::default()
        }
    }
}

/// Why the decision came out as it did; also a metric label, so the set is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reason {
    /// Every metric is within tolerance of its target.
    WithinTolerance,
    ScaleUp,
    ScaleDown,
    /// A metric is missing or stale: held at the current replicas.
    MetricsMissing,
    /// A metric is missing or stale: raised to the policy's fallback replicas.
    Fallback,
    /// A stabilisation window held the change back.
    Stabilized,
    /// A Pods/Percent rate limit cut the change short.
    RateLimited,
    /// `selectPolicy: Disabled` forbids this direction.
    DirectionDisabled,
    /// Clamped to `max_replicas`.
    AtMaxReplicas,
    /// Clamped to `min_replicas`.
    AtMinReplicas,
    /// Clamped by the database connection budget.
    DatabaseBudget,
    /// The target has zero replicas: autoscaling is off, as in the HPA.
    ScalingDisabled,
    /// No pod is ready, so no usage can be computed: held.
    NoReadyPods,
    /// Panic mode: a metric asked for at least the panic threshold times the ready pods, so
    /// the scale-up skipped the window and the rate limits (and nothing scales down).
    Panic,
    /// Raised to the forecast floor (the load expected at this time, from yesterday and last week).
    Forecast,
    /// A guard (a signal more pods cannot relieve, e.g. database CPU) is saturated: scale-up held.
    Guarded,
}

impl Reason {
    /// The label value used in metrics, events and status.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::WithinTolerance => "WithinTolerance",
            Reason::ScaleUp => "ScaleUp",
            Reason::ScaleDown => "ScaleDown",
            Reason::MetricsMissing => "MetricsMissing",
            Reason::Fallback => "Fallback",
            Reason::Stabilized => "Stabilized",
            Reason::RateLimited => "RateLimited",
            Reason::DirectionDisabled => "DirectionDisabled",
            Reason::AtMaxReplicas => "AtMaxReplicas",
            Reason::AtMinReplicas => "AtMinReplicas",
            Reason::DatabaseBudget => "DatabaseBudget",
            Reason::ScalingDisabled => "ScalingDisabled",
            Reason::NoReadyPods => "NoReadyPods",
            Reason::Panic => "Panic",
            Reason::Forecast => "Forecast",
            Reason::Guarded => "Guarded",
        }
    }
}

/// What one metric asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricOutcome {
    pub name: String,
    pub value: Option<f64>,
    pub target: f64,
    /// Usage over target; `None` when the value is unknown.
    pub ratio: Option<f64>,
    /// Replicas this metric alone asks for; `None` when unknown.
    pub proposal: Option<u32>,
}

/// A guard as it stood this cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuardOutcome {
    pub name: String,
    pub value: Option<f64>,
    pub limit: f64,
    /// True when the value is above the limit (and so scale-up was held).
    pub saturated: bool,
}

/// Panic mode as it stood after this cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanicOutcome {
    /// In panic mode: no scale-down; scale-up at once.
    pub active: bool,
    /// A metric crossed the threshold this cycle (which extends panic mode).
    pub over_threshold: bool,
}

/// The outcome of one cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub current: u32,
    /// Replicas to run now.
    pub desired: u32,
    /// The recommendation before stabilisation and limits, raised to the forecast floor (what
    /// the history remembers).
    pub recommendation: u32,
    pub reason: Reason,
    pub message: String,
    pub metrics: Vec<MetricOutcome>,
    /// True when at least one metric was unknown this cycle.
    pub holding: bool,
    #[serde(default)]
    pub panic: PanicOutcome,
    /// Replicas' worth of the load the forecast expects within the horizon, when it has history.
    #[serde(default)]
    pub forecast_replicas: Option<u32>,
    #[serde(default)]
    pub guards: Vec<GuardOutcome>,
}

impl Decision {
    /// True when the decision changes the replica count.
    pub fn changes(&self) -> bool {
        self.desired != self.current
    }
}
