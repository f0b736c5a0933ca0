use clap::Parser;
use notejam::configuration::{Cli, Command};
use notejam::{startup::Application, storage::Storage, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init_subscriber(&cli.settings.log_filter());
    let settings = cli.settings.validate()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until_stopped(notejam::startup::shutdown_signal())
                .await
        }
        Command::Migrate => {
            let storage = Storage::connect(&settings.database).await?;
            storage.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
    }
}
