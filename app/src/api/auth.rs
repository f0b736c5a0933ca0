//! Bearer tokens: 256 random bits, shown once; only their SHA-256 is stored. A token works until it
//! expires, is revoked, or the user's password changes (its fingerprint no longer matches).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use sha2::{Digest, Sha256};

use super::ApiState;
use super::problem::ApiError;
use crate::passwords;
use crate::storage::User;

/// Detail of a 401 without a usable token.
pub const MISSING_TOKEN: &str =
    "Send a bearer token from POST /api/v1/tokens in the Authorization header.";
pub const INVALID_TOKEN: &str = "The bearer token is unknown, expired or revoked.";

/// Prefix of our tokens, so that a leaked one is recognisable (e.g. by secret scanners).
const TOKEN_PREFIX: &str = "nj_";

/// A bearer token from `POST /api/v1/tokens`.
#[derive(SecurityScheme)]
#[oai(
    rename = "bearerToken",
    ty = "bearer",
    bearer_format = "opaque",
    checker = "authenticate"
)]
pub struct BearerAuth(pub ApiUser);

/// The user a request acts for, and the token it came with.
#[derive(Debug, Clone)]
pub struct ApiUser {
    pub user: User,
    pub token_id: i64,
}

/// A fresh token: the secret to show once, and the hash to store.
pub fn new_token() -> (String, Vec<u8>) {
    let bytes: [u8; 32] = rand::random();
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<ApiUser> {
    let state = req.data::<ApiState>().ok_or_else(|| {
        poem::Error::from_string(
            "API state missing",
            poem::http::StatusCode::INTERNAL_SERVER_ERROR,
        )
    })?;
    let token = bearer.token.trim();
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
        return Err(unauthorized(INVALID_TOKEN));
    }
    let owner = state
        .storage
        .api_token_owner(&hash_token(token))
        .await
        .map_err(|e| super::problem_error(ApiError::from(e)))?;
    match owner {
        Some(owner)
            if owner.password_fingerprint == passwords::fingerprint(&owner.user.password_hash) =>
        {
            Ok(ApiUser {
                user: owner.user,
                token_id: owner.token_id,
            })
        }
        _ => Err(unauthorized(INVALID_TOKEN)),
    }
}

fn unauthorized(detail: &'static str) -> poem::Error {
    super::problem_error(ApiError::Unauthorized(detail))
}
