//! The controller: watches `ScalingPolicy` objects and, on the leader, reconciles each as
//! controller-rs does, in four steps, each in its own module:
//!
//! - [`gather`]: validate the policy, read the baseline, the Deployment and every metric;
//! - decide: the pure [`decide`] (in `crate::decision`);
//! - [`act`]: patch the scale, write the HPA's targets (`hpa`), or nothing (dry run);
//! - [`report`]: Events (`events`), metrics, the decision log line, status (`status`).
//!
//! A bad policy gets a `Valid=False` condition and no scaling; the other policies are reconciled
//! independently and carry on. [`context`] holds what reconciles share, including the per-policy
//! history that is forgotten when a policy is deleted.

pub mod act;
pub mod context;
mod events;
pub mod gather;
mod hpa;
mod report;
mod status;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::Store;
use kube::runtime::watcher;

pub use context::{Context, Error, MANAGER};

use crate::decision::decide;
use crate::policy::ScalingPolicy;

/// How often deleted policies are looked for in the watch cache.
const PRUNE_EVERY: Duration = Duration::from_secs(30);

/// Decide and act for one policy, timing the work (`notejam_autoscaler_reconcile_duration_seconds`).
pub async fn reconcile(policy: Arc<ScalingPolicy>, ctx: Arc<Context>) -> Result<Action, Error> {
    if !ctx.leader.load(Ordering::SeqCst) {
        // A standby watches but does not act; it re-checks soon in case it becomes the leader.
        return Ok(Action::requeue(Duration::from_secs(5)));
    }
    let ns = policy.namespace().ok_or(Error::NoNamespace)?;
    let name = policy.name_any();
    let key = format!("{ns}/{name}");
    let interval = Duration::from_secs(u64::from(policy.spec.interval_seconds.max(1)));
    let generation = policy.metadata.generation;
    if let Some((at, seen)) = ctx.last_run(&key)
        && seen == generation
        && at.elapsed() < interval
    {
        // Woken by our own status write (or a label change): not due yet.
        return Ok(Action::requeue(interval - at.elapsed()));
    }
    ctx.mark_run(&key, generation);
    let started = Instant::now();
    let result = reconcile_due(&policy, &ctx, &ns, &key).await;
    ctx.metrics
        .observe_reconcile(&name, started.elapsed().as_secs_f64());
    result
}

/// gather -> decide -> act -> report.
async fn reconcile_due(
    policy: &ScalingPolicy,
    ctx: &Context,
    ns: &str,
    key: &str,
) -> Result<Action, Error> {
    let inputs = match gather::inputs(ctx, policy, ns).await? {
        Ok(inputs) => inputs,
        Err(refusal) => {
            report::refused(ctx, policy, &refusal).await?;
            return Ok(Action::requeue(Duration::from_secs(60)));
        }
    };
    let config = &inputs.valid.decision;
    let decision = decide(config, &inputs.observations(), &ctx.history(key));
    let acted = act::act(ctx, policy, ns, &inputs, &decision).await?;
    ctx.record(key, config, &decision, inputs.now_secs, acted.applied());
    report::decided(ctx, policy, &inputs, &decision, acted).await?;
    Ok(Action::requeue(Duration::from_secs(u64::from(
        inputs.valid.interval_seconds,
    ))))
}

/// Count the error, retry soon; other policies are unaffected.
pub fn error_policy(policy: Arc<ScalingPolicy>, error: &Error, ctx: Arc<Context>) -> Action {
    let name = policy.name_any();
    tracing::warn!(policy = %name, error = %error, "reconcile failed; retrying");
    ctx.metrics.inc(
        "notejam_autoscaler_reconcile_errors_total",
        &[("policy", &name), ("error", error.metric_label())],
    );
    Action::requeue(Duration::from_secs(15))
}

/// The policies the watch cache holds now, as `namespace/name` keys.
fn present(store: &Store<ScalingPolicy>) -> HashSet<String> {
    store
        .state()
        .iter()
        .map(|p| format!("{}/{}", p.namespace().unwrap_or_default(), p.name_any()))
        .collect()
}

/// Forget the state of policies that are gone from the watch cache (a deleted policy is never
/// reconciled again, so nothing else would drop its history and series).
async fn forget_deleted(ctx: Arc<Context>, store: Store<ScalingPolicy>) {
    if store.wait_until_ready().await.is_err() {
        return;
    }
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    loop {
        tick.tick().await;
        ctx.forget_absent(&present(&store));
    }
}

/// Run the controller over the ScalingPolicies of one namespace until a shutdown signal.
pub async fn run(ctx: Arc<Context>, namespace: &str) {
    let policies: Api<ScalingPolicy> = Api::namespaced(ctx.client.clone(), namespace);
    let controller =
        Controller::new(policies, watcher::Config::default().any_semantic()).shutdown_on_signal();
    let pruner = tokio::spawn(forget_deleted(ctx.clone(), controller.store()));
    controller
        .run(reconcile, error_policy, ctx)
        .for_each(|_| futures::future::ready(()))
        .await;
    pruner.abort();
}

#[cfg(test)]
mod tests {
    use kube::runtime::{reflector, watcher};

    use super::*;
    use crate::policy::ScalingPolicySpec;

    #[test]
    fn the_watch_cache_names_the_policies_that_still_exist() {
        let spec: ScalingPolicySpec = serde_yaml::from_str(
            "targetRef: {name: x}\nminReplicas: 1\nmaxReplicas: 2\nmetrics: []\n",
        )
        .unwrap();
        let mut p = ScalingPolicy::new("web", spec);
        p.metadata.namespace = Some("notejam".into());
        let (reader, mut writer) = reflector::store();
        writer.apply_watcher_event(&watcher::Event::Init);
        writer.apply_watcher_event(&watcher::Event::InitApply(p.clone()));
        writer.apply_watcher_event(&watcher::Event::InitDone);
        assert_eq!(present(&reader), ["notejam/web".to_string()].into());
        writer.apply_watcher_event(&watcher::Event::Delete(p));
        assert!(present(&reader).is_empty());
    }
}
