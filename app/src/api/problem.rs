//! Errors of the API as RFC 9457 problem details (`application/problem+json`).
//!
//! [`ApiError`] is the one error type of the API's handlers; each variant says the status it
//! answers with. Each operation returns a response enum made by [`problem_responses!`] that
//! lists exactly the statuses it can answer with, so the OpenAPI document tells the truth per
//! operation. Errors raised before a handler runs (bad JSON, wrong media type, missing token,
//! unknown path) are turned into the same problem documents by [`super::problem_layer`]; a body
//! field of the wrong JSON type or a bad query parameter gets the same 422 `errors` object.

use std::collections::BTreeMap;

use poem::Response;
use poem::http::{HeaderValue, StatusCode, header};
use poem_openapi::Object;
use poem_openapi::types::Example;

use crate::domain::messages;
use crate::service::ServiceError;
use crate::storage::StorageError;

/// The `WWW-Authenticate` challenge sent with every 401.
pub const BEARER_CHALLENGE: &str = "Bearer realm=\"notejam\"";

/// Media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem: what went wrong, and for a validation failure, each field's messages.
#[derive(Debug, Clone, Object)]
#[oai(example, skip_serializing_if_is_none)]
pub struct Problem {
    /// A URI reference naming the kind of problem (`about:blank` for a plain HTTP status).
    #[oai(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this case, for a human.
    pub detail: Option<String>,
    /// For a validation failure (422): each field's messages, in the words the pages use.
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

impl Example for Problem {
    fn example() -> Self {
        let mut errors = BTreeMap::new();
        errors.insert(
            "name".to_owned(),
            vec![crate::domain::messages::REQUIRED.to_owned()],
        );
        Problem {
            kind: "/api/problems/validation".to_owned(),
            title: "Unprocessable Content".to_owned(),
            status: 422,
            detail: Some("The request has invalid fields.".to_owned()),
            errors: Some(errors),
        }
    }
}

impl Problem {
    /// A problem for a plain HTTP status.
    pub fn status(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: Some(detail.into()),
            errors: None,
        }
    }
}

pub use crate::domain::FieldErrors;

/// Everything a handler of the API can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: missing, unknown, expired or revoked bearer token, or wrong credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 404: missing, someone else's, or a malformed id. Never says which.
    #[error("{0}")]
    NotFound(&'static str),
    /// 409: the email is already signed up (decided by the unique index).
    #[error("{}", crate::domain::messages::EMAIL_TAKEN)]
    EmailTaken,
    /// 412: `If-Match` does not match the current ETag.
    #[error(
        "The resource has changed since you read it: fetch it again and retry with its new ETag."
    )]
    PreconditionFailed,
    /// 422: fields that do not follow the rules.
    #[error("The request has invalid fields.")]
    Validation(FieldErrors),
    /// 429: too many failed sign-ins for this email; retry after this many seconds.
    #[error("Too many failed sign-in attempts. Try again in {} minutes.", .0.div_ceil(60))]
    Throttled(u64),
    /// 503 with `Retry-After`: the database cannot be reached right now.
    #[error("The database cannot be reached right now; retry after the time in Retry-After.")]
    Unavailable,
    /// 500: the database failed.
    #[error("storage: {0}")]
    Storage(StorageError),
    /// 500: anything else that should not happen.
    #[error("internal: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// The API's answer to an outcome of the core; `missing` is what a 404 says is missing.
    pub fn from_service(missing: &'static str) -> impl Fn(ServiceError) -> ApiError {
        move |err| match err {
            ServiceError::Invalid(mut errors) => {
                // The API calls the note's pad `pad_id`.
                errors.rename("pad", "pad_id");
                Self::Validation(errors)
            }
            ServiceError::EmailTaken => Self::EmailTaken,
            ServiceError::NotFound => Self::NotFound(missing),
            ServiceError::Stale => Self::PreconditionFailed,
            ServiceError::WrongCredentials => Self::Unauthorized(messages::WRONG_CREDENTIALS),
            ServiceError::Throttled { until } => {
                Self::Throttled(ServiceError::retry_after_seconds(until))
            }
            ServiceError::Unavailable => Self::Unavailable,
            ServiceError::Storage(e) => Self::Storage(e),
            ServiceError::Internal(e) => Self::Internal(e),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::EmailTaken => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Storage(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem document and the `Retry-After` seconds it carries, if any, for an answer
    /// being sent: server errors are logged here with their detail and shown generically (an
    /// outage says what it is).
    pub fn into_problem(self) -> (Problem, Option<u64>) {
        match &self {
            Self::Unavailable => {
                tracing::warn!("API request answered 503: the database is unreachable")
            }
            e if e.status().is_server_error() => tracing::error!(error = %e, "API request failed"),
            _ => {}
        }
        self.problem()
    }

    /// The same without the log: also what the OpenAPI document shows as this error's example
    /// (building the document answers no request, so it must not log one).
    pub fn problem(self) -> (Problem, Option<u64>) {
        let status = self.status();
        if let Self::Unavailable = self {
            let problem = Problem::status(status, self.to_string());
            return (problem, Some(crate::storage::RETRY_AFTER_SECONDS));
        }
        if status.is_server_error() {
            return (internal_problem(), None);
        }
        let retry_after = match &self {
            Self::Throttled(seconds) => Some(*seconds),
            _ => None,
        };
        let mut problem = Problem::status(status, self.to_string());
        match self {
            Self::Validation(errors) => {
                problem.kind = "/api/problems/validation".to_owned();
                problem.errors = Some(errors.into_map());
            }
            Self::EmailTaken => {
                let mut errors = FieldErrors::default();
                errors.add("email", crate::domain::messages::EMAIL_TAKEN);
                problem.errors = Some(errors.into_map());
            }
            _ => {}
        }
        (problem, retry_after)
    }
}

/// A problem+json response; a 401 carries the Bearer challenge, a 503 its `Retry-After`.
pub fn problem_response(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = poem_openapi::types::ToJSON::to_json_string(&problem);
    let mut resp = Response::builder()
        .status(status)
        .content_type(PROBLEM_JSON)
        .body(body);
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(BEARER_CHALLENGE),
        );
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(crate::storage::RETRY_AFTER_SECONDS),
        );
    }
    resp
}

/// An [`ApiError`] as a `poem::Error` carrying its problem+json response (for code that
/// runs before an operation's own response type exists, like the token check).
pub fn problem_error(err: ApiError) -> poem::Error {
    let (problem, _) = err.into_problem();
    poem::Error::from_response(problem_response(problem))
}

/// A field of a JSON body that has the wrong JSON type (422 `errors`).
pub const MUST_BE_STRING: &str = "Must be a string.";
pub const MUST_BE_STRING_OR_NULL: &str = "Must be a string or null.";
pub const MUST_BE_INTEGER: &str = "Must be a whole number.";
pub const MUST_BE_INTEGER_OR_NULL: &str = "Must be a whole number or null.";
/// Details of a body that is not a JSON object at all.
pub const NOT_JSON: &str = "The body is not valid JSON.";
pub const NOT_AN_OBJECT: &str = "The body must be a JSON object.";
/// Detail of a 400.
pub const UNREADABLE_BODY: &str = "The request body could not be read.";
/// Detail of a 413.
pub const TOO_LARGE: &str = "The request body is larger than 1 MiB.";
/// Detail of a 415.
pub const NOT_JSON_MEDIA_TYPE: &str = "The body must be sent as application/json.";

/// The body of every 500: the detail is in the log, not in the response.
pub fn internal_problem() -> Problem {
    Problem::status(
        StatusCode::INTERNAL_SERVER_ERROR,
        crate::error::SERVER_ERROR_MESSAGE,
    )
}

/// Declares an operation's error response: the listed statuses, plus 500, each as problem+json.
///
/// `problem_responses!(pub enum NoteWriteError { Unauthorized, NotFound, Validation });`
macro_rules! problem_responses {
    ($(#[doc = $doc:literal])* $vis:vis enum $name:ident { $($variant:ident),* $(,)? }) => {
        $crate::api::problem::problem_responses!(@munch [$(#[doc = $doc])*] $vis $name [] [] $($variant)*);
    };
    (@munch $docs:tt $vis:vis $name:ident [$($v:tt)*] [$($a:tt)*] Unauthorized $($rest:ident)*) => {
        $crate::api::problem::problem_responses!(@munch $docs $vis $name [$($v)*
            /// No valid bearer token: missing, unknown, expired, or revoked by a password change.
            #[oai(status = 401, content_type = "application/problem+json")]
            Unauthorized(poem_openapi::payload::Json<$crate::api::problem::Problem>, #[oai(header = "WWW-Authenticate")] String),
        ] [$($a)* 401 => |p| Self::Unauthorized(poem_openapi::payload::Json(p), $crate::api::problem::BEARER_CHALLENGE.to_owned());] $($rest)*);
    };
    (@munch $docs:tt $vis:vis $name:ident [$($v:tt)*] [$($a:tt)*] NotFound $($rest:ident)*) => {
        $crate::api::problem::problem_responses!(@munch $docs $vis $name [$($v)*
            /// No such resource among yours (someone else's looks exactly like a missing one).
            #[oai(status = 404, content_type = "application/problem+json")]
            NotFound(poem_openapi::payload::Json<$crate::api::problem::Problem>),
        ] [$($a)* 404 => |p| Self::NotFound(poem_openapi::payload::Json(p));] $($rest)*);
    };
    (@munch $docs:tt $vis:vis $name:ident [$($v:tt)*] [$($a:tt)*] Conflict $($rest:ident)*) => {
        $crate::api::problem::problem_responses!(@munch $docs $vis $name [$($v)*
            /// The email is already signed up (`errors.email`).
            #[oai(status = 409, content_type = "application/problem+json")]
            Conflict(poem_openapi::payload::Json<$crate::api::problem::Problem>),
        ] [$($a)* 409 => |p| Self::Conflict(poem_openapi::payload::Json(p));] $($rest)*);
    };
    (@munch $docs:tt $vis:vis $name:ident [$($v:tt)*] [$($a:tt)*] PreconditionFailed $($rest:ident)*) => {
        $crate::api::problem::problem_responses!(@munch $docs $vis $name [$($v)*
            /// `If-Match` names a version that is no longer current: read it again and retry.
            #[oai(status = 412, content_type = "application/problem+json")]
            PreconditionFailed(poem_openapi::payload::Json<$crate::api::problem::Problem>),
        ] [$($a)* 412 => |p| Self::PreconditionFailed(poem_openapi::payload::Json(p));] $($rest)*);
    };
    (@munch $docs:tt $vis:vis $name:ident [$($v:tt)*] [$($a:tt)*] Body $($rest:ident)*) => {
        $crate::api::problem::problem_responses!(@munch $docs $vis $name [$($v)*
            /// The body could not be read: the connection broke off, or its chunked framing is malformed.
            #[oai(status = 400, content_type = "application/problem+json")]
            BadRequest(poem_openapi::payload::Json<$crate::api::problem::Problem>),
            /// The body is larger than 1 MiB.
            #[oai(status = 413, content_type = "application/problem+json")]
            PayloadTooLarge(poem_openapi::payload::Json<$crate::api::problem::Problem>),
            /// The body is not `application/json`.
            #[oai(status = 415, content_type = "application/problem+json")]
            UnsupportedMediaType(poem_openapi::payload::Json<$crate::api::problem::Problem>),
        ] [$($a)*
            413 => |p| Self::PayloadTooLarge(poem_openapi::payload::Json(p));
            415 => |p| Self::UnsupportedMediaType(poem_openapi::payload::Json(p));
        ] $($rest)*);
    };
    (@munch $docs:tt $vis:vis $name:ident [$($v:tt)*] [$($a:tt)*] Validation $($rest:ident)*) => {
        $crate::api::problem::problem_responses!(@munch $docs $vis $name [$($v)*
            /// Invalid input: `errors` maps each field to its messages, in the words of the pages.
            #[oai(status = 422, content_type = "application/problem+json")]
            Unprocessable(poem_openapi::payload::Json<$crate::api::problem::Problem>),
        ] [$($a)* 422 => |p| Self::Unprocessable(poem_openapi::payload::Json(p));] $($rest)*);
    };
    (@munch $docs:tt $vis:vis $name:ident [$($v:tt)*] [$($a:tt)*] Throttled $($rest:ident)*) => {
        $crate::api::problem::problem_responses!(@munch $docs $vis $name [$($v)*
            /// Too many failed sign-ins for this email: wait `Retry-After` seconds.
            #[oai(status = 429, content_type = "application/problem+json")]
            TooManyRequests(poem_openapi::payload::Json<$crate::api::problem::Problem>, #[oai(header = "Retry-After")] u64),
        ] [$($a)*] $($rest)*);
    };
    (@munch [$($doc:tt)*] $vis:vis $name:ident [$($v:tt)*] [$($code:literal => $ctor:expr;)*]) => {
        $($doc)*
        #[derive(Debug, poem_openapi::ApiResponse)]
        $vis enum $name {
            $($v)*
            /// Something failed on the server; the detail is logged, not shown.
            #[oai(status = 500, content_type = "application/problem+json")]
            Internal(poem_openapi::payload::Json<$crate::api::problem::Problem>),
            /// The database cannot be reached right now: retry after `Retry-After` seconds.
            #[oai(status = 503, content_type = "application/problem+json")]
            Unavailable(poem_openapi::payload::Json<$crate::api::problem::Problem>, #[oai(header = "Retry-After")] u64),
        }

        impl From<$crate::api::problem::ApiError> for $name {
            #[allow(unreachable_code, unused_variables)]
            fn from(err: $crate::api::problem::ApiError) -> Self {
                let (problem, retry_after) = err.into_problem();
                if let (503, Some(seconds)) = (problem.status, retry_after) {
                    return Self::Unavailable(poem_openapi::payload::Json(problem), seconds);
                }
                $crate::api::problem::problem_responses!(@throttled $name problem retry_after [$($v)*]);
                match problem.status {
                    $($code => ($ctor)(problem),)*
                    status => {
                        tracing::error!(status, operation_error = stringify!($name), "an error the operation does not document");
                        Self::Internal(poem_openapi::payload::Json($crate::api::problem::internal_problem()))
                    }
                }
            }
        }
    };
    // A 429 carries its Retry-After; only enums that list `Throttled` have the variant.
    (@throttled $name:ident $problem:ident $retry:ident [$($v:tt)*]) => {
        $crate::api::problem::problem_responses!(@find_throttled $name $problem $retry $($v)*);
    };
    (@find_throttled $name:ident $problem:ident $retry:ident TooManyRequests $($rest:tt)*) => {
        if let Some(seconds) = $retry {
            return Self::TooManyRequests(poem_openapi::payload::Json($problem), seconds);
        }
    };
    (@find_throttled $name:ident $problem:ident $retry:ident $first:tt $($rest:tt)*) => {
        $crate::api::problem::problem_responses!(@find_throttled $name $problem $retry $($rest)*);
    };
    (@find_throttled $name:ident $problem:ident $retry:ident) => {};
}
pub(crate) use problem_responses;

// ---- the error responses the operations share ----

problem_responses! {
    /// Errors of an operation that only needs a valid token.
    pub enum AuthError { Unauthorized }
}
problem_responses! {
    /// Errors of reading one of your resources.
    pub enum ReadError { Unauthorized, NotFound }
}
problem_responses! {
    /// Errors of creating a resource from a JSON body.
    pub enum CreateError { Unauthorized, Body, Validation }
}
problem_responses! {
    /// Errors of changing one of your resources, guarded by `If-Match`.
    pub enum UpdateError { Unauthorized, NotFound, PreconditionFailed, Body, Validation }
}
problem_responses! {
    /// Errors of deleting one of your resources, guarded by `If-Match`.
    pub enum DeleteError { Unauthorized, NotFound, PreconditionFailed }
}
problem_responses! {
    /// Errors of a list with query parameters.
    pub enum ListError { Unauthorized, NotFound, Validation }
}
problem_responses! {
    /// Errors of signing up.
    pub enum SignUpError { Conflict, Body, Validation }
}
problem_responses! {
    /// Errors of asking for a token.
    pub enum SignInError { Unauthorized, Body, Validation, Throttled }
}
