//! The one error of the core; each door maps it to its own statuses (see `web::error`, `api::problem`).

use chrono::{DateTime, Utc};

use crate::domain::FieldErrors;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input that breaks the rules: each field's messages (pages: the form again; API: 422).
    #[error("the request has invalid fields")]
    Invalid(FieldErrors),
    /// The email is already signed up, as the unique index decided (pages: field error; API: 409).
    #[error("{}", crate::domain::messages::EMAIL_TAKEN)]
    EmailTaken,
    /// Missing, or someone else's: the two are never told apart (404).
    #[error("not found")]
    NotFound,
    /// The expected version is not the current one (API: 412).
    #[error("the resource has changed since it was read")]
    Stale,
    /// The email and password match no account (pages: flash; API: 401).
    #[error("{}", crate::domain::messages::WRONG_CREDENTIALS)]
    WrongCredentials,
    /// Too many failed sign-ins for this email; refused until then (429).
    #[error("too many failed sign-in attempts")]
    Throttled { until: DateTime<Utc> },
    /// The database cannot be reached right now (503 with `Retry-After`).
    #[error("the database is unavailable")]
    Unavailable,
    /// The database failed (500; logged with detail, shown generically).
    #[error("storage: {0}")]
    Storage(StorageError),
    /// Anything else that should not happen (500).
    #[error("internal: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<StorageError> for ServiceError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::Unavailable(_) => Self::Unavailable,
            other => Self::Storage(other),
        }
    }
}

impl ServiceError {
    /// A single field error.
    pub fn field(field: &str, message: &str) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        Self::Invalid(errors)
    }

    /// Whole seconds until a throttled sign-in may be tried again (at least 1).
    pub fn retry_after_seconds(until: DateTime<Utc>) -> u64 {
        (until - Utc::now()).num_seconds().max(1) as u64
    }
}

/// `Ok(())` when no field failed, else [`ServiceError::Invalid`].
pub(crate) fn valid(errors: FieldErrors) -> Result<(), ServiceError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(errors))
    }
}
