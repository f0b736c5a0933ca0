use clap::Parser;
use notejam::configuration::{Cli, Command};
use notejam::{startup::Application, storage::Storage, telemetry};

/// mimalloc instead of glibc's malloc: about 10 % fewer instructions per page (docs/performance.md,
/// issue 16).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// No transparent huge pages for this process: mimalloc asks for them, and each one it touches
/// is 2 MiB resident; under load that held about 60 MiB against glibc's 34, without them about
/// 31 MiB at the same requests/s (docs/performance.md). `MIMALLOC_ALLOW_THP=1` keeps them.
/// It runs from `.init_array`, before the Rust runtime allocates: set in `main`, the pages touched
/// during start-up stay huge (40 MiB). Hand-written: three lines do not need the `ctor` crate.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static NO_THP_AT_LOAD: extern "C" fn() = no_transparent_huge_pages;

#[cfg(target_os = "linux")]
extern "C" fn no_transparent_huge_pages() {
    // SAFETY: getenv with a NUL-terminated name, before any thread exists; prctl's
    // PR_SET_THP_DISABLE takes no pointers and sets one flag of this process.
    unsafe {
        let keep = libc::getenv(c"MIMALLOC_ALLOW_THP".as_ptr());
        if keep.is_null() || *keep != b'1' as libc::c_char {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
}

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
