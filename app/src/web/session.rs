//! Who is signed in, CSRF tokens and flash messages, all kept in the encrypted session cookie.
//!
//! The cookie is encrypted and authenticated (AES-GCM via poem's private cookie jar) with the key
//! from `NOTEJAM_SECRET_KEY`, so any replica can read it and no server-side store is needed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use poem::http::{StatusCode, header};
use poem::session::Session;
use poem::{FromRequest, Request, RequestBody, Response};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::error::AppError;
use crate::passwords;
use crate::service::User;
use crate::web::state::AppState;

const USER_ID: &str = "uid";
const FINGERPRINT: &str = "pwd";
const SIGNED_IN_AT: &str = "iat";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

/// How long a sign-in lasts.
pub const SESSION_LIFETIME: chrono::Duration = chrono::Duration::days(14);

/// A message shown once, on the next page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// `success` or `error`: the `alert-{kind}` class.
    pub kind: String,
    pub message: String,
}

pub fn flash_success(session: &Session, message: &str) {
    session.set(
        FLASH,
        Flash {
            kind: "success".into(),
            message: message.into(),
        },
    );
}

pub fn flash_error(session: &Session, message: &str) {
    session.set(
        FLASH,
        Flash {
            kind: "error".into(),
            message: message.into(),
        },
    );
}

/// Removes and returns the pending flash message.
pub fn take_flash(session: &Session) -> Option<Flash> {
    let flash = session.get::<Flash>(FLASH);
    if flash.is_some() {
        session.remove(FLASH);
    }
    flash
}

/// The session's CSRF token, made on first use.
pub fn csrf_token(session: &Session) -> String {
    if let Some(token) = session.get::<String>(CSRF) {
        return token;
    }
    let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    session.set(CSRF, &token);
    token
}

/// Checks a submitted CSRF token in constant time.
pub fn verify_csrf(session: &Session, submitted: Option<&str>) -> Result<(), AppError> {
    match (session.get::<String>(CSRF), submitted) {
        (Some(expected), Some(got)) if bool::from(expected.as_bytes().ct_eq(got.as_bytes())) => {
            Ok(())
        }
        _ => Err(AppError::CsrfRejected),
    }
}

/// Starts a signed-in session (a fresh session: nothing of the anonymous one carries over but the flash).
pub fn sign_in(session: &Session, user: &User) {
    let flash = take_flash(session);
    session.clear();
    session.set(USER_ID, user.id);
    session.set(FINGERPRINT, passwords::fingerprint(&user.password_hash));
    session.set(SIGNED_IN_AT, Utc::now().timestamp());
    if let Some(flash) = flash {
        session.set(FLASH, flash);
    }
}

/// Re-binds the session to a new password hash (after the user changed it here).
pub fn refresh_fingerprint(session: &Session, password_hash: &str) {
    session.set(FINGERPRINT, passwords::fingerprint(password_hash));
}

/// Ends the session. (`clear`, not `purge`: poem's removal cookie carries no `Path`, so the
/// browser would file it under the request's directory and keep the real cookie.)
pub fn sign_out(session: &Session) {
    session.clear();
}

/// What a fresh session claims before the user is read: who is signed in, and the fingerprint of
/// the password they signed in with.
#[derive(Debug, Clone)]
pub struct SessionClaim {
    pub user_id: i64,
    pub fingerprint: String,
}

impl SessionClaim {
    /// The session's claim, `None` when nobody is signed in; a sign-in older than
    /// [`SESSION_LIFETIME`] ends the session here.
    pub fn check(session: &Session) -> Option<Self> {
        let user_id = session.get::<i64>(USER_ID)?;
        let fresh = session
            .get::<i64>(SIGNED_IN_AT)
            .is_some_and(|at| Utc::now().timestamp() - at < SESSION_LIFETIME.num_seconds());
        if !fresh {
            sign_out(session);
            return None;
        }
        let fingerprint = session.get::<String>(FINGERPRINT).unwrap_or_default();
        Some(Self {
            user_id,
            fingerprint,
        })
    }
}

/// The signed-in user of a page; anyone else is sent to `/signin/?next=<this page>`.
pub struct CurrentUser(pub User);

impl CurrentUser {
    /// The user the session names, if it is still valid (user exists, password unchanged, not expired).
    pub async fn from_session(
        state: &AppState,
        session: &Session,
    ) -> Result<Option<User>, AppError> {
        let Some(claim) = SessionClaim::check(session) else {
            return Ok(None);
        };
        match state
            .service
            .session_user(claim.user_id, &claim.fingerprint)
            .await?
        {
            Some(user) => Ok(Some(user)),
            None => {
                // Deleted, or the password changed elsewhere: the session is over.
                sign_out(session);
                Ok(None)
            }
        }
    }
}

impl<'a> FromRequest<'a> for CurrentUser {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let (state, session) = AppState::of(req);
        match Self::from_session(state, session).await? {
            Some(user) => Ok(Self(user)),
            None => Err(sign_in_first(
                req.uri().path_and_query().map_or("/", |pq| pq.as_str()),
            )),
        }
    }
}

/// The answer to a signed-in page without a signed-in user: a 302 to `/signin/?next=<here>`.
pub fn sign_in_first(here: &str) -> poem::Error {
    let next = percent_encoding::utf8_percent_encode(here, percent_encoding::NON_ALPHANUMERIC);
    poem::Error::from_response(
        Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, format!("/signin/?next={next}"))
            .finish(),
    )
}

/// `next` is followed only when it is a path on this site: `/x`, never `//host`, `/\host` or a URL.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control() || c == '\\') =>
        {
            n
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/pads/3/")), "/pads/3/");
        assert_eq!(
            safe_next(Some("/notes/create/?pad=3")),
            "/notes/create/?pad=3"
        );
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "evil",
            "",
            "/\tx",
            "/a\\b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
