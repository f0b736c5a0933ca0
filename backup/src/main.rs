//! Lambda entry point (binary `bootstrap` for the `provided.al2023` runtime).

use std::time::SystemTime;

use aws_config::BehaviorVersion;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use notejam_backup::{Config, run_backup};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_target(false)
        .init();

    let config = Config::from_env()?;
    let aws = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let rds = aws_sdk_rds::Client::new(&aws);

    lambda_runtime::run(service_fn(move |_event: LambdaEvent<serde_json::Value>| {
        let rds = rds.clone();
        let config = config.clone();
        async move {
            run_backup(&rds, &config, SystemTime::now())
                .await
                .map_err(|err| {
                    tracing::error!(error = %err, "backup run failed");
                    Diagnostic {
                        error_type: "notejam_backup::BackupError".into(),
                        error_message: err.to_string(),
                    }
                })
        }
    }))
    .await
}
