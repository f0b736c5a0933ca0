//! Running goose: the attack a plan describes, its step windows and phases, and turning what the recorder measured into a [`RunResult`].

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use goose::config::GooseConfiguration;
use goose::prelude::*;

use crate::journeys::{self, Weights};
use crate::progress::Progress;
use crate::recorder::{self, Recorder, Snapshot};
use crate::result::{Method, RESULT_FORMAT, RunResult, Shard, Stats};

/// The tool's name and version, as written into results and baselines.
pub fn generated_by() -> String {
    format!("notejam-loadtest {}", env!("CARGO_PKG_VERSION"))
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub host: String,
    pub weights: Weights,
    /// Users per step (one entry for `run` and `gate`).
    pub steps: Vec<usize>,
    pub step_seconds: u64,
    pub warmup_seconds: u64,
    pub rate: Option<f64>,
    pub think: (Duration, Duration),
    pub timeout_seconds: u64,
    pub shard: Shard,
    /// Wall-clock start shared by the shards (`--start-at`), so their steps run at the same time.
    pub start_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Keep goose's own request metrics (a cross-check of our counts, at a CPU cost).
    pub goose_metrics: bool,
    pub quiet: bool,
}

/// A finished attack: the recorder's snapshot and goose's own counts.
pub struct Outcome {
    pub snapshot: Snapshot,
    pub goose_counts: Option<(u64, u64)>,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: chrono::DateTime<chrono::Utc>,
    /// (start, end) of each step's measured window, seconds since the attack started.
    pub windows: Vec<(f64, f64)>,
}

/// The users of this shard: `total` split as evenly as possible over `count` shards.
pub fn shard_share(total: usize, shard: &Shard) -> usize {
    total / shard.count + usize::from(shard.index < total % shard.count)
}

fn goose_config(plan: &Plan, users: &[usize]) -> Result<GooseConfiguration> {
    let mut args: Vec<String> = vec![
        "--host".into(),
        plan.host.clone(),
        "--no-telnet".into(),
        "--no-print-metrics".into(),
        "--no-error-summary".into(),
        "--quiet".into(),
        "--timeout".into(),
        plan.timeout_seconds.to_string(),
    ];
    if plan.goose_metrics {
        // Goose's request counts only, a cross-check of ours; the rest is overhead.
        args.extend([
            "--no-transaction-metrics".into(),
            "--no-scenario-metrics".into(),
            "--no-status-codes".into(),
        ]);
    } else {
        // Our recorder measures every request: goose's copy of each request's metric, its
        // channel and its aggregation are pure overhead.
        args.push("--no-metrics".into());
    }
    if users.len() == 1 {
        let u = users[0];
        args.extend([
            "--users".into(),
            u.to_string(),
            "--increase-rate".into(),
            u.to_string(),
            "--run-time".into(),
            format!("{}s", plan.warmup_seconds + plan.step_seconds),
            "--no-reset-metrics".into(),
        ]);
    } else {
        // Each step: reach its users in 1 s, then hold them for the step's time.
        let p: Vec<String> = users
            .iter()
            .map(|u| format!("{u},1s;{u},{}s", plan.step_seconds))
            .collect();
        // The plan ends by stopping every user, or goose would hold the last step forever.
        args.extend(["--test-plan".into(), format!("{};0,0s", p.join(";"))]);
    }
    GooseConfiguration::parse_args_default(&args)
        .map_err(|e| anyhow::anyhow!("goose refused its configuration: {e}"))
}

/// Most a shard may miss `--start-at` by: later, its steps would not line up with the others'.
pub const START_AT_SLACK: Duration = Duration::from_secs(1);

/// Waits for `--start-at`; an error if it has passed (by more than [`START_AT_SLACK`]).
pub async fn wait_for_start(start_at: Option<chrono::DateTime<chrono::Utc>>) -> Result<()> {
    let Some(at) = start_at else { return Ok(()) };
    let now = chrono::Utc::now();
    match (at - now).to_std() {
        Ok(wait) => {
            tokio::time::sleep(wait).await;
            Ok(())
        }
        Err(_) if (now - at).to_std().unwrap_or_default() <= START_AT_SLACK => Ok(()),
        Err(_) => bail!(
            "--start-at {} passed {:.1} s ago: this shard would not run at the same time as \
             the others; give a later time",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            (now - at).num_milliseconds() as f64 / 1000.0
        ),
    }
}

/// Runs the plan once and returns what was measured.
pub async fn attack(plan: &Plan) -> Result<Outcome> {
    wait_for_start(plan.start_at).await?;
    let users: Vec<usize> = plan
        .steps
        .iter()
        .map(|u| shard_share(*u, &plan.shard).max(1))
        .collect();
    let rate = plan.rate.map(|r| r / plan.shard.count as f64);
    let recorder = Recorder::new(rate);
    recorder::install(recorder.clone());

    let mut attack = GooseAttack::initialize_with_config(goose_config(plan, &users)?)?;
    for s in journeys::scenarios(&plan.weights)? {
        let s = if plan.think.1 > Duration::ZERO {
            s.set_wait_time(plan.think.0, plan.think.1)?
        } else {
            s
        };
        attack = attack.register_scenario(s);
    }

    // Step windows, relative to the attack's start: a plan step takes 1 s to reach its users,
    // then holds them; the first `warmup` seconds of each hold are not measured.
    let mut windows = Vec::new();
    let mut t = 0.0;
    for _ in &users {
        let ramp = if users.len() == 1 { 0.0 } else { 1.0 };
        let start = t + ramp + plan.warmup_seconds as f64;
        let end = t
            + ramp
            + plan.step_seconds as f64
            + if users.len() == 1 {
                plan.warmup_seconds as f64
            } else {
                0.0
            };
        windows.push((start, end));
        t = end;
    }
    let phaser = tokio::spawn(drive_phases(recorder.clone(), windows.clone()));
    let planned = windows.last().map(|w| w.1.ceil() as u64).unwrap_or(0);
    let progress = (!plan.quiet).then(|| Progress::start(recorder.clone(), users.clone(), planned));

    let started_at = chrono::Utc::now();
    let metrics = attack
        .execute()
        .await
        .context("goose could not run the load")?;
    let finished_at = chrono::Utc::now();
    phaser.abort();
    recorder.set_phase(None);
    if let Some(p) = progress {
        p.finish();
    }
    let (mut ok, mut failed) = (0u64, 0u64);
    for agg in metrics.requests.values() {
        ok += agg.success_count as u64;
        failed += agg.fail_count as u64;
    }
    Ok(Outcome {
        snapshot: recorder.snapshot(),
        goose_counts: plan.goose_metrics.then_some((ok + failed, failed)),
        started_at,
        finished_at,
        windows,
    })
}

async fn drive_phases(recorder: Arc<Recorder>, windows: Vec<(f64, f64)>) {
    for (i, (start, end)) in windows.into_iter().enumerate() {
        sleep_until(&recorder, start).await;
        recorder.set_phase(Some(i));
        sleep_until(&recorder, end).await;
        recorder.set_phase(None);
    }
}

async fn sleep_until(recorder: &Recorder, t: f64) {
    let now = recorder.elapsed().as_secs_f64();
    if t > now {
        tokio::time::sleep(Duration::from_secs_f64(t - now)).await;
    }
}

/// Builds the result of a single-step run (`run`, `gate`).
pub fn to_result(plan: &Plan, outcome: &Outcome, kind: &str) -> Result<RunResult> {
    let snap = &outcome.snapshot;
    // The measured windows (one per step), cut short if the run ended early.
    let planned: f64 = outcome.windows.iter().map(|(s, e)| e - s).sum();
    let seconds = planned.min(snap.measured_seconds.max(f64::MIN_POSITIVE));
    let stats = |s| Stats::from_series(s, seconds);
    Ok(RunResult {
        format: RESULT_FORMAT.into(),
        generated_by: generated_by(),
        target: plan.host.clone(),
        started_at: outcome
            .started_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        finished_at: outcome
            .finished_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        duration_seconds: seconds,
        method: method(plan, kind),
        shards: vec![plan.shard.clone()],
        total: stats(&snap.total)?,
        journeys: snap
            .journeys
            .iter()
            .map(|(k, v)| Ok((k.clone(), stats(v)?)))
            .collect::<Result<_>>()?,
        requests: snap
            .requests
            .iter()
            .map(|(k, v)| Ok((k.clone(), stats(v)?)))
            .collect::<Result<_>>()?,
        failures: snap.failures.clone(),
        goose_counts: outcome.goose_counts,
        requests_sent: snap.sent,
        redirects_followed: snap.redirects,
        timeline: snap.timeline.clone(),
        steps: Vec::new(),
        server: None,
        baseline: None,
    })
}

/// The method block of a result.
pub fn method(plan: &Plan, kind: &str) -> Method {
    Method {
        kind: kind.into(),
        users: plan
            .steps
            .iter()
            .map(|u| shard_share(*u, &plan.shard).max(1))
            .max()
            .unwrap_or(0),
        rate: plan.rate.map(|r| r / plan.shard.count as f64),
        run_time_seconds: plan.step_seconds as f64,
        warmup_seconds: plan.warmup_seconds as f64,
        weights: plan.weights.as_map(),
        coordinated_omission_correction: if plan.rate.is_some() {
            "scheduled"
        } else {
            "expected-interval"
        }
        .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_split_evenly_over_shards() {
        let shares: Vec<usize> = (0..4)
            .map(|index| shard_share(10, &Shard { index, count: 4 }))
            .collect();
        assert_eq!(shares, vec![3, 3, 2, 2]);
        assert_eq!(shares.iter().sum::<usize>(), 10);
    }
}
