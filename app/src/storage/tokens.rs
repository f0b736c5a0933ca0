//! API bearer tokens. Only a SHA-256 of a token is stored; a token is valid while it has not expired
//! and the user's password hash still has the fingerprint it was issued under (so a password change
//! through any door revokes it).

use chrono::{DateTime, Duration, Utc};

use sqlx::Connection;

use super::{Storage, StorageError, User, db_op, now};

/// A token as its owner may list it (never the secret itself).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The user behind a presented token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenOwner {
    pub token_id: i64,
    pub password_fingerprint: String,
    #[sqlx(flatten)]
    pub user: User,
}

/// The outcome of a write guarded by an expected version (`If-Match`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conditional<T> {
    Done(T),
    /// The row does not exist or is not the user's.
    NotFound,
    /// The row exists but its version is not the expected one.
    Stale,
}

impl<T> Conditional<T> {
    /// Why a guarded write touched no row: the row is gone (or not the user's), or its version moved.
    pub fn not_written(exists: bool) -> Self {
        if exists { Self::Stale } else { Self::NotFound }
    }
}

impl Storage {
    /// Stores a new token's hash for the user, valid for `ttl`.
    pub async fn create_api_token(
        &self,
        user_id: i64,
        token_hash: &[u8],
        password_fingerprint: &str,
        ttl: Duration,
    ) -> Result<ApiToken, StorageError> {
        let created_at = now();
        let expires_at = created_at + ttl;
        const SQL: &str = "INSERT INTO api_tokens (user_id, token_hash, password_fingerprint, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id";
        let id: i64 = db_op!(self, "INSERT", "api_tokens", SQL, pool => sqlx::query_scalar(SQL)
            .bind(user_id)
            .bind(token_hash)
            .bind(password_fingerprint)
            .bind(created_at)
            .bind(expires_at)
            .fetch_one(pool)
            .await)?;
        Ok(ApiToken {
            id,
            created_at,
            expires_at,
        })
    }

    /// The owner of an unexpired token; the caller still compares the password fingerprint.
    pub async fn api_token_owner(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<TokenOwner>, StorageError> {
        const SQL: &str = "SELECT t.id AS token_id, t.password_fingerprint, u.id, u.email, u.password_hash, u.created_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.expires_at > $2";
        Ok(
            db_op!(self, "SELECT", "api_tokens", SQL, pool => sqlx::query_as(SQL).bind(token_hash).bind(now()).fetch_optional(pool).await)?,
        )
    }

    /// The user's unexpired tokens issued under the given password fingerprint, newest first.
    pub async fn api_tokens_of(
        &self,
        user_id: i64,
        password_fingerprint: &str,
    ) -> Result<Vec<ApiToken>, StorageError> {
        const SQL: &str = "SELECT id, created_at, expires_at FROM api_tokens \
             WHERE user_id = $1 AND password_fingerprint = $2 AND expires_at > $3 ORDER BY id DESC";
        Ok(
            db_op!(self, "SELECT", "api_tokens", SQL, pool => sqlx::query_as(SQL)
            .bind(user_id)
            .bind(password_fingerprint)
            .bind(now())
            .fetch_all(pool)
            .await)?,
        )
    }

    /// Revokes one of the user's tokens; false when it is not theirs or gone.
    pub async fn delete_api_token(
        &self,
        user_id: i64,
        token_id: i64,
    ) -> Result<bool, StorageError> {
        const SQL: &str = "DELETE FROM api_tokens WHERE id = $1 AND user_id = $2";
        let n = db_op!(self, "DELETE", "api_tokens", SQL, pool => sqlx::query(SQL)
            .bind(token_id)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Sets a new password hash and revokes every API token of the user, atomically.
    pub async fn change_password_revoking_tokens(
        &self,
        user_id: i64,
        password_hash: &str,
    ) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE users SET password_hash = $1 WHERE id = $2";
        let n = db_op!(self, "UPDATE", "users", SQL, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(SQL)
                .bind(password_hash)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        Ok(n == 1)
    }
}
