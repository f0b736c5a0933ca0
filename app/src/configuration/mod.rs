//! Typed settings: every flag also reads an environment variable (see `notejam --help`).
//!
//! The command line is parsed by clap into [`RawSettings`] (here); [`RawSettings::validate`]
//! (`settings.rs`) turns it into [`Settings`], refusing values that make no sense with a message
//! that names the variable.

mod settings;
#[cfg(test)]
mod tests;

pub use settings::{DatabaseSettings, MailSettings, Settings, SettingsError};

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, builder::BoolishValueParser};
use secrecy::SecretString;

/// The `notejam` command line.
#[derive(Debug, Parser)]
#[command(
    name = "notejam",
    version,
    about = "Notejam: a note-taking web app and JSON API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: RawSettings,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum Command {
    /// Serve the site, the API and the admin endpoints (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
}

/// Settings as given on the command line or in the environment, before validation.
#[derive(Debug, Clone, Args)]
pub struct RawSettings {
    /// Address of the public site and API.
    #[arg(
        long,
        env = "NOTEJAM_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    /// Address of the admin endpoints (/metrics, /healthz, /readyz); never expose it publicly.
    #[arg(
        long,
        env = "NOTEJAM_ADMIN_LISTEN",
        default_value = "127.0.0.1:9464",
        global = true
    )]
    pub admin_listen: SocketAddr,

    /// Database: `sqlite://FILE` (created if missing) or `postgres://USER:PASS@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://notejam.db",
        global = true,
        hide_env_values = true,
        value_parser = parse_secret
    )]
    pub database_url: SecretString,

    /// Apply migrations when the server starts.
    #[arg(long, env = "NOTEJAM_MIGRATE", default_value = "true", value_parser = BoolishValueParser::new(), global = true, action = clap::ArgAction::Set)]
    pub migrate: bool,

    /// AWS Secrets Manager secret (ARN) with the PostgreSQL `username` and `password`, e.g. the
    /// RDS-managed master secret. They replace those of DATABASE_URL and are read again every
    /// NOTEJAM_DATABASE_SECRET_REFRESH, so a rotation reaches new connections without a restart.
    /// AWS credentials and region come from the environment (the pod's identity).
    #[arg(long, env = "NOTEJAM_DATABASE_SECRET_ARN", global = true)]
    pub database_secret_arn: Option<String>,

    /// How often the database secret is read again, e.g. `1m` (10s..=1h).
    #[arg(long, env = "NOTEJAM_DATABASE_SECRET_REFRESH", default_value = "1m", value_parser = parse_duration, global = true)]
    pub database_secret_refresh: Duration,

    /// Most pooled database connections per process (1..=1000).
    #[arg(
        long,
        env = "NOTEJAM_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub db_max_connections: u32,

    /// Longest wait for a pooled database connection, e.g. `5s` (1s..=5m); a request that could
    /// not get one is answered 503.
    #[arg(long, env = "NOTEJAM_DB_ACQUIRE_TIMEOUT", default_value = "5s", value_parser = parse_duration, global = true)]
    pub db_acquire_timeout: Duration,

    /// Key that signs and encrypts session cookies (at least 32 bytes). Required on PostgreSQL.
    #[arg(
        long,
        env = "NOTEJAM_SECRET_KEY",
        global = true,
        hide_env_values = true,
        value_parser = parse_secret
    )]
    pub secret_key: Option<SecretString>,

    /// Public base URL of the site, used for links inside mails.
    #[arg(
        long,
        env = "NOTEJAM_BASE_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub base_url: String,

    /// SMTP server for mails, e.g. `smtp://127.0.0.1:2525` or `smtps://user:pass@host`. Without it mails are logged.
    #[arg(long, env = "NOTEJAM_SMTP_URL", global = true, hide_env_values = true, value_parser = parse_secret)]
    pub smtp_url: Option<SecretString>,

    /// Sender of the mails.
    #[arg(
        long,
        env = "NOTEJAM_MAIL_FROM",
        default_value = "Notejam <notejam@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Mark the session cookie `Secure` (serve over HTTPS only).
    #[arg(long, env = "NOTEJAM_COOKIE_SECURE", default_value = "false", value_parser = BoolishValueParser::new(), global = true, action = clap::ArgAction::Set)]
    pub cookie_secure: bool,

    /// How long in-flight requests may finish after SIGTERM, e.g. `20s`.
    #[arg(long, env = "NOTEJAM_SHUTDOWN_GRACE", default_value = "20s", value_parser = parse_duration, global = true)]
    pub shutdown_grace: Duration,

    /// How long a new API bearer token works, e.g. `30days`, `12h` (1s..=366 days).
    #[arg(long, env = "NOTEJAM_API_TOKEN_TTL", default_value = "30days", value_parser = parse_duration, global = true)]
    pub api_token_ttl: Duration,

    /// Turn on the fault-injection endpoints of the admin listener (for drills; off in production).
    #[arg(long, env = "NOTEJAM_FAULT_INJECTION", default_value = "false", value_parser = BoolishValueParser::new(), global = true, action = clap::ArgAction::Set)]
    pub fault_injection: bool,

    /// Log filter (tracing `EnvFilter` syntax).
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub log: String,
}

fn parse_duration(value: &str) -> Result<Duration, String> {
    humantime::parse_duration(value).map_err(|e| format!("{e} (expected e.g. `20s` or `1m 30s`)"))
}

/// A secret from the command line or the environment: `secrecy` keeps it out of `Debug` output
/// and zeroes it on drop.
fn parse_secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value.to_owned()))
}
