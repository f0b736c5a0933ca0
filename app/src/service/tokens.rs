//! API bearer tokens: 256 random bits, shown once; only their SHA-256 is stored. A token works
//! until it expires, is revoked, or the user's password changes (its fingerprint no longer matches).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{Service, ServiceError};
use crate::passwords;
use crate::storage::{ApiToken, User};

/// Prefix of our tokens, so that a leaked one is recognisable (e.g. by secret scanners).
const TOKEN_PREFIX: &str = "nj_";

/// The user a request acts for, and the token it came with.
#[derive(Debug, Clone)]
pub struct ApiUser {
    pub user: User,
    pub token_id: i64,
}

/// A new token: the secret is in `token`, this once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub id: i64,
    pub token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

impl Service {
    /// Exchanges email and password for a new token (the sign-in rules and throttle apply).
    pub async fn issue_token(
        &self,
        email: &str,
        password: &str,
    ) -> Result<IssuedToken, ServiceError> {
        let user = self.sign_in(email, password).await?;
        let token = format!(
            "{TOKEN_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
        );
        let fingerprint = passwords::fingerprint(&user.password_hash);
        let issued = self
            .storage
            .create_api_token(
                user.id,
                &hash_token(&token),
                &fingerprint,
                self.policy.token_ttl,
            )
            .await?;
        tracing::info!(user_id = user.id, token_id = issued.id, "API token issued");
        Ok(IssuedToken {
            id: issued.id,
            token,
            created_at: issued.created_at,
            expires_at: issued.expires_at,
        })
    }

    /// The user behind a presented token, if it is ours, unexpired, unrevoked, and issued under
    /// the user's current password.
    pub async fn authenticate(&self, token: &str) -> Result<Option<ApiUser>, ServiceError> {
        let token = token.trim();
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
            return Ok(None);
        }
        let owner = self.storage.api_token_owner(&hash_token(token)).await?;
        Ok(owner
            .filter(|o| o.password_fingerprint == passwords::fingerprint(&o.user.password_hash))
            .map(|o| ApiUser {
                user: o.user,
                token_id: o.token_id,
            }))
    }

    /// The user's tokens that still work, newest first.
    pub async fn tokens(&self, user: &User) -> Result<Vec<ApiToken>, ServiceError> {
        let fingerprint = passwords::fingerprint(&user.password_hash);
        Ok(self.storage.api_tokens_of(user.id, &fingerprint).await?)
    }

    /// Revokes one of the user's tokens.
    pub async fn revoke_token(&self, user: &User, token_id: i64) -> Result<(), ServiceError> {
        if self.storage.delete_api_token(user.id, token_id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }
}
