//! What the load-making commands share: the plan from the flags, one measured single-step run
//! (with server-side figures from Prometheus when given), and writing its reports.

use std::time::Duration;

use anyhow::{Result, bail};

use crate::attack::{self, Plan};
use crate::baseline::BaselineFile;
use crate::cli::load::LoadArgs;
use crate::journeys::Weights;
use crate::preflight;
use crate::prometheus::Prometheus;
use crate::report;
use crate::result::{RunResult, ServerSeries, Shard};
use crate::threshold::Verdict;

/// The plan of the flags, checked: everything wrong with them is found before any load.
pub fn plan(load: &LoadArgs, steps: Vec<usize>, step_seconds: u64) -> Result<Plan> {
    let Some(host) = load.host.clone() else {
        bail!("--host is required (or NOTEJAM_LOADTEST_HOST): the Notejam site's base URL");
    };
    if load.shard_count == 0 || load.shard_index >= load.shard_count {
        bail!(
            "--shard-index {} must be below --shard-count {} (and the count at least 1)",
            load.shard_index,
            load.shard_count
        );
    }
    if load.users == 0 || steps.contains(&0) {
        bail!("--users (and every ramp step) must be at least 1");
    }
    if load.users < load.shard_count || steps.iter().any(|s| *s < load.shard_count) {
        bail!("every shard needs at least one user: raise --users/--steps or lower --shard-count");
    }
    if let Some(r) = load.rate
        && !(r.is_finite() && r > 0.0)
    {
        bail!("--rate must be a positive number of requests per second");
    }
    if !load.probe_path.starts_with('/') {
        bail!("--probe-path must start with /");
    }
    if load.anonymous_weight + load.browser_weight + load.api_weight + load.probe_weight == 0 {
        bail!("every journey has weight 0: nothing to run");
    }
    if step_seconds == 0 {
        bail!("the measured time must be at least 1 s");
    }
    if load.probe_weight > 0 {
        crate::journeys::probe_target::configure(
            &host,
            &load.probe_path,
            Duration::from_secs(load.timeout),
        )?;
    }
    if let Some(at) = load.start_at
        && (chrono::Utc::now() - at).to_std().unwrap_or_default() > attack::START_AT_SLACK
    {
        bail!(
            "--start-at {} has already passed: give a time far enough ahead for every shard \
             to start",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
    }
    Ok(Plan {
        host: host.trim_end_matches('/').to_string(),
        weights: Weights {
            anonymous: load.anonymous_weight,
            browser: load.browser_weight,
            api: load.api_weight,
            probe: load.probe_weight,
        },
        steps,
        step_seconds,
        warmup_seconds: load.warmup.as_secs(),
        rate: load.rate,
        think: load.think_time,
        timeout_seconds: load.timeout,
        shard: Shard {
            index: load.shard_index,
            count: load.shard_count,
        },
        start_at: load.start_at,
        goose_metrics: load.goose_metrics,
        quiet: load.quiet,
    })
}

/// The Prometheus of `--prometheus-url`, checked, when given.
pub async fn prometheus(load: &LoadArgs) -> Result<Option<Prometheus>> {
    match &load.prometheus_url {
        None => Ok(None),
        Some(u) => {
            let p = Prometheus::new(u)?;
            p.check().await?;
            Ok(Some(p))
        }
    }
}

/// A single-step run against the target, with server-side figures when Prometheus is given.
pub async fn load_once(load: &LoadArgs) -> Result<RunResult> {
    let plan = plan(load, vec![load.users], load.run_time.as_secs())?;
    preflight::preflight(&plan.host, &plan.weights).await?;
    let prom = prometheus(load).await?;
    eprintln!(
        "notejam-loadtest: {} users{} against {} for {} s (+{} s warm-up), shard {}/{}",
        attack::shard_share(load.users, &plan.shard),
        plan.rate
            .map(|r| format!(" at {r} req/s"))
            .unwrap_or_default(),
        plan.host,
        plan.step_seconds,
        plan.warmup_seconds,
        plan.shard.index,
        plan.shard.count
    );
    let outcome = attack::attack(&plan).await?;
    let mut run = attack::to_result(
        &plan,
        &outcome,
        if plan.rate.is_some() { "rate" } else { "users" },
    )?;
    if let Some(p) = prom {
        tokio::time::sleep(Duration::from_secs(load.prometheus_settle)).await;
        let window = (outcome.finished_at - outcome.started_at)
            .num_seconds()
            .max(1) as u64;
        let end = outcome.finished_at + chrono::Duration::seconds(load.prometheus_settle as i64);
        run.server = Some(ServerSeries {
            prometheus_url: p.url().to_string(),
            open_connections: p
                .range(
                    "sum(notejam_http_open_connections)",
                    outcome.started_at,
                    end,
                    1,
                )
                .await?,
            requests_counted: p
                .requests_counted(end, window + load.prometheus_settle)
                .await?,
        });
    }
    if run.total.requests == 0 {
        bail!(
            "no request was measured in {} s: the load did not run (see the messages above)",
            plan.step_seconds
        );
    }
    Ok(run)
}

/// Writes the reports of a run, prints its summary, and (for a shard) its result line.
pub fn finish_run(
    load: &LoadArgs,
    run: &RunResult,
    verdicts: &[Verdict],
    b: Option<&BaselineFile>,
) -> Result<()> {
    report::write_all(&load.report_dir, run, verdicts, b)?;
    report::print_summary(run, verdicts);
    eprintln!(
        "reports: {}/report.md, report.html, result.json",
        load.report_dir.display()
    );
    if load.shard_count > 1 {
        println!("{}", serde_json::to_string(run)?);
    }
    Ok(())
}
