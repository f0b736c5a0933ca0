//! Accounts: sign up, sign in and out, forgotten and reset passwords, settings.

use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use serde::Deserialize;

use crate::domain::{FieldErrors, messages};
use crate::error::AppError;
use crate::service::{ServiceError, SignUp};
use crate::web::form::CheckedForm;
use crate::web::pages::{
    EmailField, ForgotPasswordPage, ResetPasswordPage, SettingsPage, SignInPage, SignUpPage,
};
use crate::web::render::{redirect, render, render_with_status};
use crate::web::session::{self, CurrentUser, flash_error, flash_success, safe_next};
use crate::web::state::AppState;

/// The field errors of a form that failed, or the error to answer with.
fn form_errors(err: ServiceError) -> Result<FieldErrors, AppError> {
    match err {
        ServiceError::Invalid(errors) => Ok(errors),
        ServiceError::EmailTaken => {
            let mut errors = FieldErrors::default();
            errors.add("email", messages::EMAIL_TAKEN);
            Ok(errors)
        }
        other => Err(other.into()),
    }
}

fn email_field(form: &CheckedForm) -> EmailField {
    EmailField {
        email: form.get("email").to_owned(),
    }
}

#[handler]
pub async fn signup_form(state: Data<&AppState>, session: &Session) -> Result<Response, AppError> {
    render(&state, session, None, &SignUpPage::default()).await
}

#[handler]
pub async fn signup(
    state: Data<&AppState>,
    session: &Session,
    form: CheckedForm,
) -> Result<Response, AppError> {
    let input = SignUp {
        email: form.get("email"),
        password: form.get("password"),
        repeat: Some(form.get("repeat_password")),
    };
    let errors = match state.service.sign_up(input).await {
        Ok(_) => {
            flash_success(session, "Account is created. Now you can sign in.");
            return Ok(redirect("/signin/"));
        }
        Err(err) => form_errors(err)?,
    };
    let page = SignUpPage {
        form: email_field(&form),
        errors,
    };
    render(&state, session, None, &page).await
}

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
    let page = SignInPage {
        next,
        ..SignInPage::default()
    };
    render(&state, session, None, &page).await
}

#[handler]
pub async fn signin(
    state: Data<&AppState>,
    session: &Session,
    Query(q): Query<NextParam>,
    form: CheckedForm,
) -> Result<Response, AppError> {
    // `next` may come in the query (from the redirect) or the form (kept by the page).
    let next = form
        .opt("next")
        .filter(|n| !n.is_empty())
        .or(q.next.as_deref())
        .map(|n| safe_next(Some(n)).to_owned());
    let mut status = StatusCode::OK;
    let mut errors = FieldErrors::default();
    match state
        .service
        .sign_in(form.get("email"), form.get("password"))
        .await
    {
        Ok(user) => {
            session::sign_in(session, &user);
            flash_success(session, "You are signed in!");
            return Ok(redirect(safe_next(next.as_deref())));
        }
        Err(ServiceError::Throttled { until }) => {
            let minutes = ServiceError::retry_after_seconds(until).div_ceil(60);
            let message =
                format!("Too many failed sign-in attempts. Try again in {minutes} minutes.");
            flash_error(session, &message);
            status = StatusCode::TOO_MANY_REQUESTS;
        }
        Err(ServiceError::WrongCredentials) => flash_error(session, messages::WRONG_CREDENTIALS),
        Err(err) => errors = form_errors(err)?,
    }
    let page = SignInPage {
        form: email_field(&form),
        errors,
        next,
    };
    render_with_status(&state, session, None, &page, status).await
}

#[handler]
pub fn signout(session: &Session) -> Response {
    session::sign_out(session);
    redirect("/signin/")
}

#[handler]
pub async fn forgot_form(state: Data<&AppState>, session: &Session) -> Result<Response, AppError> {
    render(&state, session, None, &ForgotPasswordPage::default()).await
}

#[handler]
pub async fn forgot(
    state: Data<&AppState>,
    session: &Session,
    form: CheckedForm,
) -> Result<Response, AppError> {
    match state
        .service
        .request_password_reset(form.get("email"))
        .await
    {
        Ok(()) => {
            // The same answer whether or not the address is known.
            flash_success(
                session,
                "Check your inbox for a link to reset your password",
            );
            Ok(redirect("/signin/"))
        }
        Err(err) => {
            let page = ForgotPasswordPage {
                form: email_field(&form),
                errors: form_errors(err)?,
            };
            render(&state, session, None, &page).await
        }
    }
}

#[handler]
pub async fn reset_form(
    state: Data<&AppState>,
    session: &Session,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    state.service.check_reset_link(&token).await?;
    let page = ResetPasswordPage {
        token,
        ..ResetPasswordPage::default()
    };
    render(&state, session, None, &page).await
}

#[handler]
pub async fn reset(
    state: Data<&AppState>,
    session: &Session,
    Path(token): Path<String>,
    form: CheckedForm,
) -> Result<Response, AppError> {
    let new = form.get("new_password");
    let repeat = Some(form.get("repeat_new_password"));
    match state.service.reset_password(&token, new, repeat).await {
        Ok(()) => {
            flash_success(session, "Your password is successfully changed.");
            Ok(redirect("/signin/"))
        }
        Err(err) => {
            let errors = form_errors(err)?;
            let page = ResetPasswordPage { token, errors };
            render(&state, session, None, &page).await
        }
    }
}

#[handler]
pub async fn settings_form(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
) -> Result<Response, AppError> {
    render(&state, session, Some(&user), &SettingsPage::default()).await
}

#[handler]
pub async fn settings(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    form: CheckedForm,
) -> Result<Response, AppError> {
    let (old, new) = (form.get("old_password"), form.get("new_password"));
    let repeat = Some(form.get("repeat_new_password"));
    match state.service.change_password(&user, old, new, repeat).await {
        Ok(new_hash) => {
            // This session stays signed in; every other session of the user ends.
            session::refresh_fingerprint(session, &new_hash);
            flash_success(session, "Your password is successfully changed.");
            Ok(redirect("/"))
        }
        Err(err) => {
            let page = SettingsPage {
                errors: form_errors(err)?,
            };
            render(&state, session, Some(&user), &page).await
        }
    }
}
