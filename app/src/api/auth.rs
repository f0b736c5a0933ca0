//! Bearer tokens on the way in: the `bearerToken` security scheme, checked by the core.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use super::problem::{ApiError, problem_error};
use crate::service::{ApiUser, Service};

/// Detail of a 401 without a usable token.
pub const MISSING_TOKEN: &str =
    "Send a bearer token from POST /api/v1/tokens in the Authorization header.";
pub const INVALID_TOKEN: &str = "The bearer token is unknown, expired or revoked.";

/// A bearer token from `POST /api/v1/tokens`.
#[derive(SecurityScheme)]
#[oai(
    rename = "bearerToken",
    ty = "bearer",
    bearer_format = "opaque",
    checker = "authenticate"
)]
pub struct BearerAuth(pub ApiUser);

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<ApiUser> {
    let service = req.data::<Service>().ok_or_else(|| {
        poem::Error::from_string(
            "API state missing",
            poem::http::StatusCode::INTERNAL_SERVER_ERROR,
        )
    })?;
    match service.authenticate(&bearer.token).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(problem_error(ApiError::Unauthorized(INVALID_TOKEN))),
        Err(e) => Err(problem_error(ApiError::from_service(INVALID_TOKEN)(e))),
    }
}
