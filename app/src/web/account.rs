//! Accounts: sign up, sign in and out, forgotten and reset passwords, settings.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::domain::{Email, Password, messages};
use crate::error::AppError;
use crate::passwords;
use crate::storage::StorageError;
use crate::web::form::{FieldErrors, FormData};
use crate::web::render::{Layout, page, redirect, render_with_status};
use crate::web::session::{self, CurrentUser, flash_error, flash_success, safe_next, verify_csrf};
use crate::web::state::AppState;

/// How long a password-reset link works.
const RESET_LINK_TTL: chrono::Duration = chrono::Duration::hours(1);

async fn form_page(
    state: &AppState,
    session: &Session,
    user: Option<&crate::storage::User>,
    template: &str,
    title: &str,
    data: serde_json::Value,
    status: StatusCode,
) -> Result<Response, AppError> {
    render_with_status(
        state,
        session,
        user,
        Layout::Narrow,
        template,
        title,
        data,
        status,
    )
    .await
}

// ---- sign up ----

#[handler]
pub async fn signup_form(state: Data<&AppState>, session: &Session) -> Result<Response, AppError> {
    page(
        &state,
        session,
        None,
        Layout::Narrow,
        "signup",
        "Sign up",
        json!({}),
    )
    .await
}

#[handler]
pub async fn signup(
    state: Data<&AppState>,
    session: &Session,
    form: FormData,
) -> Result<Response, AppError> {
    verify_csrf(session, form.opt("csrf_token"))?;
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(form.get("email")));
    let password = errors.check("password", Password::parse(form.get("password")));
    let repeat = form.get("repeat_password");
    if repeat.is_empty() {
        errors.add("repeat_password", messages::REQUIRED);
    } else if password.is_some() && repeat != form.get("password") {
        errors.add("repeat_password", messages::PASSWORDS_DIFFER);
    }
    if let (Some(email), Some(password), true) = (&email, &password, errors.is_empty()) {
        let hash = passwords::hash(password.expose()).await?;
        match state.storage.create_user(email, &hash).await {
            Ok(user) => {
                tracing::info!(user_id = user.id, "user signed up");
                flash_success(session, "Account is created. Now you can sign in.");
                return Ok(redirect("/signin/"));
            }
            Err(StorageError::EmailTaken) => errors.add("email", messages::EMAIL_TAKEN),
            Err(e) => return Err(AppError::from(e)),
        }
    }
    let data = json!({"form": {"email": form.get("email")}, "errors": errors});
    form_page(
        &state,
        session,
        None,
        "signup",
        "Sign up",
        data,
        StatusCode::OK,
    )
    .await
}

// ---- sign in / out ----

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

#[handler]
pub async fn signin_form(
    state: Data<&AppState>,
    session: &Session,
    Query(q): Query<NextParam>,
) -> Result<Response, AppError> {
    let next = q.next.as_deref().map(|n| safe_next(Some(n)).to_owned());
    page(
        &state,
        session,
        None,
        Layout::Narrow,
        "signin",
        "Sign in",
        json!({"next": next}),
    )
    .await
}

#[handler]
pub async fn signin(
    state: Data<&AppState>,
    session: &Session,
    Query(q): Query<NextParam>,
    form: FormData,
) -> Result<Response, AppError> {
    verify_csrf(session, form.opt("csrf_token"))?;
    // `next` may come in the query (from the redirect) or the form (kept by the page).
    let next = form
        .opt("next")
        .filter(|n| !n.is_empty())
        .or(q.next.as_deref())
        .map(str::to_owned);
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(form.get("email")));
    let password = form.get("password");
    if password.is_empty() {
        errors.add("password", messages::REQUIRED);
    }
    let mut status = StatusCode::OK;
    if let (Some(email), true) = (&email, errors.is_empty()) {
        if let Some(until) = state
            .storage
            .signin_locked_until(email, state.throttle)
            .await?
        {
            let minutes = (until - chrono::Utc::now()).num_minutes().max(0) + 1;
            metrics_signin("throttled");
            flash_error(
                session,
                &format!("Too many failed sign-in attempts. Try again in {minutes} minutes."),
            );
            status = StatusCode::TOO_MANY_REQUESTS;
        } else {
            let user = state.storage.user_by_email(email).await?;
            let ok = passwords::verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
                .await?;
            match user {
                Some(user) if ok => {
                    state.storage.clear_signin_failures(email).await?;
                    metrics_signin("success");
                    session::sign_in(session, &user);
                    flash_success(session, "You are signed in!");
                    return Ok(redirect(safe_next(next.as_deref())));
                }
                _ => {
                    state
                        .storage
                        .record_signin_failure(email, state.throttle)
                        .await?;
                    metrics_signin("failure");
                    flash_error(session, messages::WRONG_CREDENTIALS);
                }
            }
        }
    }
    let next = next.as_deref().map(|n| safe_next(Some(n)).to_owned());
    let data = json!({"form": {"email": form.get("email")}, "errors": errors, "next": next});
    form_page(&state, session, None, "signin", "Sign in", data, status).await
}

/// Counts a sign-in attempt: `notejam_signins_total{result="success"|"failure"}` (throttled counts as failure).
fn metrics_signin(outcome: &'static str) {
    let result = if outcome == "success" {
        "success"
    } else {
        "failure"
    };
    metrics::counter!("notejam_signins_total", "result" => result).increment(1);
    tracing::info!(outcome, "sign-in attempt");
}

#[handler]
pub fn signout(session: &Session) -> Response {
    session::sign_out(session);
    redirect("/signin/")
}

// ---- forgot / reset password ----

#[handler]
pub async fn forgot_form(state: Data<&AppState>, session: &Session) -> Result<Response, AppError> {
    page(
        &state,
        session,
        None,
        Layout::Narrow,
        "forgot_password",
        "Forgot password?",
        json!({}),
    )
    .await
}

#[handler]
pub async fn forgot(
    state: Data<&AppState>,
    session: &Session,
    form: FormData,
) -> Result<Response, AppError> {
    verify_csrf(session, form.opt("csrf_token"))?;
    let mut errors = FieldErrors::default();
    let Some(email) = errors.check("email", Email::parse(form.get("email"))) else {
        let data = json!({"form": {"email": form.get("email")}, "errors": errors});
        return form_page(
            &state,
            session,
            None,
            "forgot_password",
            "Forgot password?",
            data,
            StatusCode::OK,
        )
        .await;
    };
    if let Some(user) = state.storage.user_by_email(&email).await? {
        let token: [u8; 32] = rand::random();
        let token = URL_SAFE_NO_PAD.encode(token);
        state
            .storage
            .create_password_reset(user.id, &token_hash(&token), RESET_LINK_TTL)
            .await?;
        let link = state
            .base_url
            .join(&format!("reset-password/{token}/"))
            .map_err(|e| AppError::Internal(e.into()))?;
        let body = format!(
            "Hello,\n\nSomeone asked to reset the password of your Notejam account ({}).\n\
             To choose a new password, open this link within one hour:\n\n{link}\n\n\
             The link works once. If you did not ask for it, ignore this mail: your password stays as it is.\n",
            user.email
        );
        state
            .mailer
            .send_in_background(&user.email, "Reset your Notejam password", body);
    }
    // The same answer whether or not the address is known.
    flash_success(
        session,
        "Check your inbox for a link to reset your password",
    );
    Ok(redirect("/signin/"))
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A token from the path, if it has the shape of ours (43 URL-safe base64 characters).
fn parse_token(raw: &str) -> Result<&str, AppError> {
    if raw.len() == 43
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(raw)
    } else {
        Err(AppError::NotFound)
    }
}

#[handler]
pub async fn reset_form(
    state: Data<&AppState>,
    session: &Session,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let token = parse_token(&token)?;
    if state
        .storage
        .password_reset_user(&token_hash(token))
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    page(
        &state,
        session,
        None,
        Layout::Narrow,
        "reset_password",
        "Reset password",
        json!({"token": token}),
    )
    .await
}

#[handler]
pub async fn reset(
    state: Data<&AppState>,
    session: &Session,
    Path(token): Path<String>,
    form: FormData,
) -> Result<Response, AppError> {
    let token = parse_token(&token)?;
    let hash = token_hash(token);
    if state.storage.password_reset_user(&hash).await?.is_none() {
        return Err(AppError::NotFound);
    }
    verify_csrf(session, form.opt("csrf_token"))?;
    let mut errors = FieldErrors::default();
    let password = errors.check("new_password", Password::parse(form.get("new_password")));
    check_repeat(&mut errors, &form, password.is_some());
    let Some(password) = password.filter(|_| errors.is_empty()) else {
        let data = json!({"token": token, "errors": errors});
        return form_page(
            &state,
            session,
            None,
            "reset_password",
            "Reset password",
            data,
            StatusCode::OK,
        )
        .await;
    };
    let new_hash = passwords::hash(password.expose()).await?;
    let Some(user_id) = state.storage.reset_password(&hash, &new_hash).await? else {
        return Err(AppError::NotFound);
    };
    if let Some(user) = state.storage.user_by_id(user_id).await?
        && let Ok(email) = Email::parse(&user.email)
    {
        state.storage.clear_signin_failures(&email).await?;
    }
    flash_success(session, "Your password is successfully changed.");
    Ok(redirect("/signin/"))
}

fn check_repeat(errors: &mut FieldErrors, form: &FormData, new_is_valid: bool) {
    let repeat = form.get("repeat_new_password");
    if repeat.is_empty() {
        errors.add("repeat_new_password", messages::REQUIRED);
    } else if new_is_valid && repeat != form.get("new_password") {
        errors.add("repeat_new_password", messages::NEW_PASSWORDS_DIFFER);
    }
}

// ---- settings ----

#[handler]
pub async fn settings_form(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
) -> Result<Response, AppError> {
    page(
        &state,
        session,
        Some(&user),
        Layout::Narrow,
        "settings",
        "Account settings",
        json!({}),
    )
    .await
}

#[handler]
pub async fn settings(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    form: FormData,
) -> Result<Response, AppError> {
    verify_csrf(session, form.opt("csrf_token"))?;
    let mut errors = FieldErrors::default();
    let old = form.get("old_password");
    if old.is_empty() {
        errors.add("old_password", messages::REQUIRED);
    } else if !passwords::verify(old, Some(&user.password_hash)).await? {
        errors.add("old_password", messages::WRONG_OLD_PASSWORD);
    }
    let password = errors.check("new_password", Password::parse(form.get("new_password")));
    check_repeat(&mut errors, &form, password.is_some());
    let Some(password) = password.filter(|_| errors.is_empty()) else {
        let data = json!({"errors": errors});
        return form_page(
            &state,
            session,
            Some(&user),
            "settings",
            "Account settings",
            data,
            StatusCode::OK,
        )
        .await;
    };
    let new_hash = passwords::hash(password.expose()).await?;
    state.storage.set_password_hash(user.id, &new_hash).await?;
    // This session stays signed in; every other session of the user ends.
    session::refresh_fingerprint(session, &new_hash);
    flash_success(session, "Your password is successfully changed.");
    Ok(redirect("/"))
}
