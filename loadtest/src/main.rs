//! The `notejam-loadtest` binary: parse the flags, start the runtime, run the command, exit with
//! its code (0, 99 a gate threshold failed, 1 the test could not run). See `--help`.

use std::process::ExitCode;

use clap::Parser;
use notejam_loadtest::cli::Cli;
use notejam_loadtest::commands;

/// mimalloc instead of glibc's malloc: about 9 % fewer instructions per request, all of it in
/// allocation (docs/performance.md, "Load generator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            if !e.use_stderr() {
                return ExitCode::SUCCESS; // --help, --version
            }
            commands::gate::junit_for_usage_error(&e.render().to_string());
            return ExitCode::from(1);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::dispatch(cli.command)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
