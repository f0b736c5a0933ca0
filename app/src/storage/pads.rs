//! Pads: named folders of notes, always read and written through their owner.

use chrono::{DateTime, Utc};

use sqlx::Connection;

use super::{Storage, StorageError, db_op, now};
use crate::domain::PadName;

/// A user's pad.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pad {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl Storage {
    /// The user's pads by name.
    pub async fn pads_of(&self, user_id: i64) -> Result<Vec<Pad>, StorageError> {
        const SQL: &str = "SELECT id, user_id, name, created_at FROM pads WHERE user_id = $1 ORDER BY lower(name), id";
        Ok(
            db_op!(self, "SELECT", "pads", SQL, pool => sqlx::query_as(SQL).bind(user_id).fetch_all(pool).await)?,
        )
    }

    /// The pad if it exists and is the user's.
    pub async fn pad(&self, user_id: i64, pad_id: i64) -> Result<Option<Pad>, StorageError> {
        const SQL: &str =
            "SELECT id, user_id, name, created_at FROM pads WHERE id = $1 AND user_id = $2";
        Ok(
            db_op!(self, "SELECT", "pads", SQL, pool => sqlx::query_as(SQL).bind(pad_id).bind(user_id).fetch_optional(pool).await)?,
        )
    }

    pub async fn create_pad(&self, user_id: i64, name: &PadName) -> Result<Pad, StorageError> {
        let created_at = now();
        const SQL: &str =
            "INSERT INTO pads (user_id, name, created_at) VALUES ($1, $2, $3) RETURNING id";
        let id: i64 = db_op!(self, "INSERT", "pads", SQL, pool => sqlx::query_scalar(SQL)
            .bind(user_id)
            .bind(name.as_str())
            .bind(created_at)
            .fetch_one(pool)
            .await)?;
        // Counted here, so the pages and the API count alike.
        metrics::counter!("notejam_pads_created_total").increment(1);
        Ok(Pad {
            id,
            user_id,
            name: name.as_str().to_owned(),
            created_at,
        })
    }
}

// ---- for the API: versions (ETags) and writes guarded by an expected version ----

/// A pad with its version, which every write bumps (the database does it, see migration 0002).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionedPad {
    #[sqlx(flatten)]
    pub pad: Pad,
    pub version: i64,
}

impl Storage {
    /// The pad and its version if it exists and is the user's.
    pub async fn versioned_pad(
        &self,
        user_id: i64,
        pad_id: i64,
    ) -> Result<Option<VersionedPad>, StorageError> {
        const SQL: &str = "SELECT id, user_id, name, created_at, version FROM pads WHERE id = $1 AND user_id = $2";
        Ok(
            db_op!(self, "SELECT", "pads", SQL, pool => sqlx::query_as(SQL).bind(pad_id).bind(user_id).fetch_optional(pool).await)?,
        )
    }

    /// Renames the user's pad if its version is `expected` (any version when `None`), answering
    /// with the row this statement wrote (`RETURNING`), never one a concurrent writer made.
    pub async fn rename_pad(
        &self,
        user_id: i64,
        pad_id: i64,
        name: &PadName,
        expected: Option<i64>,
    ) -> Result<super::Conditional<VersionedPad>, StorageError> {
        // `version = version + 1` is said here so that RETURNING reports it on SQLite too, whose
        // AFTER trigger (which sets the same value) runs after RETURNING is computed.
        const SQL: &str = "UPDATE pads SET name = $1, version = version + 1 \
             WHERE id = $2 AND user_id = $3 AND ($4 IS NULL OR version = $4) \
             RETURNING id, user_id, name, created_at, version";
        let written: Option<VersionedPad> = db_op!(self, "UPDATE", "pads", SQL, pool => sqlx::query_as(SQL)
            .bind(name.as_str())
            .bind(pad_id)
            .bind(user_id)
            .bind(expected)
            .fetch_optional(pool)
            .await)?;
        match written {
            Some(pad) => Ok(super::Conditional::Done(pad)),
            None => Ok(super::Conditional::not_written(
                self.pad(user_id, pad_id).await?.is_some(),
            )),
        }
    }

    /// Deletes the user's pad and its notes if its version is `expected` (any when `None`).
    pub async fn delete_pad(
        &self,
        user_id: i64,
        pad_id: i64,
        expected: Option<i64>,
    ) -> Result<super::Conditional<()>, StorageError> {
        const SQL: &str =
            "DELETE FROM pads WHERE id = $1 AND user_id = $2 AND ($3 IS NULL OR version = $3)";
        let n = db_op!(self, "DELETE", "pads", SQL, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(SQL)
                .bind(pad_id)
                .bind(user_id)
                .bind(expected)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            // The composite foreign key cascades; this states the rule where it is read.
            sqlx::query("DELETE FROM notes WHERE pad_id = $1 AND user_id = $2 AND $3 = 1")
                .bind(pad_id)
                .bind(user_id)
                .bind(n as i64)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        if n == 1 {
            return Ok(super::Conditional::Done(()));
        }
        Ok(super::Conditional::not_written(
            self.pad(user_id, pad_id).await?.is_some(),
        ))
    }
}
