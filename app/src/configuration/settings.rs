//! The validated settings and the checks that make them.

use std::net::SocketAddr;
use std::time::Duration;

use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::RawSettings;

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
