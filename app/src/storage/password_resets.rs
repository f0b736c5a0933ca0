//! One-time password-reset tokens. Only a SHA-256 of a token is stored, so a database leak gives no
//! usable links; a token is used up in the same transaction that sets the new password.

use chrono::{DateTime, Duration, Utc};

use sqlx::Connection;

use super::{Storage, StorageError, db_op, now};

impl Storage {
    /// Stores a reset token's hash for the user, valid for `ttl`.
    pub async fn create_password_reset(
        &self,
        user_id: i64,
        token_hash: &[u8],
        ttl: Duration,
    ) -> Result<(), StorageError> {
        let at = now();
        const SQL: &str = "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
        db_op!(self, "INSERT", "password_resets", SQL, pool => sqlx::query(SQL)
            .bind(token_hash)
            .bind(user_id)
            .bind(at)
            .bind(at + ttl)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The user a token resets, if the token is known, unused and not expired.
    pub async fn password_reset_user(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<i64>, StorageError> {
        const SQL: &str = "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2";
        Ok(
            db_op!(self, "SELECT", "password_resets", SQL, pool => sqlx::query_scalar(SQL).bind(token_hash).bind(now()).fetch_optional(pool).await)?,
        )
    }

    /// Uses the token up and sets the new password hash, atomically; also voids the user's other
    /// outstanding links. `None` when the token is unknown, used or expired.
    pub async fn reset_password(
        &self,
        token_hash: &[u8],
        password_hash: &str,
    ) -> Result<Option<i64>, StorageError> {
        let at: DateTime<Utc> = now();
        const SQL: &str = "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id";
        let user = db_op!(self, "UPDATE", "password_resets", SQL, pool => {
            let mut tx = pool.begin().await?;
            let user: Option<i64> = sqlx::query_scalar(SQL)
                .bind(at)
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(user_id) = user {
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
                    .bind(at)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(user)
        })?;
        Ok(user)
    }
}
