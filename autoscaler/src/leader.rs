//! Leader election with a `coordination.k8s.io/v1` Lease, as client-go does it: the holder
//! renews `renewTime`; anyone may take the lease once `renewTime + leaseDurationSeconds` has
//! passed; every write carries the `resourceVersion` it read, so two candidates cannot both win.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::Api;
use kube::api::PostParams;

use crate::metrics::Metrics;

/// One candidate for the lease.
#[derive(Clone)]
pub struct LeaderElector {
    api: Api<Lease>,
    name: String,
    identity: String,
    duration: Duration,
}

fn conflict(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 409)
}

impl LeaderElector {
    pub fn new(api: Api<Lease>, name: &str, identity: &str, duration: Duration) -> Self {
        Self {
            api,
            name: name.into(),
            identity: identity.into(),
            duration,
        }
    }

    fn spec(&self, now: Timestamp, acquired: Timestamp, transitions: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(self.identity.clone()),
            lease_duration_seconds: Some(self.duration.as_secs().max(1) as i32),
            acquire_time: Some(MicroTime(acquired)),
            renew_time: Some(MicroTime(now)),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }
    }

    /// Take the lease if it is free or expired, renew it if ours; true when we hold it after.
    pub async fn try_acquire_or_renew(&self, now: Timestamp) -> Result<bool, kube::Error> {
        let Some(mut lease) = self.api.get_opt(&self.name).await? else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.name.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(self.spec(now, now, 0)),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(true),
                Err(e) if conflict(&e) => Ok(false),
                Err(e) => Err(e),
            };
        };
        let spec = lease.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.as_deref().filter(|h| !h.is_empty());
        let mine = holder == Some(self.identity.as_str());
        let expired = match (&spec.renew_time, spec.lease_duration_seconds) {
            (Some(MicroTime(renewed)), Some(secs)) => {
                *renewed + SignedDuration::from_secs(i64::from(secs)) < now
            }
            _ => true,
        };
        if holder.is_some() && !mine && !expired {
            return Ok(false);
        }
        let transitions = spec.lease_transitions.unwrap_or(0);
        lease.spec = Some(if mine {
            let acquired = spec.acquire_time.map_or(now, |t| t.0);
            self.spec(now, acquired, transitions)
        } else {
            self.spec(now, now, transitions + 1)
        });
        match self
            .api
            .replace(&self.name, &PostParams::default(), &lease)
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if conflict(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Give the lease up (on shutdown) so a standby takes over at once rather than after expiry.
    pub async fn release(&self) -> Result<(), kube::Error> {
        let Some(mut lease) = self.api.get_opt(&self.name).await? else {
            return Ok(());
        };
        let Some(spec) = lease.spec.as_mut() else {
            return Ok(());
        };
        if spec.holder_identity.as_deref() != Some(self.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        match self
            .api
            .replace(&self.name, &PostParams::default(), &lease)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if conflict(&e) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Keep trying every third of the lease duration; `leader` tells the reconciler whether to act.
    /// On an API error leadership is dropped at once: better no decision than two.
    pub fn spawn(self, leader: Arc<AtomicBool>, metrics: Metrics) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let every = (self.duration / 3).max(Duration::from_secs(1));
            loop {
                let held = match self.try_acquire_or_renew(Timestamp::now()).await {
                    Ok(held) => held,
                    Err(e) => {
                        tracing::warn!(error = %e, lease = %self.name, "lease check failed; standing by");
                        false
                    }
                };
                if held != leader.swap(held, Ordering::SeqCst) {
                    tracing::info!(leader = held, identity = %self.identity, lease = %self.name, "leadership changed");
                }
                metrics.set(
                    "notejam_autoscaler_leader",
                    &[],
                    if held { 1.0 } else { 0.0 },
                );
                tokio::time::sleep(every).await;
            }
        })
    }
}
