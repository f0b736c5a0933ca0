//! `evaluate`: the decision of a policy file now, from live sources, as the controller would
//! record it; `--watch` repeats it every interval, carrying the stabilisation and rate-limit
//! history across cycles exactly as the controller does. The controller's own gather code reads
//! the metrics and resolves the targets (history, then baseline, then fixed).

pub mod replicas;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::baseline::Baseline;
use crate::controller::gather::{gather_all, load_baseline, metric_status, observations};
use crate::metrics::Metrics;
use crate::policy::ValidPolicy;
use crate::simulate::command::OutputFormat;
use crate::simulate::{
    PolicyFile, Runner, SimulateError, TableWriter, load_policy_file, read_baseline,
};
use crate::sources::{SourceArgs, Sources};
use crate::step::Step;
use replicas::{Observed, ReplicaSource};

/// Flags of `evaluate`.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// ScalingPolicy YAML (the whole object or just its spec).
    #[arg(long, env = "NOTEJAM_AUTOSCALER_POLICY")]
    pub policy: PathBuf,
    #[command(flatten)]
    pub sources: SourceArgs,
    /// The baseline JSON, instead of the policy's ConfigMap.
    #[arg(long, env = "NOTEJAM_AUTOSCALER_BASELINE")]
    pub baseline: Option<PathBuf>,
    /// Current replicas. In --watch, the starting count, after which each step assumes its own
    /// decision was applied. With --replicas-query: the count assumed until the query answers.
    #[arg(long)]
    pub replicas: Option<u32>,
    /// PromQL for the current (= ready) replicas, read each cycle, e.g. `count(up{job="notejam"} == 1)`.
    #[arg(long)]
    pub replicas_query: Option<String>,
    /// Namespace of the Deployment and baseline ConfigMap (default: the policy's, else the kubeconfig's).
    #[arg(long)]
    pub namespace: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub output: OutputFormat,
    /// Repeat every interval until SIGINT/SIGTERM (JSON: one object per line).
    #[arg(long)]
    pub watch: bool,
    /// Seconds between cycles in --watch (default: the policy's intervalSeconds).
    #[arg(long, requires = "watch")]
    pub interval_seconds: Option<u32>,
    /// Stop after this many cycles (for tests).
    #[arg(long, requires = "watch")]
    pub count: Option<u64>,
}

/// Why `evaluate` stopped.
#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    /// The policy, the baseline or a flag is wrong (exit code 2).
    #[error(transparent)]
    Input(#[from] SimulateError),
    /// The cluster, the replica count or stdout failed (exit code 1).
    #[error("{0}")]
    Runtime(String),
}

impl EvaluateError {
    /// 2 for bad input, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            EvaluateError::Input(_) => 2,
            EvaluateError::Runtime(_) => 1,
        }
    }
}

fn runtime(e: impl std::fmt::Display) -> EvaluateError {
    EvaluateError::Runtime(e.to_string())
}

/// Everything fixed for the whole run.
struct Setup {
    policy: ValidPolicy,
    sources: Sources,
    baseline: Option<Baseline>,
    replicas: ReplicaSource,
}

async fn kube_client(why: &str) -> Result<kube::Client, EvaluateError> {
    kube::Client::try_default().await.map_err(|e| {
        runtime(format!(
            "{why} needs a cluster, but no kubeconfig works: {e}"
        ))
    })
}

async fn setup(args: &EvaluateArgs) -> Result<Setup, EvaluateError> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let PolicyFile {
        spec, namespace, ..
    } = load_policy_file(&args.policy)?;
    let policy = spec.validate().map_err(SimulateError::PolicyInvalid)?;
    let wants_cloudwatch = policy.metrics.iter().any(|m| m.cloudwatch.is_some());
    let sources = args
        .sources
        .sources(wants_cloudwatch)
        .await
        .map_err(runtime)?;
    let needs_baseline = policy
        .metrics
        .iter()
        .any(|m| m.target.from_baseline.is_some());
    let needs_cluster = (needs_baseline && args.baseline.is_none())
        || (args.replicas.is_none() && args.replicas_query.is_none());
    let client = if needs_cluster {
        Some(kube_client("reading the baseline ConfigMap or the Deployment (give --baseline and --replicas to do without)").await?)
    } else {
        None
    };
    let ns = args
        .namespace
        .clone()
        .or(namespace)
        .or_else(|| client.as_ref().map(|c| c.default_namespace().to_string()))
        .unwrap_or_else(|| "default".into());
    let baseline = match (&args.baseline, &spec.baseline, &client) {
        (Some(path), _, _) => Some(read_baseline(path)?),
        (None, Some(b), Some(client)) if needs_baseline => Some(
            load_baseline(client, &ns, &b.config_map, &b.key)
                .await
                .map_err(|(reason, message)| {
                    SimulateError::Trace(format!("{reason}: {message} (or pass --baseline FILE)"))
                })?,
        ),
        _ => None,
    };
    let replicas = match (&args.replicas_query, args.replicas, client) {
        (Some(query), _, _) => ReplicaSource::Query {
            prometheus: sources.prometheus.clone(),
            query: query.clone(),
        },
        (None, Some(_), _) => ReplicaSource::Assumed,
        (None, None, Some(client)) => ReplicaSource::Cluster {
            api: Box::new(kube::Api::namespaced(client, &ns)),
            name: spec.target_ref.name.clone(),
        },
        (None, None, None) => unreachable!("a client is made when no replica count is given"),
    };
    Ok(Setup {
        policy,
        sources,
        baseline,
        replicas,
    })
}

/// Ours and the plain HPA, and what was last observed of the replicas.
struct State {
    ours: Runner,
    hpa: Runner,
    keda: Runner,
    last_observed: Option<Observed>,
}

async fn cycle(setup: &Setup, state: &mut State) -> Result<Step, EvaluateError> {
    let now = SystemTime::now();
    let now_secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    // The counters of source errors have no reader here; the controller's registry is reused
    // only so that gather stays one piece of code.
    let sink = Metrics::new();
    let (gathered, observed) = tokio::join!(
        gather_all(
            &setup.sources,
            &sink,
            &setup.policy,
            setup.baseline.as_ref(),
            now
        ),
        setup.replicas.observe(),
    );
    let observed = match observed {
        Ok(o) => {
            if o.is_some() {
                state.last_observed = o;
            }
            o
        }
        Err(why) => match state.last_observed {
            Some(last) => {
                eprintln!(
                    "warning: {why}; assuming the last observed {} replicas",
                    last.current
                );
                Some(last)
            }
            None => return Err(runtime(format!("no replica count: {why}"))),
        },
    };
    for g in &gathered {
        if let Some(e) = &g.policy_error {
            let what = if g.guard {
                "a guard: unknown, it holds nothing"
            } else {
                "held as unknown"
            };
            eprintln!("warning: {e} ({what})");
        }
    }
    // Each side runs what was observed, or else what it last decided itself.
    let replicas = |runner: &Runner| {
        observed.unwrap_or(Observed {
            current: runner.replicas,
            ready: runner.replicas,
        })
    };
    let ours_obs = {
        let r = replicas(&state.ours);
        observations(&gathered, now_secs, r.current, r.ready)
    };
    // The HPA and KEDA know only the metrics that have a target.
    let with_target: Vec<_> = gathered
        .iter()
        .filter(|g| g.status.target.is_some())
        .cloned()
        .collect();
    let other = |runner: &Runner| {
        let r = replicas(runner);
        observations(&with_target, now_secs, r.current, r.ready)
    };
    let (hpa_obs, keda_obs) = (other(&state.hpa), other(&state.keda));
    let ours = state.ours.decide(ours_obs);
    let hpa = state.hpa.decide(hpa_obs);
    let keda = state.keda.decide(keda_obs);
    Ok(Step {
        time: now_secs,
        metrics: gathered
            .iter()
            .map(|g| (g.status.name.clone(), g.status.value))
            .collect(),
        status: metric_status(&gathered, &ours.metrics),
        ours,
        hpa,
        keda,
    })
}

fn print_details(out: &mut impl Write, step: &Step) -> std::io::Result<()> {
    let d = &step.ours;
    writeln!(
        out,
        "    ours: {} -> {} {}: {}",
        d.current,
        d.desired,
        d.reason.as_str(),
        d.message
    )?;
    let (h, k) = (&step.hpa, &step.keda);
    writeln!(
        out,
        "    plain HPA: {} -> {} {}; KEDA-like: {} -> {} {}",
        h.current,
        h.desired,
        h.reason.as_str(),
        k.current,
        k.desired,
        k.reason.as_str()
    )?;
    let num = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
    for m in &step.status {
        writeln!(
            out,
            "    {:<20} {:<7} value {:>10} target {:>8} ({}) ratio {:>6} asks {:>4}  {}",
            m.name,
            m.state,
            num(m.value),
            num(m.target),
            m.threshold_source.as_deref().unwrap_or("none"),
            num(m.ratio),
            m.proposal.map_or("-".into(), |p| p.to_string()),
            m.message.as_deref().unwrap_or("")
        )?;
    }
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Run `evaluate`, printing each cycle to `out` (flushed per cycle). SIGINT and SIGTERM end
/// `--watch` cleanly (exit 0).
pub async fn run(args: &EvaluateArgs, out: impl Write) -> Result<(), EvaluateError> {
    let setup = setup(args).await?;
    let cfg = &setup.policy.decision;
    let start = args
        .replicas
        .unwrap_or(cfg.min_replicas)
        .clamp(cfg.min_replicas, cfg.max_replicas);
    let mut state = State {
        ours: Runner::ours(cfg.clone(), start),
        hpa: Runner::plain_hpa(cfg, start),
        keda: Runner::keda(cfg, start),
        last_observed: args
            .replicas_query
            .as_ref()
            .and(args.replicas)
            .map(|n| Observed {
                current: n,
                ready: n,
            }),
    };
    let interval = Duration::from_secs(u64::from(
        args.interval_seconds
            .unwrap_or(setup.policy.interval_seconds)
            .max(1),
    ));
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut shutdown = std::pin::pin!(shutdown_signal());
    let mut table = TableWriter::new(out, false);
    let mut done = 0u64;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = &mut shutdown => return Ok(()),
        }
        let step = tokio::select! {
            r = cycle(&setup, &mut state) => r,
            _ = &mut shutdown => return Ok(()),
        };
        done += 1;
        let finished = !args.watch || args.count.is_some_and(|n| done >= n);
        let step = match step {
            Ok(s) => s,
            Err(e) if args.watch => {
                eprintln!("warning: {e}; no decision this cycle");
                if finished {
                    return Ok(());
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        let written = match args.output {
            OutputFormat::Json => {
                let out = table.out();
                serde_json::to_writer(&mut *out, &step)
                    .map_err(std::io::Error::other)
                    .and_then(|_| out.write_all(b"\n"))
                    .and_then(|_| out.flush())
            }
            OutputFormat::Table => table
                .step(&step)
                .and_then(|_| print_details(table.out(), &step))
                .and_then(|_| table.out().flush()),
        };
        written.map_err(|e| runtime(format!("writing the output: {e}")))?;
        if finished {
            return Ok(());
        }
    }
}
