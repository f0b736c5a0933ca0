//! What one metric asks for: its usage ratio over the serving pods and the replicas it proposes,
//! by our rule (pods on their way count as capacity coming) or by the HPA's replica calculator.

use super::{DecisionConfig, MetricObservation, MetricOutcome, Observations, TargetKind};

// `ceil` that forgives float noise: 2.0000000001 pods is 2 pods, not 3.
pub(super) fn ceil_u32(x: f64) -> u32 {
    let c = (x - 1e-9).ceil();
    if c <= 0.0 {
        0
    } else if c >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        c as u32
    }
}

pub(super) fn metric_outcome(
    config: &DecisionConfig,
    obs: &Observations,
    m: &MetricObservation,
) -> MetricOutcome {
    let ready = obs.ready_replicas;
    let mut out = MetricOutcome {
        name: m.name.clone(),
        value: m.value,
        target: m.target,
        ratio: None,
        proposal: None,
    };
    let Some(value) = m.value.filter(|v| v.is_finite() && *v >= 0.0) else {
        out.value = None;
        return out;
    };
    if ready == 0 || !m.target.is_finite() || m.target <= 0.0 {
        return out;
    }
    // Usage over target per serving pod: what panic mode and status look at. (Computed as the
    // HPA computes its ratio, so that with every pod ready both round alike at the band's edge.)
    let ratio = match m.kind {
        TargetKind::AverageValue => value / (m.target * f64::from(ready)),
        TargetKind::Value => value / m.target,
    };
    out.ratio = Some(ratio);
    let current = obs.current_replicas;
    if config.hpa_replica_math {
        // The HPA's replica calculator for External metrics, exactly: AverageValue divides the
        // total by all pods (status.replicas) and asks for ceil(total / target); Value asks for
        // ceil(ratio x ready pods). The tolerance applies to that ratio.
        let (r, proposal) = match m.kind {
            TargetKind::AverageValue => (
                value / (m.target * f64::from(current.max(1))),
                ceil_u32(value / m.target),
            ),
            TargetKind::Value => (ratio, ceil_u32(ratio * f64::from(ready))),
        };
        out.proposal = Some(if (r - 1.0).abs() <= config.tolerance {
            current
        } else {
            proposal
        });
        return out;
    }
    // The demand in pods, and how full the pods already asked for will be once the starting
    // ones serve: a pod on its way is not asked for twice (as the HPA divides External
    // AverageValue metrics by all pods). The direction comes from the serving pods: overloaded
    // ready pods never ask for fewer pods, idle ones never for more. With every pod ready this
    // is exactly the HPA's rule.
    let need = ratio * f64::from(ready);
    let fill = need / f64::from(current.max(1));
    out.proposal = Some(if (ratio - 1.0).abs() <= config.tolerance {
        current
    } else if ratio > 1.0 {
        // (The band is tested as the HPA tests it, so both agree at its very edge.)
        if fill < 1.0 || (fill - 1.0).abs() <= config.tolerance {
            current
        } else {
            ceil_u32(need).max(current)
        }
    } else {
        ceil_u32(need).min(current)
    });
    out
}

#[cfg(test)]
mod tests {
    use super::ceil_u32;

    #[test]
    fn ceil_forgives_float_noise() {
        assert_eq!(ceil_u32(2.000_000_000_1), 2);
        assert_eq!(ceil_u32(2.1), 3);
        assert_eq!(ceil_u32(-1.0), 0);
    }
}
