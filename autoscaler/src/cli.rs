//! The command line: `run` (the controller), `crd`, `validate`, `simulate`, `evaluate`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::evaluate::EvaluateArgs;
use crate::simulate;
pub use crate::simulate::command::{OutputFormat, SimulateArgs};

#[derive(Debug, Parser)]
#[command(
    name = "notejam-autoscaler",
    version,
    about = "Scales Notejam from Prometheus and CloudWatch metrics"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the controller in the cluster (leader election, decisions, status, metrics).
    Run(RunArgs),
    /// Print the ScalingPolicy CustomResourceDefinition as YAML.
    Crd,
    /// Check a ScalingPolicy file and print every problem found.
    Validate {
        /// ScalingPolicy YAML (the whole object or just its spec).
        #[arg(long, env = "NOTEJAM_AUTOSCALER_POLICY")]
        policy: PathBuf,
    },
    /// Replay a recorded trace (or Prometheus's history) and print each decision beside the plain HPA's.
    Simulate(SimulateArgs),
    /// The decision of a policy file now, from live sources, as the controller would record it.
    Evaluate(EvaluateArgs),
    /// Print one trace of the seeded corpus as CSV (the benchmark's and tests' traces).
    Corpus {
        /// spike, flash-crowd, slow-ramp, daily, weekly, outage-one-source,
        /// outage-both-sources, noisy-plateau or long-tail-week.
        #[arg(long)]
        family: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Where `/metrics`, `/healthz` and `/readyz` are served.
    #[arg(
        long,
        env = "NOTEJAM_AUTOSCALER_ADMIN_LISTEN",
        default_value = "127.0.0.1:9464"
    )]
    pub admin_listen: std::net::SocketAddr,
    #[command(flatten)]
    pub sources: crate::sources::SourceArgs,
    /// The namespace whose ScalingPolicies are watched (and where the Lease lives).
    #[arg(long, env = "POD_NAMESPACE")]
    pub namespace: String,
    /// This replica's identity in the Lease.
    #[arg(long, env = "POD_NAME")]
    pub identity: String,
    #[arg(
        long,
        env = "NOTEJAM_AUTOSCALER_LEASE_NAME",
        default_value = "notejam-autoscaler"
    )]
    pub lease_name: String,
    #[arg(long, env = "NOTEJAM_AUTOSCALER_LEASE_SECONDS", default_value_t = 15)]
    pub lease_seconds: u64,
}

impl Cli {
    /// Run the chosen command; errors are printed and turned into exit code 1 (2 for invalid input).
    pub fn run(self) -> ExitCode {
        match self.command {
            Command::Run(args) => {
                crate::telemetry::init();
                let runtime = match runtime() {
                    Ok(rt) => rt,
                    Err(code) => return code,
                };
                match runtime.block_on(run_controller(args)) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        tracing::error!(error = format!("{e:#}"), "the controller stopped");
                        ExitCode::FAILURE
                    }
                }
            }
            Command::Crd => match crate::policy::crd_yaml() {
                Ok(yaml) => {
                    print!("{yaml}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            },
            Command::Validate { policy } => {
                match simulate::load_policy(&policy).map(|p| p.validate()) {
                    Ok(Ok(_)) => {
                        println!("{}: valid", policy.display());
                        ExitCode::SUCCESS
                    }
                    Ok(Err(problems)) => {
                        for p in problems {
                            eprintln!("{}: {p}", policy.display());
                        }
                        ExitCode::from(2)
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::from(2)
                    }
                }
            }
            Command::Simulate(args) => {
                let stdout = std::io::BufWriter::new(std::io::stdout().lock());
                match runtime().map(|rt| rt.block_on(simulate::command::run(&args, stdout))) {
                    Ok(Ok(())) => ExitCode::SUCCESS,
                    Ok(Err(e)) => {
                        eprintln!("error: {e}");
                        ExitCode::from(2)
                    }
                    Err(code) => code,
                }
            }
            Command::Corpus { family, seed } => {
                let Some(f) = crate::corpus::Family::from_name(&family) else {
                    let names: Vec<&str> = crate::corpus::Family::ALL
                        .iter()
                        .map(|f| f.name())
                        .collect();
                    eprintln!("error: no family {family:?}; one of {}", names.join(", "));
                    return ExitCode::from(2);
                };
                let trace = crate::corpus::generate(f, seed);
                match simulate::write_csv(&trace.samples, std::io::stdout().lock()) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::FAILURE
                    }
                }
            }
            Command::Evaluate(args) => {
                let stdout = std::io::stdout().lock();
                match runtime().map(|rt| rt.block_on(crate::evaluate::run(&args, stdout))) {
                    Ok(Ok(())) => ExitCode::SUCCESS,
                    Ok(Err(e)) => {
                        eprintln!("error: {e}");
                        ExitCode::from(e.exit_code())
                    }
                    Err(code) => code,
                }
            }
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|e| {
        eprintln!("error: cannot start the runtime: {e}");
        ExitCode::FAILURE
    })
}

/// Start everything `run` needs: crypto provider, client, sources, lease loop, admin server, controller.
pub async fn run_controller(args: RunArgs) -> anyhow::Result<()> {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    use std::time::Duration;

    use anyhow::Context as _;

    // One crypto provider for every TLS client in the process (kube, reqwest, AWS).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let client = kube::Client::try_default()
        .await
        .context("building the Kubernetes client")?;
    let reader = Arc::new(args.sources.sources(true).await?);
    let metrics = crate::metrics::Metrics::new();
    let leader = Arc::new(AtomicBool::new(false));
    let ready = Arc::new(AtomicBool::new(false));

    let listener = tokio::net::TcpListener::bind(args.admin_listen)
        .await
        .with_context(|| format!("binding the admin listener {}", args.admin_listen))?;
    tokio::spawn(crate::admin::serve(
        listener,
        metrics.clone(),
        ready.clone(),
    ));

    let leases = kube::Api::namespaced(client.clone(), &args.namespace);
    let elector = crate::leader::LeaderElector::new(
        leases,
        &args.lease_name,
        &args.identity,
        Duration::from_secs(args.lease_seconds),
    );
    let lease_task = elector.clone().spawn(leader.clone(), metrics.clone());

    let ctx = Arc::new(crate::controller::Context::new(
        client,
        reader,
        metrics,
        leader,
        Some(args.identity.clone()),
    ));
    ready.store(true, std::sync::atomic::Ordering::SeqCst);
    tracing::info!(namespace = %args.namespace, identity = %args.identity, "controller starting");
    crate::controller::run(ctx, &args.namespace).await;
    lease_task.abort();
    if let Err(e) = elector.release().await {
        tracing::warn!(error = %e, "could not release the lease");
    }
    tracing::info!("controller stopped");
    Ok(())
}
