//! Accounts: sign up, bearer tokens (issue, list, revoke), the current user, password change.

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};

use super::auth::BearerAuth;
use super::owned::TOKENS;
use super::problem::{ApiError, AuthError, CreateError, ReadError, SignInError, SignUpError};
use super::text::{JsonText, text};
use crate::service::User;
use crate::service::{Service, ServiceError, SignUp};

/// The groups of operations in the document.
#[derive(Tags)]
pub enum ApiTags {
    /// Sign up, bearer tokens and the current user.
    Accounts,
    /// Pads: named folders of notes.
    Pads,
    /// Notes, optionally in a pad.
    Notes,
}

// The same fields as `Credentials`, kept as its own schema on purpose: the document gives the
// two different password rules (at least 8 characters here).
/// Sign-up data.
#[derive(Debug, Object)]
#[oai(example)]
pub struct NewUser {
    /// The email address to sign in with (compared case-insensitively).
    pub email: Option<JsonText>,
    /// At least 8 characters.
    pub password: Option<JsonText>,
}

impl Example for NewUser {
    fn example() -> Self {
        Self {
            email: Some(JsonText::from("ada@example.com")),
            password: Some(JsonText::from("correct horse battery")),
        }
    }
}

/// A user.
#[derive(Debug, Object)]
#[oai(example)]
pub struct UserOut {
    pub id: i64,
    /// Stored lower-case.
    pub email: String,
    pub created_at: DateTime<Utc>,
}

impl Example for UserOut {
    fn example() -> Self {
        Self {
            id: 1,
            email: "ada@example.com".to_owned(),
            created_at: example_time(),
        }
    }
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            created_at: u.created_at,
        }
    }
}

/// Credentials to exchange for a bearer token.
#[derive(Debug, Object)]
#[oai(example)]
pub struct Credentials {
    pub email: Option<JsonText>,
    pub password: Option<JsonText>,
}

impl Example for Credentials {
    fn example() -> Self {
        Self {
            email: Some(JsonText::from("ada@example.com")),
            password: Some(JsonText::from("correct horse battery")),
        }
    }
}

/// A new bearer token. The `token` is shown this once; only its hash is kept.
#[derive(Debug, Object)]
#[oai(example)]
pub struct NewToken {
    pub id: i64,
    /// Send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub created_at: DateTime<Utc>,
    /// After this instant the token gets 401.
    pub expires_at: DateTime<Utc>,
}

impl Example for NewToken {
    fn example() -> Self {
        Self {
            id: 7,
            token: "nj_q0Vbq1o2Jx8kYkz0cQ1sXb2bI4cB0l0v1aV8wQmYj3E".to_owned(),
            token_type: "Bearer".to_owned(),
            created_at: example_time(),
            expires_at: example_time() + chrono::Duration::days(30),
        }
    }
}

/// One of your tokens (never its secret).
#[derive(Debug, Object)]
#[oai(example)]
pub struct TokenOut {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// True for the token this request was made with.
    pub current: bool,
}

impl Example for TokenOut {
    fn example() -> Self {
        Self {
            id: 7,
            created_at: example_time(),
            expires_at: example_time() + chrono::Duration::days(30),
            current: true,
        }
    }
}

/// A password change. Every token of the user is revoked, including the one used for it.
#[derive(Debug, Object)]
#[oai(example)]
pub struct PasswordChange {
    pub old_password: Option<JsonText>,
    /// At least 8 characters.
    pub new_password: Option<JsonText>,
}

impl Example for PasswordChange {
    fn example() -> Self {
        Self {
            old_password: Some(JsonText::from("correct horse battery")),
            new_password: Some(JsonText::from("staple battery horse")),
        }
    }
}

pub(crate) fn example_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-28T09:30:00Z")
        .expect("a valid example timestamp")
        .with_timezone(&Utc)
}

#[derive(ApiResponse)]
pub enum SignUpResponse {
    /// The account is created; ask `POST /tokens` for a token.
    #[oai(status = 201)]
    Created(Json<UserOut>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum TokenResponse {
    /// The token, shown this once.
    #[oai(status = 201)]
    Created(Json<NewToken>),
}

#[derive(ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}

/// Sign up, tokens, and the current user.
pub struct AccountsApi(pub Service);

#[OpenApi(tag = "ApiTags::Accounts")]
impl AccountsApi {
    /// Sign up
    ///
    /// Creates an account with the same rules and messages as the sign-up page.
    #[oai(path = "/users", method = "post", operation_id = "signUp")]
    async fn sign_up(&self, body: Json<NewUser>) -> Result<SignUpResponse, SignUpError> {
        let input = SignUp {
            email: text(&body.email).unwrap_or_default(),
            password: text(&body.password).unwrap_or_default(),
            repeat: None,
        };
        let user = TOKENS.answer(self.0.sign_up(input)).await?;
        Ok(SignUpResponse::Created(
            Json(UserOut::from(&user)),
            "/api/v1/me".to_owned(),
        ))
    }

    /// Get a bearer token
    ///
    /// Exchanges email and password for a token. Failed attempts count towards the same
    /// per-email throttle as the sign-in page.
    #[oai(path = "/tokens", method = "post", operation_id = "createToken")]
    async fn create_token(&self, body: Json<Credentials>) -> Result<TokenResponse, SignInError> {
        let email = text(&body.email).unwrap_or_default();
        let password = text(&body.password).unwrap_or_default();
        let issued = TOKENS.answer(self.0.issue_token(email, password)).await?;
        Ok(TokenResponse::Created(Json(NewToken {
            id: issued.id,
            token: issued.token,
            token_type: "Bearer".to_owned(),
            created_at: issued.created_at,
            expires_at: issued.expires_at,
        })))
    }

    /// List your tokens
    ///
    /// The tokens that still work, newest first; never their secrets.
    #[oai(path = "/tokens", method = "get", operation_id = "listTokens")]
    async fn list_tokens(&self, auth: BearerAuth) -> Result<Json<Vec<TokenOut>>, AuthError> {
        let me = auth.0;
        let tokens = TOKENS.answer(self.0.tokens(&me.user)).await?;
        Ok(Json(
            tokens
                .into_iter()
                .map(|t| TokenOut {
                    id: t.id,
                    created_at: t.created_at,
                    expires_at: t.expires_at,
                    current: t.id == me.token_id,
                })
                .collect(),
        ))
    }

    /// Revoke a token
    ///
    /// Revokes one of your tokens (the current one too: that signs this client out).
    #[oai(path = "/tokens/:id", method = "delete", operation_id = "revokeToken")]
    async fn revoke_token(&self, auth: BearerAuth, id: Path<i64>) -> Result<NoContent, ReadError> {
        TOKENS
            .answer(self.0.revoke_token(&auth.0.user, id.0))
            .await?;
        Ok(NoContent::Done)
    }

    /// The current user
    #[oai(path = "/me", method = "get", operation_id = "getMe")]
    async fn me(&self, auth: BearerAuth) -> Result<Json<UserOut>, AuthError> {
        Ok(Json(UserOut::from(&auth.0.user)))
    }

    /// Change your password
    ///
    /// Same rules and messages as the settings page. Revokes every token of the user, including
    /// the one this request was made with; sign-in sessions of the pages end too.
    #[oai(path = "/me/password", method = "put", operation_id = "changePassword")]
    async fn change_password(
        &self,
        auth: BearerAuth,
        body: Json<PasswordChange>,
    ) -> Result<NoContent, CreateError> {
        let old = text(&body.old_password).unwrap_or_default();
        let new = text(&body.new_password).unwrap_or_default();
        match self.0.change_password(&auth.0.user, old, new, None).await {
            Ok(_) => Ok(NoContent::Done),
            Err(ServiceError::NotFound) => {
                Err(ApiError::Unauthorized("The account no longer exists.").into())
            }
            Err(e) => Err(TOKENS.error(e).into()),
        }
    }
}
