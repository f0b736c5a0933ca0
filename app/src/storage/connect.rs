//! Opening the pool (PostgreSQL or SQLite, created if missing), and keeping PostgreSQL's
//! credentials fresh from AWS Secrets Manager.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::pool::PoolOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

use super::{Pool, Storage, StorageError, credentials};
use crate::configuration::DatabaseSettings;

/// The secret the pool's credentials were read from, and what it held then.
#[derive(Debug)]
pub(super) struct SecretInUse {
    reader: credentials::DatabaseSecret,
    credentials: credentials::Credentials,
}

/// A pooled connection that sat idle longer than this is pinged before it is handed out (and
/// replaced when the ping fails, e.g. after the database restarted).
///
/// sqlx pings every connection it hands out by default: one more round trip per statement,
/// which on a busy page cost the database about as much as the statement itself. Connections
/// in steady use are known to be alive; an idle one may not be.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

async fn ping_if_idle<C: sqlx::Connection>(
    conn: &mut C,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> Result<bool, sqlx::Error> {
    if meta.idle_for > PING_IF_IDLE_FOR {
        conn.ping().await?;
    }
    Ok(true)
}

/// What the pools of both databases share: their size, how long a request waits for a
/// connection, and a ping only for a connection that sat idle (none before every statement).
fn pool_options<DB: sqlx::Database>(settings: &DatabaseSettings) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| Box::pin(ping_if_idle(conn, meta)))
}

impl Storage {
    /// Connects (and for SQLite creates the file if missing). Fails fast with a clear error.
    /// With `NOTEJAM_DATABASE_SECRET_ARN`, the user name and password come from that secret.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, StorageError> {
        let url = settings.url.expose_secret();
        let mut secret = None;
        let pool = if settings.is_sqlite() {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            let pool = pool_options(settings).connect_with(options).await?;
            Pool::Sqlite(pool)
        } else {
            let mut options = PgConnectOptions::from_str(url)?.application_name("notejam");
            if let Some(arn) = &settings.secret_arn {
                let reader = credentials::DatabaseSecret::new(arn).await;
                let credentials = reader.read().await?;
                options = with_credentials(options, &credentials);
                secret = Some(Arc::new(SecretInUse {
                    reader,
                    credentials,
                }));
            }
            let pool = pool_options(settings).connect_with(options).await?;
            Pool::Postgres(pool)
        };
        Ok(Self {
            pool,
            secret,
            reachability: Arc::default(),
        })
    }

    /// Reads the database secret again every `every` and gives changed credentials to the pool,
    /// for the connections it opens from then on. Does nothing when the credentials came from the
    /// URL.
    pub fn keep_credentials_fresh(&self, every: Duration) {
        let (Some(secret), Pool::Postgres(pool)) = (self.secret.clone(), &self.pool) else {
            return;
        };
        let pool = pool.clone();
        for result in ["unchanged", "changed", "error"] {
            metrics::counter!("notejam_database_secret_reads_total", "result" => result)
                .absolute(0);
        }
        tokio::spawn(async move {
            // The first read is one period after the one `connect` made.
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut current = secret.credentials.clone();
            loop {
                ticks.tick().await;
                let result = match secret.reader.read().await {
                    Ok(new) if new == current => "unchanged",
                    Ok(new) => {
                        pool.set_connect_options(with_credentials(
                            (*pool.connect_options()).clone(),
                            &new,
                        ));
                        current = new;
                        tracing::info!(
                            "the database secret changed; new connections use its credentials"
                        );
                        "changed"
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "keeping the last database credentials");
                        "error"
                    }
                };
                metrics::counter!("notejam_database_secret_reads_total", "result" => result)
                    .increment(1);
            }
        });
    }
}

fn with_credentials(
    options: PgConnectOptions,
    credentials: &credentials::Credentials,
) -> PgConnectOptions {
    options
        .username(&credentials.username)
        .password(credentials.password.expose_secret())
}
