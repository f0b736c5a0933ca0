//! The command line: `run` (the controller), `crd`, `simulate`, `validate`. Every flag has an env var.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use kube::CustomResourceExt;

use crate::baseline::Baseline;
use crate::policy::ScalingPolicy;
use crate::simulate::{self, SimulateError};

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
    /// Print the ScalingPolicy CustomResourceDefinition as YAML.
    Crd,
    /// Check a ScalingPolicy file and print every problem found.
    Validate {
        /// ScalingPolicy YAML (the whole object or just its spec).
        #[arg(long, env = "NOTEJAM_AUTOSCALER_POLICY")]
        policy: PathBuf,
    },
    /// Replay a recorded trace and print each decision beside the plain HPA's.
    Simulate(SimulateArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// ScalingPolicy YAML (the whole object or just its spec).
    #[arg(long, env = "NOTEJAM_AUTOSCALER_POLICY")]
    pub policy: PathBuf,
    /// Trace file: `.csv` or `.json` (see README).
    #[arg(long, env = "NOTEJAM_AUTOSCALER_TRACE")]
    pub trace: PathBuf,
    /// Baseline JSON for targets with `fromBaseline`.
    #[arg(long, env = "NOTEJAM_AUTOSCALER_BASELINE")]
    pub baseline: Option<PathBuf>,
    /// Replicas at the start; default: the trace's first `replicas`, else minReplicas.
    #[arg(long, env = "NOTEJAM_AUTOSCALER_INITIAL_REPLICAS")]
    pub initial_replicas: Option<u32>,
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

impl Cli {
    /// Run the chosen command; errors are printed and turned into exit code 1 (2 for invalid input).
    pub fn run(self) -> ExitCode {
        match self.command {
            Command::Crd => match serde_yaml::to_string(&ScalingPolicy::crd()) {
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
            Command::Simulate(args) => match run_simulate(&args) {
                Ok(out) => {
                    print!("{out}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            },
        }
    }
}

/// Run `simulate` and return what it prints.
pub fn run_simulate(args: &SimulateArgs) -> Result<String, SimulateError> {
    let spec = simulate::load_policy(&args.policy)?;
    let policy = spec.validate().map_err(SimulateError::PolicyInvalid)?;
    let baseline = match &args.baseline {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| SimulateError::Read {
                path: path.display().to_string(),
                source,
            })?;
            Some(Baseline::parse(&text)?)
        }
        None => None,
    };
    let samples = simulate::read_trace(&args.trace)?;
    let replay = simulate::replay(&policy, baseline.as_ref(), &samples, args.initial_replicas)?;
    Ok(match args.output {
        OutputFormat::Table => simulate::render_table(&replay, args.only_changes),
        OutputFormat::Json => serde_json::to_string_pretty(&replay).unwrap_or_default() + "\n",
    })
}
