//! Accounts: sign up, sign in and out, forgotten and reset passwords, settings.

use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Path, Query};
use poem::{Response, handler};
use serde::Deserialize;

use crate::domain::{FieldErrors, messages};
use crate::error::AppError;
use crate::service::{ServiceError, SignUp};
use crate::web::form::{CheckedForm, form_errors};
use crate::web::pages::{
    EmailField, ForgotPasswordPage, ResetPasswordPage, SettingsPage, SignInPage, SignUpPage,
};
use crate::web::render::redirect;
use crate::web::session::{self, flash_error, safe_next};
use crate::web::visit::{SignedIn, Visit};

fn email_field(form: &CheckedForm) -> EmailField {
    EmailField {
        email: form.get("email").to_owned(),
    }
}

#[handler]
pub async fn signup_form(visit: Visit<'_>) -> Result<Response, AppError> {
    visit.render(&SignUpPage::default()).await
}

#[handler]
pub async fn signup(visit: Visit<'_>, form: CheckedForm) -> Result<Response, AppError> {
    let input = SignUp {
        email: form.get("email"),
        password: form.get("password"),
        repeat: Some(form.get("repeat_password")),
    };
    match visit.service().sign_up(input).await {
        Ok(_) => Ok(visit.done("Account is created. Now you can sign in.", "/signin/")),
        Err(err) => {
            let errors = form_errors(err)?;
            let form = email_field(&form);
            visit.render(&SignUpPage { form, errors }).await
        }
    }
}

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

#[handler]
pub async fn signin_form(
    visit: Visit<'_>,
    Query(q): Query<NextParam>,
) -> Result<Response, AppError> {
    let next = q.next.as_deref().map(|n| safe_next(Some(n)).to_owned());
    visit
        .render(&SignInPage {
            next,
            ..SignInPage::default()
        })
        .await
}

#[handler]
pub async fn signin(
    visit: Visit<'_>,
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
    match visit
        .service()
        .sign_in(form.get("email"), form.get("password"))
        .await
    {
        Ok(user) => {
            session::sign_in(visit.session, &user);
            return Ok(visit.done("You are signed in!", safe_next(next.as_deref())));
        }
        Err(ServiceError::Throttled { until }) => {
            let minutes = ServiceError::retry_after_seconds(until).div_ceil(60);
            let message =
                format!("Too many failed sign-in attempts. Try again in {minutes} minutes.");
            flash_error(visit.session, &message);
            status = StatusCode::TOO_MANY_REQUESTS;
        }
        Err(ServiceError::WrongCredentials) => {
            flash_error(visit.session, messages::WRONG_CREDENTIALS)
        }
        Err(err) => errors = form_errors(err)?,
    }
    let page = SignInPage {
        form: email_field(&form),
        errors,
        next,
    };
    visit.render_with_status(&page, status).await
}

#[handler]
pub fn signout(session: &Session) -> Response {
    session::sign_out(session);
    redirect("/signin/")
}

#[handler]
pub async fn forgot_form(visit: Visit<'_>) -> Result<Response, AppError> {
    visit.render(&ForgotPasswordPage::default()).await
}

#[handler]
pub async fn forgot(visit: Visit<'_>, form: CheckedForm) -> Result<Response, AppError> {
    match visit
        .service()
        .request_password_reset(form.get("email"))
        .await
    {
        // The same answer whether or not the address is known.
        Ok(()) => Ok(visit.done(
            "Check your inbox for a link to reset your password",
            "/signin/",
        )),
        Err(err) => {
            let errors = form_errors(err)?;
            let form = email_field(&form);
            visit.render(&ForgotPasswordPage { form, errors }).await
        }
    }
}

#[handler]
pub async fn reset_form(visit: Visit<'_>, Path(token): Path<String>) -> Result<Response, AppError> {
    visit.service().check_reset_link(&token).await?;
    visit
        .render(&ResetPasswordPage {
            token,
            ..ResetPasswordPage::default()
        })
        .await
}

#[handler]
pub async fn reset(
    visit: Visit<'_>,
    Path(token): Path<String>,
    form: CheckedForm,
) -> Result<Response, AppError> {
    let new = form.get("new_password");
    let repeat = Some(form.get("repeat_new_password"));
    match visit.service().reset_password(&token, new, repeat).await {
        Ok(()) => Ok(visit.done("Your password is successfully changed.", "/signin/")),
        Err(err) => {
            let errors = form_errors(err)?;
            visit.render(&ResetPasswordPage { token, errors }).await
        }
    }
}

#[handler]
pub async fn settings_form(page: SignedIn<'_>) -> Result<Response, AppError> {
    page.render(&SettingsPage::default()).await
}

#[handler]
pub async fn settings(page: SignedIn<'_>, form: CheckedForm) -> Result<Response, AppError> {
    let (old, new) = (form.get("old_password"), form.get("new_password"));
    let repeat = Some(form.get("repeat_new_password"));
    match page
        .service()
        .change_password(&page.user, old, new, repeat)
        .await
    {
        Ok(new_hash) => {
            // This session stays signed in; every other session of the user ends.
            session::refresh_fingerprint(page.session, &new_hash);
            Ok(page.done("Your password is successfully changed.", "/"))
        }
        Err(err) => {
            page.render(&SettingsPage {
                errors: form_errors(err)?,
            })
            .await
        }
    }
}
