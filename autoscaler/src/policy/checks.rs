//! The checks of one metric, and the small syntax checks they use (PromQL brackets,
//! Prometheus durations), so that `validate` reads as the list of rules it applies.

use super::{
    MetricRole, MetricSpec, RateType, ScalingPolicySpec, ScalingRules, SelectPolicy, TargetType,
};
use crate::decision::{DirectionRules, RateKind, RatePolicy, Select};

// A cheap syntax check; Prometheus itself rejects the rest (reported the same way).
pub(super) fn promql_problem(query: &str) -> Option<String> {
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

pub(super) fn duration_ok(d: &str) -> bool {
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

/// A Prometheus duration in seconds (`1d`, `1h30m`, `90s`); `None` when it is not one.
pub(crate) fn duration_seconds(d: &str) -> Option<u64> {
    if !duration_ok(d) {
        return None;
    }
    let mut total = 0u64;
    for part in d.trim().split_inclusive(|c: char| c.is_ascii_alphabetic()) {
        let digits: String = part.chars().take_while(|c| c.is_ascii_digit()).collect();
        let n: u64 = digits.parse().ok()?;
        let unit = match &part[digits.len()..] {
            "ms" => return Some(total),
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 604_800,
            "y" => 31_536_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    Some(total)
}

/// Why a `Value` metric that drives scaling is not a per-pod figure, when it plainly is not:
/// a database-wide CloudWatch metric, a load balancer total, or a PromQL sum or count that
/// nothing divides. More pods cannot lower such a value, so scaling on it runs to the maximum.
fn not_per_pod(m: &MetricSpec) -> Option<String> {
    if m.target.type_ != TargetType::Value || m.role == MetricRole::Guard {
        return None;
    }
    if let Some(c) = &m.cloudwatch {
        if c.namespace == "AWS/RDS" {
            return Some(format!(
                "{} {} is a database-wide figure that more pods cannot lower (more pods add database load): make it a guard (role: Guard)",
                c.namespace, c.metric_name
            ));
        }
        let per_target =
            c.metric_name.ends_with("PerTarget") || c.metric_name == "TargetResponseTime";
        if c.namespace.starts_with("AWS/") && c.namespace.ends_with("ELB") && !per_target {
            return Some(format!(
                "{} {} is a load balancer total, not per pod: use type AverageValue",
                c.namespace, c.metric_name
            ));
        }
    }
    if let Some(p) = &m.prometheus {
        let q = p.query.trim_start();
        if (q.starts_with("sum") || q.starts_with("count")) && !q.contains('/') {
            return Some(
                "the query is a sum or count over pods with nothing dividing it, so not per pod: use type AverageValue, or divide by the ready pods"
                    .into(),
            );
        }
    }
    None
}

/// Every problem of one metric, each prefixed with its name.
pub(super) fn metric_problems(
    spec: &ScalingPolicySpec,
    m: &MetricSpec,
    problems: &mut Vec<String>,
) {
    let n = &m.name;
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
                problems.push(format!(
                    "metric {n}: lookbackPeriods must be at least 2 (the newest period is skipped)"
                ));
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
        if spec.baseline.is_none() {
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
        if h.min_samples == 0 {
            problems.push(format!(
                "metric {n}: fromHistory.minSamples must be at least 1"
            ));
        }
    }
    if t.value.is_none() && t.from_baseline.is_none() && t.from_history.is_none() {
        problems.push(format!(
            "metric {n}: target needs value, fromBaseline or fromHistory"
        ));
    }
    if let Some(why) = not_per_pod(m) {
        problems.push(format!(
            "metric {n}: a Value target must be per pod, but {why}"
        ));
    }
    if m.role == MetricRole::Guard {
        if t.type_ != TargetType::Value || t.value.is_none() {
            problems.push(format!(
                "metric {n}: a guard needs target type Value with a fixed value (its limit)"
            ));
        }
        if t.from_baseline.is_some() || t.from_history.is_some() || m.forecast.is_some() {
            problems.push(format!(
                "metric {n}: a guard's limit is its fixed value: no fromBaseline, fromHistory or forecast"
            ));
        }
    }
    if let Some(f) = &m.forecast {
        if t.type_ != TargetType::AverageValue {
            problems.push(format!(
                "metric {n}: forecast needs an AverageValue target (a total the pods share)"
            ));
        }
        if f.seasons.is_empty() {
            problems.push(format!("metric {n}: forecast.seasons is empty"));
        }
        if f.horizon_seconds == Some(0) {
            problems.push(format!(
                "metric {n}: forecast.horizonSeconds must be at least 1"
            ));
        }
        for s in &f.seasons {
            if duration_seconds(s).is_none() {
                problems.push(format!(
                    "metric {n}: forecast season {s:?} is not a Prometheus duration"
                ));
            }
        }
        if !duration_ok(&f.resolution) {
            problems.push(format!(
                "metric {n}: forecast.resolution {:?} is not a Prometheus duration",
                f.resolution
            ));
        }
    }
}

pub(super) fn rules(
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
