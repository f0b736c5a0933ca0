use clap::Parser;
use notejam::configuration::{Cli, Command};
use notejam::{startup::Application, storage::Storage, telemetry};

/// mimalloc instead of glibc's malloc: about 10 % fewer instructions per page (docs/performance.md,
/// issue 16).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// No transparent huge pages for this process: mimalloc asks for them, and each one it touches
/// is 2 MiB resident. Measured under load on SQLite (docs/performance.md, issue 16): 61-65 MiB
/// with them, 38-44 MiB without (glibc's build: 51 MiB in the same harness). Switching them off
/// here, in `main`, held as little as `MIMALLOC_ALLOW_THP=0` set before start (both about 40 MiB),
/// so no earlier hook is needed. `MIMALLOC_ALLOW_THP=1` keeps them.
fn no_transparent_huge_pages() {
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_some_and(|v| v == "1") {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes no pointers; it sets one flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> anyhow::Result<()> {
    no_transparent_huge_pages();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
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
