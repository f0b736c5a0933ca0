//! One autoscaler stepping through time with its own history: ours, the plain HPA, or a
//! KEDA-like scaler. `simulate` replays three of them side by side; `evaluate --watch` steps
//! them once per live cycle.

use crate::decision::{Decision, DecisionConfig, History, Observations, decide};

/// Which autoscaler a [`Runner`] stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Our policy as written: missing data held, panic mode, forecast floor, guards.
    Ours,
    /// The Kubernetes HPA with its default behaviour and the same bounds and targets: a missing
    /// metric never scales down (the HPA skips a scale-down it cannot justify); its own replica
    /// calculator for External metrics; no panic mode, guards or forecast.
    PlainHpa,
    /// KEDA's Prometheus scaler feeding that HPA: an empty result is read as 0
    /// (`ignoreNullValues: true`, its default), so missing data scales in.
    Keda,
}

/// An autoscaler's rules, its history, and the replicas it last decided.
pub struct Runner {
    kind: Kind,
    config: DecisionConfig,
    history: History,
    /// The replicas after the last decision (what a self-following run runs next).
    pub replicas: u32,
}

impl Runner {
    /// Our policy.
    pub fn ours(config: DecisionConfig, replicas: u32) -> Self {
        Self::new(Kind::Ours, config, replicas)
    }

    /// The plain HPA with the same bounds as `like`.
    pub fn plain_hpa(like: &DecisionConfig, replicas: u32) -> Self {
        let config = DecisionConfig::plain_hpa(like.min_replicas, like.max_replicas);
        Self::new(Kind::PlainHpa, config, replicas)
    }

    /// The KEDA-like scaler with the same bounds as `like`.
    pub fn keda(like: &DecisionConfig, replicas: u32) -> Self {
        let config = DecisionConfig::plain_hpa(like.min_replicas, like.max_replicas);
        Self::new(Kind::Keda, config, replicas)
    }

    fn new(kind: Kind, config: DecisionConfig, replicas: u32) -> Self {
        Self {
            kind,
            config,
            history: History::default(),
            replicas,
        }
    }

    /// Which autoscaler this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The rules this runner decides with.
    pub fn config(&self) -> &DecisionConfig {
        &self.config
    }

    /// Decide on `obs` as this autoscaler sees it, record the decision as applied, and
    /// remember its replicas.
    pub fn decide(&mut self, mut obs: Observations) -> Decision {
        obs.ready_replicas = obs.ready_replicas.min(obs.current_replicas);
        if self.kind != Kind::Ours {
            obs.guards.clear();
            obs.forecasts.clear();
        }
        if self.kind == Kind::Keda {
            for m in &mut obs.metrics {
                m.value = Some(m.value.unwrap_or(0.0));
            }
        }
        let d = decide(&self.config, &obs, &self.history);
        self.history.record(&self.config, &d, obs.now, true);
        self.replicas = d.desired;
        d
    }
}
