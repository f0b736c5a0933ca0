//! Throttling of failed sign-ins per email, in the database so every replica sees the same count.
//!
//! Rule: after [`SigninThrottle::max_failures`] failures within [`SigninThrottle::window`], further
//! attempts for that email are refused until the window that started with the first failure ends.

use chrono::{DateTime, Duration, Utc};

use super::{Storage, StorageError, db_op, now};
use crate::domain::Email;

/// The throttling policy.
#[derive(Debug, Clone, Copy)]
pub struct SigninThrottle {
    pub max_failures: i32,
    pub window: Duration,
}

impl Default for SigninThrottle {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: Duration::minutes(15),
        }
    }
}

impl Storage {
    /// When attempts for this email are refused, until when.
    pub async fn signin_locked_until(
        &self,
        email: &Email,
        policy: SigninThrottle,
    ) -> Result<Option<DateTime<Utc>>, StorageError> {
        const SQL: &str =
            "SELECT failures, window_started_at FROM signin_failures WHERE email = $1";
        let row: Option<(i32, DateTime<Utc>)> = db_op!(self, "SELECT", "signin_failures", SQL, pool => sqlx::query_as(SQL).bind(email.as_str()).fetch_optional(pool).await)?;
        Ok(row.and_then(|(failures, started)| {
            let until = started + policy.window;
            (failures >= policy.max_failures && until > Utc::now()).then_some(until)
        }))
    }

    /// Counts a failure; a window older than the policy's starts over.
    pub async fn record_signin_failure(
        &self,
        email: &Email,
        policy: SigninThrottle,
    ) -> Result<(), StorageError> {
        let at = now();
        const SQL: &str = "INSERT INTO signin_failures (email, failures, window_started_at) VALUES ($1, 1, $2) \
             ON CONFLICT (email) DO UPDATE SET \
               failures = CASE WHEN signin_failures.window_started_at <= $3 THEN 1 ELSE signin_failures.failures + 1 END, \
               window_started_at = CASE WHEN signin_failures.window_started_at <= $3 THEN $2 ELSE signin_failures.window_started_at END";
        db_op!(self, "INSERT", "signin_failures", SQL, pool => sqlx::query(SQL)
            .bind(email.as_str())
            .bind(at)
            .bind(at - policy.window)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Forgets the failures after a successful sign-in.
    pub async fn clear_signin_failures(&self, email: &Email) -> Result<(), StorageError> {
        const SQL: &str = "DELETE FROM signin_failures WHERE email = $1";
        db_op!(self, "DELETE", "signin_failures", SQL, pool => sqlx::query(SQL).bind(email.as_str()).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
