//! Typed settings: every flag also reads an environment variable (see `notejam --help`).
//!
//! The command line is parsed by clap into [`RawSettings`]; [`RawSettings::validate`] turns it into
//! [`Settings`], refusing values that make no sense with a message that names the variable.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, builder::BoolishValueParser};
use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

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

/// Where the data lives.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// Where the credentials live when not in the URL (PostgreSQL only).
    pub secret_arn: Option<String>,
    pub secret_refresh: Duration,
}

impl DatabaseSettings {
    pub fn is_sqlite(&self) -> bool {
        self.url.expose_secret().starts_with("sqlite:")
    }
}

/// How mails leave.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub smtp_url: Option<SecretString>,
    pub from: Mailbox,
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub admin_listen: SocketAddr,
    pub database: DatabaseSettings,
    pub migrate: bool,
    /// `None` means "make a random key" (allowed on SQLite only).
    pub secret_key: Option<SecretString>,
    pub base_url: Url,
    pub mail: MailSettings,
    pub cookie_secure: bool,
    pub shutdown_grace: Duration,
    pub fault_injection: bool,
    pub api_token_ttl: Duration,
}

/// A setting with a value that cannot work.
#[derive(Debug, thiserror::Error)]
#[error("invalid {variable}: {reason}")]
pub struct SettingsError {
    pub variable: &'static str,
    pub reason: String,
}

fn invalid(variable: &'static str, reason: impl Into<String>) -> SettingsError {
    SettingsError {
        variable,
        reason: reason.into(),
    }
}

impl RawSettings {
    pub fn log_filter(&self) -> String {
        self.log.clone()
    }

    /// Checks every value and returns the typed settings.
    pub fn validate(self) -> Result<Settings, SettingsError> {
        let url = self.database_url.expose_secret();
        let is_sqlite = url.starts_with("sqlite:");
        if !is_sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(invalid(
                "DATABASE_URL",
                "must start with sqlite:// or postgres:// (the URL itself is not shown: it may hold a password)",
            ));
        }
        if let Some(arn) = &self.database_secret_arn {
            let parts: Vec<&str> = arn.splitn(7, ':').collect();
            let well_formed = parts.len() == 7
                && parts[0] == "arn"
                && parts[1].starts_with("aws")
                && parts[2] == "secretsmanager"
                && !parts[3].is_empty()
                && parts[4].len() == 12
                && parts[4].bytes().all(|b| b.is_ascii_digit())
                && parts[5] == "secret"
                && !parts[6].is_empty();
            if !well_formed {
                return Err(invalid(
                    "NOTEJAM_DATABASE_SECRET_ARN",
                    "must be a Secrets Manager secret ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name>",
                ));
            }
            if is_sqlite {
                return Err(invalid(
                    "NOTEJAM_DATABASE_SECRET_ARN",
                    "is for PostgreSQL; a SQLite database has no credentials",
                ));
            }
        }
        if self.database_secret_refresh < Duration::from_secs(10)
            || self.database_secret_refresh > Duration::from_secs(3600)
        {
            return Err(invalid(
                "NOTEJAM_DATABASE_SECRET_REFRESH",
                "must be between 10s and 1h",
            ));
        }
        if !(1..=1000).contains(&self.db_max_connections) {
            return Err(invalid(
                "NOTEJAM_DB_MAX_CONNECTIONS",
                format!("{} is not in 1..=1000", self.db_max_connections),
            ));
        }
        if self.db_acquire_timeout < Duration::from_secs(1)
            || self.db_acquire_timeout > Duration::from_secs(300)
        {
            return Err(invalid(
                "NOTEJAM_DB_ACQUIRE_TIMEOUT",
                "must be between 1s and 5m",
            ));
        }
        match &self.secret_key {
            Some(key) if key.expose_secret().len() < 32 => {
                return Err(invalid(
                    "NOTEJAM_SECRET_KEY",
                    "must be at least 32 bytes long",
                ));
            }
            None if !is_sqlite => {
                return Err(invalid(
                    "NOTEJAM_SECRET_KEY",
                    "is required on PostgreSQL: every replica must share the key that signs sessions",
                ));
            }
            _ => {}
        }
        let base_url =
            Url::parse(&self.base_url).map_err(|e| invalid("NOTEJAM_BASE_URL", e.to_string()))?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.host().is_none() {
            return Err(invalid(
                "NOTEJAM_BASE_URL",
                "must be an http:// or https:// URL with a host",
            ));
        }
        if let Some(smtp) = &self.smtp_url {
            let parsed = Url::parse(smtp.expose_secret())
                .map_err(|_| invalid("NOTEJAM_SMTP_URL", "is not a URL"))?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") {
                return Err(invalid(
                    "NOTEJAM_SMTP_URL",
                    "must start with smtp:// or smtps://",
                ));
            }
        }
        let from: Mailbox = self.mail_from.parse().map_err(|e| {
            invalid(
                "NOTEJAM_MAIL_FROM",
                format!("{e}: expected `Name <address@domain>` or `address@domain`"),
            )
        })?;
        if self.shutdown_grace > Duration::from_secs(600) {
            return Err(invalid(
                "NOTEJAM_SHUTDOWN_GRACE",
                "must be at most 10 minutes",
            ));
        }
        if self.api_token_ttl.is_zero() || self.api_token_ttl > Duration::from_secs(366 * 24 * 3600)
        {
            return Err(invalid(
                "NOTEJAM_API_TOKEN_TTL",
                "must be between 1s and 366 days",
            ));
        }
        Ok(Settings {
            listen: self.listen,
            admin_listen: self.admin_listen,
            database: DatabaseSettings {
                url: self.database_url,
                max_connections: self.db_max_connections,
                acquire_timeout: self.db_acquire_timeout,
                secret_arn: self.database_secret_arn,
                secret_refresh: self.database_secret_refresh,
            },
            migrate: self.migrate,
            secret_key: self.secret_key,
            base_url,
            mail: MailSettings {
                smtp_url: self.smtp_url,
                from,
            },
            cookie_secure: self.cookie_secure,
            shutdown_grace: self.shutdown_grace,
            fault_injection: self.fault_injection,
            api_token_ttl: self.api_token_ttl,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Settings, String> {
        let mut argv = vec!["notejam"];
        argv.extend_from_slice(args);
        let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
        cli.settings.validate().map_err(|e| e.to_string())
    }

    #[test]
    fn sqlite_default_needs_no_secret() {
        let s = parse(&["--database-url", "sqlite://x.db"]).unwrap();
        assert!(s.database.is_sqlite());
        assert!(s.secret_key.is_none());
    }

    #[test]
    fn postgres_requires_a_secret_key() {
        let err = parse(&["--database-url", "postgres://u:p@localhost/db"]).unwrap_err();
        assert!(err.contains("NOTEJAM_SECRET_KEY"), "{err}");
        assert!(!err.contains("u:p"), "the URL must not leak: {err}");
    }

    #[test]
    fn the_database_secret_is_a_secrets_manager_arn_for_postgresql() {
        let pg = [
            "--database-url",
            "postgres://db.internal:5432/notejam",
            "--secret-key",
            "0123456789abcdef0123456789abcdef",
        ];
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1a2b-AbCdEf";
        let ok = parse(&[&pg[..], &["--database-secret-arn", arn]].concat()).unwrap();
        assert_eq!(ok.database.secret_arn.as_deref(), Some(arn));
        assert_eq!(ok.database.secret_refresh, Duration::from_secs(60));
        for bad in [
            "rds!db-1a2b",
            "arn:aws:s3:::bucket",
            "arn:aws:secretsmanager:eu-west-1:1234:secret:x",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:",
        ] {
            let err = parse(&[&pg[..], &["--database-secret-arn", bad]].concat()).unwrap_err();
            assert!(err.contains("NOTEJAM_DATABASE_SECRET_ARN"), "{bad}: {err}");
        }
        let err = parse(&["--database-secret-arn", arn]).unwrap_err();
        assert!(err.contains("is for PostgreSQL"), "{err}");
        for bad in ["5s", "2h"] {
            let err = parse(&[&pg[..], &["--database-secret-refresh", bad]].concat()).unwrap_err();
            assert!(
                err.contains("NOTEJAM_DATABASE_SECRET_REFRESH"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn short_secret_key_is_refused() {
        let err = parse(&["--secret-key", "short"]).unwrap_err();
        assert!(err.contains("at least 32 bytes"), "{err}");
    }

    #[test]
    fn bad_values_are_named() {
        assert!(
            parse(&["--database-url", "mysql://x"])
                .unwrap_err()
                .contains("DATABASE_URL")
        );
        assert!(
            parse(&["--db-max-connections", "0"])
                .unwrap_err()
                .contains("NOTEJAM_DB_MAX_CONNECTIONS")
        );
        assert!(
            parse(&["--base-url", "ftp://x"])
                .unwrap_err()
                .contains("NOTEJAM_BASE_URL")
        );
        assert!(
            parse(&["--smtp-url", "http://x"])
                .unwrap_err()
                .contains("NOTEJAM_SMTP_URL")
        );
        assert!(
            parse(&["--mail-from", "not an address"])
                .unwrap_err()
                .contains("NOTEJAM_MAIL_FROM")
        );
        assert!(parse(&["--shutdown-grace", "soon"]).is_err());
        assert!(parse(&["--migrate", "maybe"]).is_err());
        assert!(
            parse(&["--api-token-ttl", "0s"])
                .unwrap_err()
                .contains("NOTEJAM_API_TOKEN_TTL")
        );
        assert!(
            parse(&["--api-token-ttl", "400days"])
                .unwrap_err()
                .contains("NOTEJAM_API_TOKEN_TTL")
        );
        assert!(parse(&["--api-token-ttl", "12h"]).is_ok());
    }

    #[test]
    fn secrets_do_not_print() {
        let s = parse(&[
            "--secret-key",
            "0123456789abcdef0123456789abcdef-very-secret",
        ])
        .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
    }
}
