//! Whether the database can be reached, watched from a connection of its own (never one of the
//! pool's, so a saturated pool does not read as an outage). While the database is unreachable,
//! every storage call fails at once with [`super::StorageError::Unavailable`] (a 503 with
//! `Retry-After`) instead of waiting the pool's acquire timeout, and calls already waiting for a
//! pooled connection are released; when a probe succeeds again, calls go through as before.

use std::time::Duration;

use sqlx::{ConnectOptions, Connection};
use tokio::sync::{Notify, watch};

use super::{Pool, Storage};

/// How long a client should wait before trying again while the database is unreachable.
pub const RETRY_AFTER_SECONDS: u64 = 5;

/// Time between probes while the database answers, and while it does not.
const PROBE_EVERY_UP: Duration = Duration::from_secs(1);
const PROBE_EVERY_DOWN: Duration = Duration::from_millis(250);
/// A probe (connect if needed, then ping) that takes longer than this counts as a failure.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The reachability flag the probe sets and every storage call reads.
#[derive(Debug)]
pub(crate) struct Reachability {
    down: watch::Sender<bool>,
    /// A call saw a connection error: probe now rather than at the next tick.
    suspect: Notify,
}

impl Default for Reachability {
    fn default() -> Self {
        Self {
            down: watch::Sender::new(false),
            suspect: Notify::new(),
        }
    }
}

impl Reachability {
    pub(crate) fn is_down(&self) -> bool {
        *self.down.borrow()
    }

    /// Resolves once the database is known to be unreachable.
    pub(crate) async fn until_down(&self) {
        let mut rx = self.down.subscribe();
        let _ = rx.wait_for(|down| *down).await;
    }

    /// Asks for a probe now (a call saw the connection fail).
    pub(crate) fn suspect(&self) {
        self.suspect.notify_one();
    }
}

/// PostgreSQL's "not now" codes: shutting down (an RDS failover ends connections with it),
/// starting up, too many connections.
const POSTGRES_UNAVAILABLE: &[&str] = &["57P01", "57P02", "57P03", "53300"];
/// SQLite's primary result codes for "locked by someone else" (SQLITE_BUSY, SQLITE_LOCKED),
/// after the busy timeout.
const SQLITE_UNAVAILABLE: &[i32] = &[5, 6];

/// Errors that mean "no database to talk to right now", as opposed to a statement the database
/// refused.
pub(crate) fn is_unreachable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some()
            {
                POSTGRES_UNAVAILABLE.contains(&code.as_ref())
            } else {
                code.parse::<i32>()
                    .is_ok_and(|c| SQLITE_UNAVAILABLE.contains(&(c & 0xff)))
            }
        }
        _ => false,
    }
}

/// The error a call gets while the database is known to be unreachable.
pub(crate) fn unreachable_error() -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::new(
        std::io::ErrorKind::NotConnected,
        "the database is unreachable (the reachability probe failed)",
    ))
}

/// The probe's own connection.
enum ProbeConnection {
    Postgres(sqlx::PgConnection),
    Sqlite(sqlx::SqliteConnection),
}

impl ProbeConnection {
    async fn open(pool: &Pool) -> Result<Self, sqlx::Error> {
        // The pool's current options: credentials rotated into the pool apply here too.
        Ok(match pool {
            Pool::Postgres(p) => Self::Postgres(p.connect_options().connect().await?),
            Pool::Sqlite(p) => Self::Sqlite(p.connect_options().connect().await?),
        })
    }

    async fn ping(&mut self) -> Result<(), sqlx::Error> {
        match self {
            Self::Postgres(c) => c.ping().await,
            Self::Sqlite(c) => c.ping().await,
        }
    }
}

async fn probe(pool: &Pool, conn: &mut Option<ProbeConnection>) -> Result<(), sqlx::Error> {
    if conn.is_none() {
        *conn = Some(ProbeConnection::open(pool).await?);
    }
    conn.as_mut().expect("opened above").ping().await
}

impl Storage {
    /// Probes the database every second from a connection of its own and keeps the reachability
    /// flag that storage calls read; stops when the pool is closed.
    pub fn watch_reachability(&self) {
        let storage = self.clone();
        tokio::spawn(async move {
            let (pool, reachability) = (&storage.pool, &storage.reachability);
            let mut conn = None;
            while !storage.is_closed() {
                let outcome = tokio::time::timeout(PROBE_TIMEOUT, probe(pool, &mut conn)).await;
                let error = match outcome {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(e.to_string()),
                    Err(_) => Some(format!("no answer within {PROBE_TIMEOUT:?}")),
                };
                if error.is_some() {
                    conn = None;
                }
                let was_down = reachability.down.send_replace(error.is_some());
                match (&error, was_down) {
                    (Some(e), false) => {
                        tracing::error!(error = %e, "the database is unreachable: answering 503 until it is back")
                    }
                    (None, true) => tracing::info!("the database is reachable again"),
                    _ => {}
                }
                let every = if error.is_some() {
                    PROBE_EVERY_DOWN
                } else {
                    PROBE_EVERY_UP
                };
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    () = reachability.suspect.notified() => {}
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::StorageError;

    #[test]
    fn connection_failures_are_unavailable_and_refusals_are_not() {
        for err in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            unreachable_error(),
            sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into()),
        ] {
            assert!(matches!(
                StorageError::from(err),
                StorageError::Unavailable(_)
            ));
        }
        for err in [sqlx::Error::RowNotFound, sqlx::Error::Protocol("x".into())] {
            assert!(matches!(StorageError::from(err), StorageError::Database(_)));
        }
    }
}
