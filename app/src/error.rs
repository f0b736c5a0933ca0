//! The one error type of the HTTP layer. Each variant says the status it answers with; handlers
//! use `?` on storage results, and internal errors are logged in detail but shown generically.

use poem::error::ResponseError;
use poem::http::StatusCode;

use crate::service::ServiceError;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404: missing, someone else's, or a malformed id. Never reveals which.
    #[error("The page you are looking for does not exist.")]
    NotFound,
    /// 403: a form was posted without a valid CSRF token.
    #[error(
        "This form has expired or did not come from this site. Go back, reload the page and try again."
    )]
    CsrfRejected,
    /// 400: a request the server cannot read (e.g. a form that is not UTF-8).
    #[error("{0}")]
    BadRequest(&'static str),
    /// 413: a body over the limit.
    #[error("The request is too large.")]
    PayloadTooLarge,
    /// 415: a form posted in a format other than `application/x-www-form-urlencoded`.
    #[error("Forms must be sent as application/x-www-form-urlencoded.")]
    UnsupportedMediaType,
    /// 503 with `Retry-After`: the database cannot be reached right now.
    #[error(
        "Notejam cannot reach its database right now. Your data is safe; please try again in a few seconds."
    )]
    Unavailable,
    /// 500: the database failed.
    #[error("storage: {0}")]
    Storage(StorageError),
    /// 500: anything else that should not happen.
    #[error("internal: {0:#}")]
    Internal(#[from] anyhow::Error),
}

/// What a user is told about any server error; the detail goes to the log, never to the response.
pub const SERVER_ERROR_MESSAGE: &str =
    "Something went wrong on our side. It has been logged; please try again in a moment.";

/// The outcomes a page handler does not turn into its own answer (a form with errors, a flash).
impl From<ServiceError> for AppError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound => Self::NotFound,
            ServiceError::Unavailable => Self::Unavailable,
            ServiceError::Storage(e) => Self::Storage(e),
            ServiceError::Internal(e) => Self::Internal(e),
            other => Self::Internal(anyhow::anyhow!("a page did not handle: {other}")),
        }
    }
}

impl AppError {
    /// The message a user may see: the error itself for client errors and an outage, a generic
    /// line for any other server error.
    pub fn public_message(&self) -> String {
        if self.status().is_server_error() && !matches!(self, Self::Unavailable) {
            SERVER_ERROR_MESSAGE.to_owned()
        } else {
            self.to_string()
        }
    }
}

impl ResponseError for AppError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Storage(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}
