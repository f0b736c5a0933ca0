use clap::Parser;

fn main() -> std::process::ExitCode {
    notejam_autoscaler::cli::Cli::parse().run()
}
