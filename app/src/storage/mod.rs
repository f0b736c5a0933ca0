//! The one data-access layer, on PostgreSQL (production) or SQLite (the embedded default).
//!
//! Every query is written once: the [`db_op!`] macro expands the same code for whichever pool
//! is in use, so both databases run the same SQL (placeholders are `$1`, which SQLite accepts too).
//! Ownership is part of every query (`WHERE user_id = $n`), so another user's row reads as absent.
//! `db_op!` is also the only way to a connection (the pool is private here), so every statement
//! has its span and its metrics. `connect.rs` opens the pool; `health.rs` watches the database.

mod connect;
pub mod credentials;
mod health;
mod notes;
mod pads;
mod pages;
mod password_resets;
mod signin_failures;
mod tokens;
mod users;

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{PgPool, SqlitePool};

pub use health::RETRY_AFTER_SECONDS;
pub use notes::{ListedNote, Note, NoteChanges, NotePage, NoteRange, NoteSummary, VersionedNote};
pub use pads::{Pad, VersionedPad};
pub use pages::{FrameRows, ListPageRows, NotePageRows};
pub use signin_failures::SigninThrottle;
pub use tokens::{ApiToken, Conditional, TokenOwner};
pub use users::User;

/// One database operation, traced and measured, and the only way to a pooled connection: `$body`
/// runs with `$pool` bound to a `&mut PgConnection` or `&mut SqliteConnection`, whichever database
/// is live, inside a client span named `{operation} {collection}` with `db.system.name`,
/// `db.operation.name` and the parameterised `db.query.text`; the wait for the connection
/// (`db_client_connection_wait_time_seconds`) and the operation
/// (`db_client_operation_duration_seconds{db_operation_name}`) are measured. `$sql` is the
/// statement (or the first of a transaction's).
macro_rules! db_op {
    ($storage:expr, $operation:expr, $collection:expr, $sql:expr, $pool:ident => $body:expr) => {{
        let storage: &$crate::storage::Storage = $storage;
        let span = storage.operation_span($operation, $collection, &$sql);
        let started = ::std::time::Instant::now();
        let run = async {
            match storage.pool() {
                $crate::storage::Pool::Postgres(p) => {
                    let mut conn = $crate::storage::acquire(p, storage.reachability()).await?;
                    let $pool = &mut *conn;
                    $body
                }
                $crate::storage::Pool::Sqlite(p) => {
                    let mut conn = $crate::storage::acquire(p, storage.reachability()).await?;
                    let $pool = &mut *conn;
                    $body
                }
            }
        };
        let result = ::tracing::Instrument::instrument(run, span.clone()).await;
        $crate::storage::record_operation(
            storage,
            $operation,
            started,
            &span,
            result.as_ref().err(),
        );
        result
    }};
}
pub(crate) use db_op;

#[derive(Clone, Debug)]
enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// Which database engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// What can go wrong in the data layer; constraint violations become domain outcomes.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The unique index on `users.email` refused the row.
    #[error("this email is already signed up")]
    EmailTaken,
    /// The note's pad does not exist or belongs to someone else (the composite foreign key refused it).
    #[error("the pad does not exist or is not the user's")]
    InvalidPad,
    /// The database cannot be reached (down, unreachable, or no pooled connection in time).
    #[error("the database is unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error(transparent)]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Secret(#[from] credentials::SecretError),
}

impl From<sqlx::Error> for StorageError {
    fn from(err: sqlx::Error) -> Self {
        if health::is_unreachable(&err) {
            Self::Unavailable(err)
        } else {
            Self::Database(err)
        }
    }
}

/// A cheap-to-clone handle on the database.
#[derive(Clone, Debug)]
pub struct Storage {
    /// Private to `storage`: every statement goes through [`db_op!`].
    pool: Pool,
    /// Where the PostgreSQL credentials came from (`NOTEJAM_DATABASE_SECRET_ARN`), if not the URL.
    secret: Option<Arc<connect::SecretInUse>>,
    /// Whether the database answers (see [`Storage::watch_reachability`]).
    reachability: Arc<health::Reachability>,
}

/// The current time as stored: UTC, truncated to microseconds (PostgreSQL's precision), so a value
/// read back equals the value written on both databases.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

impl Storage {
    fn pool(&self) -> &Pool {
        &self.pool
    }

    fn reachability(&self) -> &health::Reachability {
        &self.reachability
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Postgres(_) => Backend::Postgres,
            Pool::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Applies the migrations of this backend (idempotent).
    pub async fn migrate(&self) -> Result<(), StorageError> {
        match &self.pool {
            Pool::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
            Pool::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
        }
        Ok(())
    }

    /// True when the database is reachable and answers a trivial query; a failure asks the
    /// reachability probe to look at once.
    pub async fn ping(&self) -> bool {
        if self.reachability.is_down() {
            return false;
        }
        let ok = match &self.pool {
            Pool::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.is_ok(),
            Pool::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.is_ok(),
        };
        if !ok {
            self.reachability.suspect();
        }
        ok
    }

    fn is_closed(&self) -> bool {
        match &self.pool {
            Pool::Postgres(p) => p.is_closed(),
            Pool::Sqlite(p) => p.is_closed(),
        }
    }

    /// Closes every pooled connection (at shutdown).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Postgres(p) => p.close().await,
            Pool::Sqlite(p) => p.close().await,
        }
    }
}

/// Takes a connection from the pool, measuring the wait; fails at once while the database is
/// known to be unreachable, and gives up waiting as soon as it becomes so.
async fn acquire<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    reachability: &health::Reachability,
) -> Result<sqlx::pool::PoolConnection<DB>, sqlx::Error> {
    if reachability.is_down() {
        return Err(health::unreachable_error());
    }
    let started = std::time::Instant::now();
    let conn = tokio::select! {
        conn = pool.acquire() => conn,
        () = reachability.until_down() => Err(health::unreachable_error()),
    };
    metrics::histogram!("db_client_connection_wait_time_seconds")
        .record(started.elapsed().as_secs_f64());
    conn
}

/// Ends a database operation: its duration metric and, on failure, the span's error status; a
/// connection failure asks the reachability probe to look at once.
fn record_operation(
    storage: &Storage,
    operation: &'static str,
    started: std::time::Instant,
    span: &tracing::Span,
    error: Option<&sqlx::Error>,
) {
    metrics::histogram!("db_client_operation_duration_seconds", "db_operation_name" => operation)
        .record(started.elapsed().as_secs_f64());
    if let Some(error) = error {
        span.record("otel.status_code", "ERROR");
        if health::is_unreachable(error) {
            storage.reachability.suspect();
        }
    }
}

/// The pool's connections right now.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    pub idle: u32,
    pub used: u32,
    pub max: u32,
}

impl Storage {
    fn operation_span(
        &self,
        operation: &'static str,
        collection: &'static str,
        sql: &str,
    ) -> tracing::Span {
        let system = match self.backend() {
            Backend::Postgres => "postgresql",
            Backend::Sqlite => "sqlite",
        };
        tracing::info_span!(
            "db",
            otel.name = format!("{operation} {collection}"),
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
            db.system.name = system,
            db.operation.name = operation,
            db.collection.name = collection,
            db.query.text = sql,
        )
    }

    /// Idle and used connections, and the pool's maximum.
    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle, max) = match &self.pool {
            Pool::Postgres(p) => (
                p.size(),
                p.num_idle() as u32,
                p.options().get_max_connections(),
            ),
            Pool::Sqlite(p) => (
                p.size(),
                p.num_idle() as u32,
                p.options().get_max_connections(),
            ),
        };
        PoolStats {
            idle,
            used: size.saturating_sub(idle),
            max,
        }
    }
}

/// Maps a unique or foreign-key violation to a domain error; everything else stays a database error.
pub(crate) fn classify(
    err: sqlx::Error,
    on_unique: Option<StorageError>,
    on_foreign_key: Option<StorageError>,
) -> StorageError {
    if let Some(db) = err.as_database_error() {
        if db.is_unique_violation()
            && let Some(mapped) = on_unique
        {
            return mapped;
        }
        if db.is_foreign_key_violation()
            && let Some(mapped) = on_foreign_key
        {
            return mapped;
        }
    }
    StorageError::from(err)
}
