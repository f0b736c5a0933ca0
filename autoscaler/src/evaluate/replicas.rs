//! Where `evaluate` learns how many replicas run: assumed (given once, then each side follows
//! its own decisions, as `simulate` does), a PromQL query, or the Deployment in the cluster.

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;

use crate::sources::{PrometheusSource, Reading};

/// Replicas as observed this cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observed {
    /// The scale's `spec.replicas`.
    pub current: u32,
    /// Ready pods, over which usage is computed.
    pub ready: u32,
}

/// How the replica count is learnt each cycle.
pub enum ReplicaSource {
    /// Nothing is observed: each side runs what it last decided.
    Assumed,
    /// Ready (= current) replicas from a PromQL query, e.g. `count(up{job="notejam"} == 1)`.
    Query {
        prometheus: Option<PrometheusSource>,
        query: String,
    },
    /// The Deployment's `spec.replicas` and `status.readyReplicas`.
    Cluster {
        api: Box<Api<Deployment>>,
        name: String,
    },
}

impl ReplicaSource {
    /// This cycle's replicas; `Ok(None)` when nothing is observed (`Assumed`).
    pub async fn observe(&self) -> Result<Option<Observed>, String> {
        match self {
            ReplicaSource::Assumed => Ok(None),
            ReplicaSource::Query { prometheus, query } => {
                let prometheus = prometheus
                    .as_ref()
                    .ok_or("--replicas-query needs --prometheus-url")?;
                match prometheus.query(query).await {
                    Ok(Reading::Value(v)) if v >= 0.0 => {
                        let n = v.round().min(f64::from(u32::MAX)) as u32;
                        Ok(Some(Observed {
                            current: n,
                            ready: n,
                        }))
                    }
                    Ok(Reading::Value(v)) => Err(format!("--replicas-query returned {v}")),
                    Ok(Reading::Missing(why) | Reading::Stale(why)) => {
                        Err(format!("--replicas-query: {why}"))
                    }
                    Err(e) => Err(format!("--replicas-query: {e}")),
                }
            }
            ReplicaSource::Cluster { api, name } => {
                let d = api
                    .get_opt(name)
                    .await
                    .map_err(|e| format!("reading Deployment {name}: {e}"))?
                    .ok_or_else(|| format!("Deployment {name} not found"))?;
                let (current, ready) = crate::controller::gather::replicas_of(&d);
                Ok(Some(Observed { current, ready }))
            }
        }
    }
}
