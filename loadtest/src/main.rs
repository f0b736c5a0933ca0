//! `notejam-loadtest`: journeys against Notejam on goose, exact percentiles, the stepped-ramp
//! baseline, the CI gate and the merge of shards. See `--help` and loadtest/README.md.

mod attack;
mod baseline;
mod baseline_settings;
mod cli;
mod journeys;
mod prometheus;
mod recorder;
mod report;
mod result;
mod threshold;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's malloc: about 9 % fewer instructions per request, all of it in
/// allocation (docs/performance.md, "Load generator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            if e.use_stderr() {
                cli::junit_for_usage_error(&e.render().to_string());
            }
            return ExitCode::from(code);
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
    match runtime.block_on(cli::dispatch(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
