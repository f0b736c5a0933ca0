//! Accounts: sign up, sign in (with per-email throttling), the user behind a session, password
//! change, and forgotten passwords (a one-time link by mail, then a new password).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::error::valid;
use super::{Service, ServiceError};
use crate::domain::{Email, FieldErrors, Password, messages};
use crate::passwords;
use crate::storage::{StorageError, User};

/// The user read for a session, if the password it was signed in under is still theirs.
pub(super) fn session_holder(user: Option<User>, password_fingerprint: &str) -> Option<User> {
    user.filter(|u| passwords::fingerprint(&u.password_hash) == password_fingerprint)
}

/// How long a password-reset link works.
const RESET_LINK_TTL: chrono::Duration = chrono::Duration::hours(1);

/// A sign-up as submitted; `repeat` is the page's confirmation field (the API has none).
#[derive(Debug, Clone, Copy)]
pub struct SignUp<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub repeat: Option<&'a str>,
}

/// Records the repeat field's error: required, and equal to the new password when that is valid.
fn check_repeat(
    errors: &mut FieldErrors,
    field: &str,
    repeat: Option<&str>,
    password: &str,
    password_ok: bool,
    differ: &str,
) {
    match repeat {
        Some("") => errors.add(field, messages::REQUIRED),
        Some(repeat) if password_ok && repeat != password => errors.add(field, differ),
        _ => {}
    }
}

/// A new password and its confirmation (the page's; the API has none).
fn parse_new_password(
    errors: &mut FieldErrors,
    new: &str,
    repeat: Option<&str>,
) -> Option<Password> {
    let password = errors.check("new_password", Password::parse(new));
    let ok = password.is_some();
    let differ = messages::NEW_PASSWORDS_DIFFER;
    check_repeat(errors, "repeat_new_password", repeat, new, ok, differ);
    password
}

/// `notejam_signins_total{result}`: a throttled attempt counts as a failure.
fn count_signin(outcome: &'static str) {
    let result = if outcome == "success" {
        "success"
    } else {
        "failure"
    };
    metrics::counter!("notejam_signins_total", "result" => result).increment(1);
    tracing::info!(outcome, "sign-in attempt");
}

fn reset_token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A reset token from a link, if it has the shape of ours (43 URL-safe base64 characters).
fn parse_reset_token(raw: &str) -> Result<&str, ServiceError> {
    let shaped = raw.len() == 43
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if shaped {
        Ok(raw)
    } else {
        Err(ServiceError::NotFound)
    }
}

impl Service {
    /// Creates an account; the unique index decides "taken", race-free.
    pub async fn sign_up(&self, input: SignUp<'_>) -> Result<User, ServiceError> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", Email::parse(input.email));
        let password = errors.check("password", Password::parse(input.password));
        check_repeat(
            &mut errors,
            "repeat_password",
            input.repeat,
            input.password,
            password.is_some(),
            messages::PASSWORDS_DIFFER,
        );
        valid(errors)?;
        let (Some(email), Some(password)) = (email, password) else {
            unreachable!("no field errors means both fields parsed")
        };
        let hash = passwords::hash(password.expose()).await?;
        match self.storage.create_user(&email, &hash).await {
            Ok(user) => {
                tracing::info!(user_id = user.id, "user signed up");
                Ok(user)
            }
            Err(StorageError::EmailTaken) => Err(ServiceError::EmailTaken),
            Err(e) => Err(e.into()),
        }
    }

    /// Checks email and password. After too many failures for one email within the throttle's
    /// window, attempts are refused until it ends, whichever door they come through.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<User, ServiceError> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", Email::parse(email));
        if password.is_empty() {
            errors.add("password", messages::REQUIRED);
        }
        valid(errors)?;
        let email = email.expect("no field errors means the email parsed");
        let throttle = self.policy.throttle;
        if let Some(until) = self.storage.signin_locked_until(&email, throttle).await? {
            count_signin("throttled");
            return Err(ServiceError::Throttled { until });
        }
        let user = self.storage.user_by_email(&email).await?;
        // An unknown email is checked against a dummy hash: as slow as a known one.
        let ok =
            passwords::verify(password, user.as_ref().map(|u| u.password_hash.as_str())).await?;
        match user {
            Some(user) if ok => {
                self.storage.clear_signin_failures(&email).await?;
                count_signin("success");
                Ok(user)
            }
            _ => {
                self.storage.record_signin_failure(&email, throttle).await?;
                count_signin("failure");
                Err(ServiceError::WrongCredentials)
            }
        }
    }

    /// The user a session names, if the password it was signed in under is still theirs.
    pub async fn session_user(
        &self,
        user_id: i64,
        password_fingerprint: &str,
    ) -> Result<Option<User>, ServiceError> {
        let user = self.storage.user_by_id(user_id).await?;
        Ok(session_holder(user, password_fingerprint))
    }

    /// Changes the password (the old one must be right) and revokes every API token; returns the
    /// new hash. `repeat` is the page's confirmation field.
    pub async fn change_password(
        &self,
        user: &User,
        old: &str,
        new: &str,
        repeat: Option<&str>,
    ) -> Result<String, ServiceError> {
        let mut errors = FieldErrors::default();
        if old.is_empty() {
            errors.add("old_password", messages::REQUIRED);
        } else if !passwords::verify(old, Some(&user.password_hash)).await? {
            errors.add("old_password", messages::WRONG_OLD_PASSWORD);
        }
        let password = parse_new_password(&mut errors, new, repeat);
        valid(errors)?;
        let password = password.expect("no field errors means the new password parsed");
        let hash = passwords::hash(password.expose()).await?;
        if !self
            .storage
            .change_password_revoking_tokens(user.id, &hash)
            .await?
        {
            return Err(ServiceError::NotFound);
        }
        tracing::info!(user_id = user.id, "password changed; API tokens revoked");
        Ok(hash)
    }

    /// Mails a one-time reset link to a known address; the answer is the same for an unknown one.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), ServiceError> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", Email::parse(email));
        let email = email.ok_or(ServiceError::Invalid(errors))?;
        let Some(user) = self.storage.user_by_email(&email).await? else {
            return Ok(());
        };
        let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        self.storage
            .create_password_reset(user.id, &reset_token_hash(&token), RESET_LINK_TTL)
            .await?;
        let link = self
            .policy
            .base_url
            .join(&format!("reset-password/{token}/"))
            .map_err(|e| ServiceError::Internal(e.into()))?;
        let body = format!(
            "Hello,\n\nSomeone asked to reset the password of your Notejam account ({}).\n\
             To choose a new password, open this link within one hour:\n\n{link}\n\n\
             The link works once. If you did not ask for it, ignore this mail: your password stays as it is.\n",
            user.email
        );
        self.mailer
            .send_in_background(&user.email, "Reset your Notejam password", body);
        Ok(())
    }

    /// `Ok` when a reset link is known, unused and not expired.
    pub async fn check_reset_link(&self, token: &str) -> Result<(), ServiceError> {
        let hash = reset_token_hash(parse_reset_token(token)?);
        match self.storage.password_reset_user(&hash).await? {
            Some(_) => Ok(()),
            None => Err(ServiceError::NotFound),
        }
    }

    /// Sets a new password through a reset link, which is used up; the email's failed sign-ins
    /// are forgotten.
    pub async fn reset_password(
        &self,
        token: &str,
        new: &str,
        repeat: Option<&str>,
    ) -> Result<(), ServiceError> {
        self.check_reset_link(token).await?;
        let mut errors = FieldErrors::default();
        let password = parse_new_password(&mut errors, new, repeat);
        valid(errors)?;
        let password = password.expect("no field errors means the new password parsed");
        let new_hash = passwords::hash(password.expose()).await?;
        let hash = reset_token_hash(token);
        let user_id = self.storage.reset_password(&hash, &new_hash).await?;
        let user_id = user_id.ok_or(ServiceError::NotFound)?;
        if let Some(user) = self.storage.user_by_id(user_id).await?
            && let Ok(email) = Email::parse(&user.email)
        {
            self.storage.clear_signin_failures(&email).await?;
        }
        Ok(())
    }
}
