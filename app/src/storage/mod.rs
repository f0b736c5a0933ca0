//! The one data-access layer, on PostgreSQL (production) or SQLite (the embedded default).
//!
//! Every query is written once: the [`on_pool!`] macro expands the same code for whichever pool
//! is in use, so both databases run the same SQL (placeholders are `$1`, which SQLite accepts too).
//! Ownership is part of every query (`WHERE user_id = $n`), so another user's row reads as absent.

mod notes;
mod pads;
mod password_resets;
mod signin_failures;
mod tokens;
mod users;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::configuration::DatabaseSettings;

pub use notes::{Note, NoteChanges, NotePage, VersionedNote};
pub use pads::{Pad, VersionedPad};
pub use signin_failures::SigninThrottle;
pub use tokens::{ApiToken, Conditional, TokenOwner};
pub use users::User;

/// Runs `$body` with `$pool` bound to the live pool, whichever database it is.
macro_rules! on_pool {
    ($storage:expr, $pool:ident => $body:expr) => {
        match &$storage.pool {
            $crate::storage::Pool::Postgres($pool) => $body,
            $crate::storage::Pool::Sqlite($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

#[derive(Clone, Debug)]
pub(crate) enum Pool {
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
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A cheap-to-clone handle on the database.
#[derive(Clone, Debug)]
pub struct Storage {
    pub(crate) pool: Pool,
}

/// The current time as stored: UTC, truncated to microseconds (PostgreSQL's precision), so a value
/// read back equals the value written on both databases.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

impl Storage {
    /// Connects (and for SQLite creates the file if missing). Fails fast with a clear error.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, StorageError> {
        let url = settings.url.expose();
        let acquire_timeout = Duration::from_secs(5);
        let pool = if settings.is_sqlite() {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(acquire_timeout)
                .connect_with(options)
                .await?;
            Pool::Sqlite(pool)
        } else {
            let options = PgConnectOptions::from_str(url)?.application_name("notejam");
            let pool = PgPoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(acquire_timeout)
                .connect_with(options)
                .await?;
            Pool::Postgres(pool)
        };
        Ok(Self { pool })
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

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.is_ok())
    }

    /// Closes every pooled connection (at shutdown).
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
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
    StorageError::Database(err)
}
