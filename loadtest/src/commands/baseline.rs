//! `baseline`: the stepped ramp, each step measured (with server-side connections from
//! Prometheus when given), judged by the knee rule and written as the baseline file. A shard
//! writes none: `merge --baseline-output` judges the whole ramp.

use std::time::Duration;

use anyhow::{Result, bail};

use super::load::{finish_run, plan, prometheus};
use crate::attack::{self, Plan};
use crate::baseline::from_run::from_run;
use crate::baseline_settings::{BaselineSettings, Slo};
use crate::cli::baseline::BaselineArgs;
use crate::preflight;
use crate::report;
use crate::result::{Stats, StepResult};

/// Runs `baseline`; the value is the exit code.
pub async fn baseline(a: BaselineArgs) -> Result<u8> {
    if a.steps.windows(2).any(|w| w[1] <= w[0]) {
        bail!("--steps must increase: {:?}", a.steps);
    }
    let step_s = a.step_duration.as_secs();
    let warm = a.load.warmup.as_secs();
    if step_s <= warm {
        bail!("--step-duration ({step_s} s) must be longer than --warmup ({warm} s)");
    }
    if a.replicas == 0 {
        bail!("--replicas must be at least 1");
    }
    let mut plan = plan(&a.load, a.steps.clone(), step_s)?;
    plan.step_seconds = step_s;
    preflight::preflight(&plan.host, &plan.weights).await?;
    let prom = prometheus(&a.load).await?;
    let settings = BaselineSettings {
        slo: Slo {
            p95_ms: a.slo_p95.as_secs_f64() * 1000.0,
            max_error_rate: a.slo_errors,
        },
        plateau: a.plateau,
        normal_fraction: a.normal_fraction,
        environment: a.environment.clone(),
        replicas: a.replicas,
        db_pool_size: a.db_pool_size,
        app_version: a.app_version.clone(),
        step_duration_seconds: a.step_duration.as_secs_f64(),
        warmup_seconds: a.load.warmup.as_secs_f64(),
        prometheus_url: prom.as_ref().map(|p| p.url().to_string()),
    };
    eprintln!(
        "notejam-loadtest baseline: steps {:?} users x {step_s} s ({warm} s warm-up each) against {}, shard {}/{}",
        a.steps, plan.host, plan.shard.index, plan.shard.count
    );
    // In a ramp the warm-up is inside each step's hold.
    let outcome = attack::attack(&Plan {
        warmup_seconds: warm,
        ..plan.clone()
    })
    .await?;
    let mut run = attack::to_result(&plan, &outcome, "stepped-ramp")?;
    if let Some(_p) = &prom {
        tokio::time::sleep(Duration::from_secs(a.load.prometheus_settle)).await;
    }
    let mut steps = Vec::new();
    for (i, (from, to)) in outcome.windows.iter().enumerate() {
        let secs = to - from;
        let series = outcome.snapshot.phases.get(&i).cloned().unwrap_or_default();
        let stats = Stats::from_series(&series, secs)?;
        let users = attack::shard_share(a.steps[i], &plan.shard);
        let (conn, source, server_p95) = match &prom {
            Some(p) => {
                let end = outcome.started_at + chrono::Duration::milliseconds((to * 1000.0) as i64);
                let w = secs.round().max(1.0) as u64;
                let c = p
                    .open_connections(end, w)
                    .await?
                    .filter(|c| *c > 0.0)
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "Prometheus had no notejam_http_open_connections sample within step {i}'s measured {w} s (--step-duration minus --warmup): make that longer than the scrape interval"
                        )
                    })?;
                (c, "server", p.server_p95_ms(end, w).await?)
            }
            // Each goose user holds one keep-alive connection: users is the client-side count.
            None => (users as f64, "client", None),
        };
        if stats.requests == 0 {
            bail!("step {i} ({users} users) measured no request: the load did not run");
        }
        steps.push(StepResult {
            users,
            duration_seconds: secs,
            stats,
            open_connections: conn,
            open_connections_source: source.into(),
            server_p95_ms: server_p95,
        });
    }
    run.steps = steps;
    run.baseline = Some(settings.clone());
    if plan.shard.count > 1 {
        // One shard's share of the load says nothing about the knee: `merge` decides it.
        finish_run(&a.load, &run, &[], None)?;
        eprintln!(
            "baseline: shard {}/{} measured its share; no baseline file written (merge the shards' \
             results with `notejam-loadtest merge --baseline-output FILE`)",
            plan.shard.index, plan.shard.count
        );
        return Ok(0);
    }
    let file = from_run(&run, &settings)?;
    report::write_file(&a.output, &serde_json::to_string_pretty(&file)?)?;
    finish_run(&a.load, &run, &[], Some(&file))?;
    report::describe_baseline(&file, &a.output);
    Ok(0)
}
