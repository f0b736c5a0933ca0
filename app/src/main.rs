use clap::Parser;
use notejam::configuration::{Cli, Command};
use notejam::{startup::Application, storage::Storage, telemetry};

/// mimalloc instead of glibc's malloc: fewer instructions per request and a smaller resident set
/// under load (glibc keeps an arena per thread); docs/performance.md, issue 16.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let otlp_endpoint = telemetry::otel_endpoint_from_env()?;
    telemetry::init(&cli.settings.log_filter(), otlp_endpoint.as_deref())?;
    let settings = cli.settings.validate()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            let served = app
                .run_until_stopped(notejam::startup::shutdown_signal())
                .await;
            telemetry::shutdown();
            served
        }
        Command::Migrate => {
            let storage = Storage::connect(&settings.database).await?;
            storage.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
    }
}
