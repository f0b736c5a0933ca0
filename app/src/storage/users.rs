//! Users: sign-up, lookup, password change.

use chrono::{DateTime, Utc};

use super::{Storage, StorageError, classify, db_op, now};
use crate::domain::Email;

/// A signed-up user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

const USER_COLUMNS: &str = "id, email, password_hash, created_at";

impl Storage {
    /// Creates a user; [`StorageError::EmailTaken`] when the unique index refuses the email.
    pub async fn create_user(
        &self,
        email: &Email,
        password_hash: &str,
    ) -> Result<User, StorageError> {
        let created_at = now();
        const SQL: &str =
            "INSERT INTO users (email, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id";
        let id: i64 = db_op!(self, "INSERT", "users", SQL, pool => sqlx::query_scalar(SQL)
            .bind(email.as_str())
            .bind(password_hash)
            .bind(created_at)
            .fetch_one(pool)
            .await)
        .map_err(|e| classify(e, Some(StorageError::EmailTaken), None))?;
        // Counted here, so the pages and the API count alike.
        metrics::counter!("notejam_users_created_total").increment(1);
        Ok(User {
            id,
            email: email.as_str().to_owned(),
            password_hash: password_hash.to_owned(),
            created_at,
        })
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, StorageError> {
        const SQL: &str =
            const_format::concatcp!("SELECT ", USER_COLUMNS, " FROM users WHERE id = $1");
        Ok(
            db_op!(self, "SELECT", "users", SQL, pool => sqlx::query_as(SQL).bind(id).fetch_optional(pool).await)?,
        )
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<User>, StorageError> {
        const SQL: &str =
            const_format::concatcp!("SELECT ", USER_COLUMNS, " FROM users WHERE email = $1");
        Ok(
            db_op!(self, "SELECT", "users", SQL, pool => sqlx::query_as(SQL).bind(email.as_str()).fetch_optional(pool).await)?,
        )
    }
}
