//! The command line: flags, and what each subcommand does with them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::attack::{self, Plan};
use crate::baseline::{self, BaselineFile};
use crate::baseline_settings::{BaselineSettings, Slo};
use crate::journeys::Weights;
use crate::prometheus::Prometheus;
use crate::report;
use crate::result::{self, RunResult, ServerSeries, Shard, StepResult};
use crate::threshold;

/// Exit code when a threshold failed (`gate`).
pub const EXIT_THRESHOLD_FAILED: u8 = 99;

/// Load generator for Notejam: validated user journeys on goose, exact HDR-histogram
/// percentiles, a stepped-ramp baseline, a CI gate and a merge of sharded runs.
///
/// Exit codes: 0 success (gate: every threshold passed), 99 a gate threshold failed,
/// 1 the test itself could not run (bad flag, unreachable or wrong target, no requests measured).
/// Progress goes to stderr; reports go to --report-dir. Only aim it at environments we own.
#[derive(Debug, Parser)]
#[command(name = "notejam-loadtest", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load at a fixed number of users (or a fixed request rate) for a duration, with a report.
    ///
    /// Example: notejam-loadtest run --host http://127.0.0.1:8080 --users 20 --run-time 1m
    Run(RunArgs),
    /// Run, then judge k6-style thresholds: exit 0 pass, 99 a threshold failed, 1 could not run.
    ///
    /// Example: notejam-loadtest gate --host URL --users 20 --run-time 2m
    ///   --baseline k8s/overlays/dev/baseline.json --threshold 'p95<300ms'
    ///   --threshold 'errors<1%' --threshold 'p95<baseline*1.2' --junit junit.xml
    Gate(GateArgs),
    /// Stepped ramp: measure each step, find the normal point and the knee, write the baseline.
    ///
    /// Example: notejam-loadtest baseline --host URL --steps 5,10,20,40,80 --step-duration 60s
    ///   --prometheus-url http://prometheus:9090 --replicas 3 --environment staging
    ///   --output baseline.json
    Baseline(BaselineArgs),
    /// Merge the result files of shards (exact: histograms are added) into one result.
    ///
    /// Example: notejam-loadtest merge shard-*.json --output merged.json --report-dir merged/
    Merge(MergeArgs),
}

/// Flags every load-making subcommand shares.
#[derive(Debug, Args, Clone)]
pub struct LoadArgs {
    /// Base URL of the Notejam site (the public port, not the admin port).
    #[arg(long, env = "NOTEJAM_LOADTEST_HOST", value_name = "URL")]
    pub host: Option<String>,
    /// Concurrent users (each with its own cookie jar and keep-alive connection).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub users: usize,
    /// Fixed request rate (req/s, all users together, open model): latency then counts from each
    /// request's intended send time. Without it, each user sends as fast as answers come back.
    #[arg(long, value_name = "REQ_PER_S")]
    pub rate: Option<f64>,
    /// How long to measure, e.g. 30s, 5m.
    #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    pub run_time: Duration,
    /// Load sent but not measured before the measured time (users signing up, caches warming).
    #[arg(long, default_value = "0s", value_parser = parse_duration, value_name = "DURATION")]
    pub warmup: Duration,
    /// Relative weight of the anonymous-visitor journey (0 leaves it out).
    #[arg(long, default_value_t = 1, value_name = "W")]
    pub anonymous_weight: usize,
    /// Relative weight of the browser-user journey (0 leaves it out).
    #[arg(long, default_value_t = 3, value_name = "W")]
    pub browser_weight: usize,
    /// Relative weight of the JSON API journey (/api/v1; 0 leaves it out).
    #[arg(long, default_value_t = 2, value_name = "W")]
    pub api_weight: usize,
    /// Weight of the probe: a plain GET of --probe-path checked for 200, for measuring the
    /// generator itself or smoke checks (0 leaves it out).
    #[arg(long, default_value_t = 0, value_name = "W")]
    pub probe_weight: usize,
    /// Path the probe requests.
    #[arg(long, default_value = "/signin/", value_name = "PATH")]
    pub probe_path: String,
    /// Pause between a user's journey loops: 0s, 2s, or a range 1s-3s.
    #[arg(long, default_value = "0s", value_parser = parse_think, value_name = "RANGE")]
    pub think_time: (Duration, Duration),
    /// Per-request timeout, seconds.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
    /// This shard's index (0-based) in a sharded run (Kubernetes: $JOB_COMPLETION_INDEX).
    #[arg(long, default_value_t = 0, value_name = "I")]
    pub shard_index: usize,
    /// Number of shards; each runs its share of --users and --rate. With more than one, the
    /// result JSON is also printed as the last line of stdout, for `merge`.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub shard_count: usize,
    /// Start the load at this wall-clock time (RFC 3339, e.g. 2026-11-28T12:00:00Z), after the
    /// checks: give every shard the same time so their steps line up (`merge` refuses ramps whose
    /// shards started more than 10 % of a step apart). A time already passed is an error.
    #[arg(long, env = "NOTEJAM_LOADTEST_START_AT", value_parser = parse_time, value_name = "TIME")]
    pub start_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Prometheus that scrapes the app: server-side open connections, latency, request counts.
    #[arg(long, env = "NOTEJAM_LOADTEST_PROMETHEUS_URL", value_name = "URL")]
    pub prometheus_url: Option<String>,
    /// Seconds to wait after the load before reading Prometheus (its last scrape must land).
    #[arg(long, default_value_t = 6, value_name = "SECS")]
    pub prometheus_settle: u64,
    /// Folder for result.json, report.md and report.html.
    #[arg(long, default_value = "loadtest-report", value_name = "DIR")]
    pub report_dir: PathBuf,
    /// Also keep goose's own request metrics, to cross-check our counts (`goose_counts` in the
    /// result): about 5 % more generator CPU per request.
    #[arg(long)]
    pub goose_metrics: bool,
    /// No progress line on stderr.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Args)]
pub struct GateArgs {
    #[command(flatten)]
    pub load: LoadArgs,
    /// A threshold, repeatable: METRIC[{journey=NAME}|{request=NAME}] OP LIMIT.
    /// Metrics p50 p90 p95 p99 p99.9 max mean (LIMIT like 300ms, 1s), errors (1% or 0.01),
    /// rps, requests. OP is < <= > >=. LIMIT baseline*F compares with the baseline's normal
    /// step (p50, p95, p99, errors, rps). Examples: 'p95<300ms' 'errors<1%' 'rps>200'
    /// 'p95{journey=browser}<500ms' 'p95<baseline*1.2'.
    #[arg(long = "threshold", required = true, value_name = "EXPR")]
    pub thresholds: Vec<String>,
    /// Baseline file (for relative thresholds), as written by `baseline`.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Where to write the JUnit XML (one test case per threshold).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Judge an existing result (e.g. from `merge`) instead of running load.
    #[arg(long, value_name = "RESULT_JSON")]
    pub from: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub load: LoadArgs,
    /// Users at each step of the ramp, comma-separated and increasing.
    #[arg(
        long,
        default_value = "5,10,20,40,80",
        value_delimiter = ',',
        value_name = "N,N,..."
    )]
    pub steps: Vec<usize>,
    /// How long each step holds its users (the measured part is this minus --warmup).
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub step_duration: Duration,
    /// SLO: p95 latency a step must stay under.
    #[arg(long, default_value = "300ms", value_parser = parse_duration, value_name = "DURATION")]
    pub slo_p95: Duration,
    /// SLO: error rate a step must stay under, e.g. 1%.
    #[arg(long, default_value = "1%", value_parser = parse_rate, value_name = "RATE")]
    pub slo_errors: f64,
    /// Knee rule: less requests/s growth than this over the best earlier step is a plateau.
    #[arg(long, default_value = "5%", value_parser = parse_rate, value_name = "RATE")]
    pub plateau: f64,
    /// Knee rule: the normal step carries at most this share of capacity's requests/s.
    #[arg(long, default_value = "60%", value_parser = parse_rate, value_name = "RATE")]
    pub normal_fraction: f64,
    /// Where the target runs: local, development, staging or production.
    #[arg(long, default_value = "local", value_parser = ["local", "development", "staging", "production"])]
    pub environment: String,
    /// App pods serving during the whole ramp (per-pod figures divide by this).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub replicas: u32,
    /// NOTEJAM_DB_MAX_CONNECTIONS of each pod, when known.
    #[arg(long, value_name = "N")]
    pub db_pool_size: Option<u32>,
    /// Image tag or git commit of the app under test, when known.
    #[arg(long, value_name = "VERSION")]
    pub app_version: Option<String>,
    /// Where to write the baseline JSON. A shard (--shard-count above 1) writes none: its
    /// result carries the settings, and `merge --baseline-output` writes the file of all shards.
    #[arg(long, default_value = "baseline.json", value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Result files of the shards (result.json, or a log whose last line is the result).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Write the merged result here (default: stdout).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the Markdown and HTML reports of the merged run here.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// The shards ran `baseline`: also write the baseline file of the merged ramp here (each
    /// step's histograms merged, users and requests/s summed, the shards' knee rule applied).
    #[arg(long, value_name = "FILE")]
    pub baseline_output: Option<PathBuf>,
}

/// Parses `30s`, `5m`, `1h30m`, `250ms`; a bare number is seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if let Ok(n) = s.parse::<u64>() {
        return Ok(Duration::from_secs(n));
    }
    humantime::parse_duration(s)
        .map_err(|e| format!("{s:?} is not a duration like 30s, 5m or 250ms: {e}"))
}

fn parse_think(s: &str) -> Result<(Duration, Duration), String> {
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (parse_duration(a)?, parse_duration(b)?);
            if a > b {
                return Err(format!("{s:?}: the range must go from low to high"));
            }
            Ok((a, b))
        }
        None => {
            let d = parse_duration(s)?;
            Ok((d, d))
        }
    }
}

fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("{s:?} is not an RFC 3339 time like 2026-11-28T12:00:00Z: {e}"))
}

/// Parses `1%` or `0.01` into a fraction.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let v = match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => s.trim().parse::<f64>(),
    }
    .map_err(|_| format!("{s:?} is not a rate like 1% or 0.01"))?;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("{s:?} must be between 0% and 100%"));
    }
    Ok(v)
}

impl LoadArgs {
    fn plan(&self, steps: Vec<usize>, step_seconds: u64) -> Result<Plan> {
        let Some(host) = self.host.clone() else {
            bail!("--host is required (or NOTEJAM_LOADTEST_HOST): the Notejam site's base URL");
        };
        if self.shard_count == 0 || self.shard_index >= self.shard_count {
            bail!(
                "--shard-index {} must be below --shard-count {} (and the count at least 1)",
                self.shard_index,
                self.shard_count
            );
        }
        if self.users == 0 || steps.contains(&0) {
            bail!("--users (and every ramp step) must be at least 1");
        }
        if self.users < self.shard_count || steps.iter().any(|s| *s < self.shard_count) {
            bail!(
                "every shard needs at least one user: raise --users/--steps or lower --shard-count"
            );
        }
        if let Some(r) = self.rate
            && !(r.is_finite() && r > 0.0)
        {
            bail!("--rate must be a positive number of requests per second");
        }
        if !self.probe_path.starts_with('/') {
            bail!("--probe-path must start with /");
        }
        if self.anonymous_weight + self.browser_weight + self.api_weight + self.probe_weight == 0 {
            bail!("every journey has weight 0: nothing to run");
        }
        if step_seconds == 0 {
            bail!("the measured time must be at least 1 s");
        }
        if self.probe_weight > 0 {
            crate::journeys::probe_target::configure(
                &host,
                &self.probe_path,
                Duration::from_secs(self.timeout),
            )?;
        }
        if let Some(at) = self.start_at
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
                anonymous: self.anonymous_weight,
                browser: self.browser_weight,
                api: self.api_weight,
                probe: self.probe_weight,
            },
            steps,
            step_seconds,
            warmup_seconds: self.warmup.as_secs(),
            rate: self.rate,
            think: self.think_time,
            timeout_seconds: self.timeout,
            shard: Shard {
                index: self.shard_index,
                count: self.shard_count,
            },
            start_at: self.start_at,
            goose_metrics: self.goose_metrics,
            quiet: self.quiet,
        })
    }

    async fn prometheus(&self) -> Result<Option<Prometheus>> {
        match &self.prometheus_url {
            None => Ok(None),
            Some(u) => {
                let p = Prometheus::new(u)?;
                p.check().await?;
                Ok(Some(p))
            }
        }
    }
}

/// Runs one subcommand; the value is the exit code.
pub async fn dispatch(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Run(a) => run(a).await,
        Command::Gate(a) => gate(a).await,
        Command::Baseline(a) => baseline_cmd(a).await,
        Command::Merge(a) => merge(a),
    }
}

/// A single-step run against the target, with server-side figures when Prometheus is given.
async fn load_once(load: &LoadArgs) -> Result<RunResult> {
    let plan = load.plan(vec![load.users], load.run_time.as_secs())?;
    attack::preflight(&plan.host, &plan.weights).await?;
    let prom = load.prometheus().await?;
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

fn finish_run(
    load: &LoadArgs,
    run: &RunResult,
    verdicts: &[threshold::Verdict],
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

async fn run(a: RunArgs) -> Result<u8> {
    let run = load_once(&a.load).await?;
    finish_run(&a.load, &run, &[], None)?;
    if run.total.errors == run.total.requests {
        bail!(
            "every one of the {} requests failed: the target is not serving Notejam correctly",
            run.total.requests
        );
    }
    Ok(0)
}

/// A `gate` command line clap refused (exit 1) still writes its `--junit` file, when one can be
/// read from the arguments: CI then shows the usage error instead of "no tests".
pub fn junit_for_usage_error(message: &str) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("gate") {
        return;
    }
    let mut path = None;
    let mut host = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.split_once('=') {
            Some(("--junit", v)) => path = Some(v.to_string()),
            Some(("--host", v)) => host = Some(v.to_string()),
            _ if a == "--junit" => path = it.next().cloned(),
            _ if a == "--host" => host = it.next().cloned(),
            _ => {}
        }
    }
    if let Some(p) = path.filter(|p| !p.is_empty() && !p.starts_with('-')) {
        let target = host.unwrap_or_else(|| "(command line refused)".into());
        let xml = report::junit::junit_error(&target, message.trim());
        if let Err(w) = report::write_file(Path::new(&p), &xml) {
            eprintln!("error: and the JUnit file could not be written: {w:#}");
        }
    }
}

/// `gate`, which also says in the JUnit file when the test itself could not run (exit 1), so CI
/// shows that failure rather than "no tests".
async fn gate(a: GateArgs) -> Result<u8> {
    let junit = a.junit.clone();
    let target = match (&a.from, &a.load.host) {
        (Some(f), _) => f.display().to_string(),
        (None, Some(h)) => h.clone(),
        (None, None) => "(no --host)".to_string(),
    };
    let outcome = gate_judged(a).await;
    if let (Err(e), Some(path)) = (&outcome, junit) {
        let xml = report::junit::junit_error(&target, &format!("{e:#}"));
        if let Err(w) = report::write_file(&path, &xml) {
            eprintln!("error: and the JUnit file could not be written: {w:#}");
        }
    }
    outcome
}

async fn gate_judged(a: GateArgs) -> Result<u8> {
    // Everything that can be wrong with the command is found before any load is sent.
    let thresholds = threshold::parse_all(&a.thresholds)?;
    let needs_baseline = thresholds
        .iter()
        .any(|t| matches!(t.limit, threshold::Limit::Baseline(_)));
    let baseline = match &a.baseline {
        Some(p) => Some(BaselineFile::read(p)?),
        None if needs_baseline => {
            bail!("a threshold is relative to the baseline: give --baseline FILE")
        }
        None => None,
    };
    let run = match &a.from {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            RunResult::from_json(&text, &p.display().to_string())?
        }
        None => load_once(&a.load).await?,
    };
    let verdicts = threshold::evaluate(&thresholds, &run, baseline.as_ref());
    if let Some(j) = &a.junit {
        report::write_file(j, &report::junit::junit(&run, &verdicts))?;
    }
    finish_run(&a.load, &run, &verdicts, baseline.as_ref())?;
    let failed = verdicts.iter().filter(|v| !v.passed).count();
    if failed > 0 {
        eprintln!("gate: {failed} of {} thresholds FAILED", verdicts.len());
        Ok(EXIT_THRESHOLD_FAILED)
    } else {
        eprintln!("gate: all {} thresholds passed", verdicts.len());
        Ok(0)
    }
}

async fn baseline_cmd(a: BaselineArgs) -> Result<u8> {
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
    let mut plan = a.load.plan(a.steps.clone(), step_s)?;
    plan.step_seconds = step_s;
    attack::preflight(&plan.host, &plan.weights).await?;
    let prom = a.load.prometheus().await?;
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
        let stats = result::Stats::from_series(&series, secs)?;
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
                            "Prometheus had no notejam_http_open_connections for step {i}"
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
    let file = baseline::from_run::from_run(&run, &settings)?;
    report::write_file(&a.output, &serde_json::to_string_pretty(&file)?)?;
    finish_run(&a.load, &run, &[], Some(&file))?;
    describe_baseline(&file, &a.output);
    Ok(0)
}

fn describe_baseline(file: &BaselineFile, path: &Path) {
    eprintln!(
        "baseline: normal step {} ({} users), knee {}, capacity {:.1} req/s per pod, {:.1} connections per pod ({}) -> {}",
        file.normal_step,
        file.steps[file.normal_step].users,
        file.knee_step
            .map(|k| format!("step {k} ({} users)", file.steps[k].users))
            .unwrap_or("not reached".into()),
        file.capacity_rps_per_pod,
        file.capacity_connections_per_pod,
        file.connections_source,
        path.display()
    );
}

fn merge(a: MergeArgs) -> Result<u8> {
    let mut results = Vec::new();
    for f in &a.files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        // A pod log ends with the result line; a result.json is the whole file.
        let candidate = if text.trim_start().starts_with('{')
            && serde_json::from_str::<serde_json::Value>(&text).is_ok()
        {
            text.clone()
        } else {
            text.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .to_string()
        };
        results.push(RunResult::from_json(&candidate, &f.display().to_string())?);
    }
    for w in result::shards::check_shards(&results)? {
        eprintln!("warning: {w}");
    }
    let merged = result::merge::merge(&results)?;
    // Everything that can be wrong is found before anything is written.
    let baseline = match &a.baseline_output {
        None => None,
        Some(_) => {
            let Some(settings) = &merged.baseline else {
                bail!(
                    "--baseline-output: the shards did not run `baseline` (their results carry no \
                     baseline settings), so there is no ramp to judge"
                );
            };
            Some(baseline::from_run::from_run(&merged, settings)?)
        }
    };
    let json = serde_json::to_string_pretty(&merged)?;
    match &a.output {
        Some(p) => report::write_file(p, &json)?,
        None => println!("{json}"),
    }
    if let (Some(p), Some(b)) = (&a.baseline_output, &baseline) {
        report::write_file(p, &serde_json::to_string_pretty(b)?)?;
    }
    if let Some(dir) = &a.report_dir {
        report::write_all(dir, &merged, &[], baseline.as_ref())?;
    }
    eprintln!(
        "merged {} shards: {} requests, {:.1} req/s, p95 {:.2} ms, p99 {:.2} ms, errors {:.2} %",
        results.len(),
        merged.total.requests,
        merged.total.requests_per_second,
        merged.total.latency_ms.p95,
        merged.total.latency_ms.p99,
        merged.total.error_rate * 100.0
    );
    if let (Some(p), Some(b)) = (&a.baseline_output, &baseline) {
        describe_baseline(b, p);
    }
    Ok(0)
}
