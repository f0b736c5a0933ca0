//! The `simulate` command: samples from a trace file or from Prometheus's history, replayed and
//! printed as a table or as JSON.

use std::path::PathBuf;
use std::time::Duration;

use clap::ValueEnum;

use super::range::{RangeRequest, parse_instant, read_range};
use super::{
    ReplayOptions, SimulateError, TableWriter, Trace, load_policy, read_baseline, read_trace_file,
    replay_each,
};
use crate::sources::{CloudWatchSource, PrometheusSource};

/// How `simulate` and `evaluate` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

/// Flags of `simulate`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["trace", "from_prometheus"])))]
pub struct SimulateArgs {
    /// ScalingPolicy YAML (the whole object or just its spec).
    #[arg(long, env = "NOTEJAM_AUTOSCALER_POLICY")]
    pub policy: PathBuf,
    /// Trace file: `.csv` or `.json` (see README).
    #[arg(long, env = "NOTEJAM_AUTOSCALER_TRACE")]
    pub trace: Option<PathBuf>,
    /// Replay history from this Prometheus (range API) instead of a trace file.
    #[arg(long, requires_all = ["start", "end"])]
    pub from_prometheus: Option<String>,
    /// With --from-prometheus: the first instant (RFC 3339, Unix seconds, `now-<N>[smhd]`).
    #[arg(long, requires = "from_prometheus")]
    pub start: Option<String>,
    /// With --from-prometheus: the last instant.
    #[arg(long, requires = "from_prometheus")]
    pub end: Option<String>,
    /// With --from-prometheus: seconds between samples (default: the policy's intervalSeconds).
    #[arg(long, requires = "from_prometheus")]
    pub step: Option<u32>,
    /// With --from-prometheus: PromQL for the ready replicas at each step, e.g. `count(up{job="notejam"} == 1)`.
    #[arg(long, requires = "from_prometheus")]
    pub replicas_query: Option<String>,
    /// With --from-prometheus: read the policy's CloudWatch metrics over the same range.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, env = "NOTEJAM_AUTOSCALER_CLOUDWATCH")]
    pub cloudwatch: bool,
    /// CloudWatch endpoint override, e.g. an emulator.
    #[arg(long, env = "NOTEJAM_AUTOSCALER_CLOUDWATCH_ENDPOINT_URL")]
    pub cloudwatch_endpoint_url: Option<String>,
    /// Seconds before a history query is abandoned.
    #[arg(long, default_value_t = 60)]
    pub query_timeout_seconds: u64,
    /// Baseline JSON for targets with `fromBaseline`.
    #[arg(long, env = "NOTEJAM_AUTOSCALER_BASELINE")]
    pub baseline: Option<PathBuf>,
    /// Replicas at the start; default: the trace's first `replicas`, else minReplicas.
    #[arg(long, env = "NOTEJAM_AUTOSCALER_INITIAL_REPLICAS")]
    pub initial_replicas: Option<u32>,
    /// Seconds before a new pod serves; default: the trace's `# startup-seconds:` line, else
    /// the policy's `startupSeconds` (40).
    #[arg(long, env = "NOTEJAM_AUTOSCALER_STARTUP_SECONDS")]
    pub startup_seconds: Option<u32>,
    #[arg(
        long,
        value_enum,
        default_value = "table",
        env = "NOTEJAM_AUTOSCALER_OUTPUT"
    )]
    pub output: OutputFormat,
    /// Print only the rows where either autoscaler changes replicas (the summary always prints).
    #[arg(long, env = "NOTEJAM_AUTOSCALER_ONLY_CHANGES")]
    pub only_changes: bool,
}

/// The samples to replay: the trace file, or Prometheus's history (warnings go to stderr).
async fn samples(
    args: &SimulateArgs,
    policy: &crate::policy::ValidPolicy,
) -> Result<Trace, SimulateError> {
    let Some(url) = &args.from_prometheus else {
        let trace = args.trace.as_ref().ok_or_else(|| {
            SimulateError::Trace("give --trace FILE or --from-prometheus URL".into())
        })?;
        return read_trace_file(trace);
    };
    let now = chrono::Utc::now().timestamp();
    let instant = |flag: &str, v: &Option<String>| {
        let v = v
            .as_deref()
            .ok_or_else(|| SimulateError::Trace(format!("--from-prometheus needs --{flag}")))?;
        parse_instant(v, now).map_err(|e| SimulateError::Trace(format!("--{flag}: {e}")))
    };
    let (start, end) = (instant("start", &args.start)?, instant("end", &args.end)?);
    let timeout = Duration::from_secs(args.query_timeout_seconds.max(1));
    let prometheus =
        PrometheusSource::new(url, timeout).map_err(|e| SimulateError::Source(e.to_string()))?;
    let has_cloudwatch = policy.metrics.iter().any(|m| m.cloudwatch.is_some());
    let cloudwatch = if args.cloudwatch && has_cloudwatch {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        Some(CloudWatchSource::from_env(args.cloudwatch_endpoint_url.as_deref(), timeout).await)
    } else {
        None
    };
    let req = RangeRequest {
        prometheus: &prometheus,
        cloudwatch: cloudwatch.as_ref(),
        start,
        end,
        step_seconds: args.step.unwrap_or(policy.interval_seconds),
        replicas_query: args.replicas_query.as_deref(),
    };
    Ok(Trace {
        samples: read_range(policy, &req, |w| eprintln!("warning: {w}")).await?,
        startup_seconds: None,
    })
}

/// Run `simulate`, streaming what it prints to `out` (a week of samples is never held twice).
pub async fn run(args: &SimulateArgs, mut out: impl std::io::Write) -> Result<(), SimulateError> {
    let spec = load_policy(&args.policy)?;
    let policy = spec.validate().map_err(SimulateError::PolicyInvalid)?;
    let baseline = args.baseline.as_deref().map(read_baseline).transpose()?;
    let trace = samples(args, &policy).await?;
    let samples = trace.samples;
    let options = ReplayOptions {
        initial_replicas: args.initial_replicas,
        startup_seconds: args.startup_seconds.or(trace.startup_seconds),
    };
    let io = |e: std::io::Error| SimulateError::Read {
        path: "stdout".into(),
        source: e,
    };
    match args.output {
        OutputFormat::Table => {
            let mut table = TableWriter::new(out, args.only_changes);
            let mut failed = None;
            let scores = replay_each(&policy, baseline.as_ref(), &samples, options, |s| {
                if failed.is_none() {
                    failed = table.step(&s).err();
                }
            })?;
            if let Some(e) = failed {
                return Err(io(e));
            }
            table
                .finish(&scores)
                .and_then(|mut w| w.flush())
                .map_err(io)
        }
        OutputFormat::Json => {
            // {"steps": [...], "ours": {...}, "hpa": {...}, "keda": {...}}, step by step.
            let mut failed: Option<std::io::Error> = None;
            let mut first = true;
            out.write_all(b"{\"steps\": [\n").map_err(io)?;
            let scores = replay_each(&policy, baseline.as_ref(), &samples, options, |s| {
                if failed.is_some()
                    || (args.only_changes
                        && !s.ours.changes()
                        && !s.hpa.changes()
                        && !s.keda.changes())
                {
                    return;
                }
                let sep: &[u8] = if first { b"" } else { b",\n" };
                first = false;
                let r = out.write_all(sep).and_then(|_| {
                    serde_json::to_writer(&mut out, &s).map_err(std::io::Error::other)
                });
                failed = r.err();
            })?;
            if let Some(e) = failed {
                return Err(io(e));
            }
            let tail = serde_json::to_value(&scores).map_err(|e| io(std::io::Error::other(e)))?;
            write!(
                out,
                "\n], \"ours\": {}, \"hpa\": {}, \"keda\": {}}}\n",
                tail["ours"], tail["hpa"], tail["keda"]
            )
            .and_then(|_| out.flush())
            .map_err(io)
        }
    }
}
