//! Pad pages: create, the pad's notes, rename ("Pad settings"), delete.

use poem::session::Session;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};

use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::service::{Precondition, ServiceError};
use crate::storage::User;
use crate::web::form::{CheckedForm, parse_id};
use crate::web::notes::{ListParams, note_list};
use crate::web::pages::{Link, NameField, PadDeletePage, PadFormPage};
use crate::web::render::{redirect, render};
use crate::web::session::{CurrentUser, flash_success};
use crate::web::state::AppState;

/// One of the user's pads, by the id in the path.
async fn owned_pad(state: &AppState, user: &User, raw_id: &str) -> Result<Link, AppError> {
    let pad = state.service.pad(user, parse_id(raw_id)?).await?;
    Ok(Link::from(&pad.pad))
}

/// The pad form again, with the name as typed and its errors.
async fn form_again(
    state: &AppState,
    session: &Session,
    user: &User,
    pad: Option<Link>,
    form: &CheckedForm,
    err: ServiceError,
) -> Result<Response, AppError> {
    let ServiceError::Invalid(errors) = err else {
        return Err(err.into());
    };
    let name = form.get("name").to_owned();
    let page = PadFormPage {
        pad,
        form: NameField { name },
        errors,
    };
    render(state, session, Some(user), &page).await
}

#[handler]
pub async fn create_form(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
) -> Result<Response, AppError> {
    let page = PadFormPage {
        pad: None,
        form: NameField::default(),
        errors: FieldErrors::default(),
    };
    render(&state, session, Some(&user), &page).await
}

#[handler]
pub async fn create(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    form: CheckedForm,
) -> Result<Response, AppError> {
    match state.service.create_pad(&user, form.get("name")).await {
        Ok(_) => {
            flash_success(session, "Pad is successfully created");
            Ok(redirect("/"))
        }
        Err(err) => form_again(&state, session, &user, None, &form, err).await,
    }
}

#[handler]
pub async fn view(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Path(id): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Response, AppError> {
    let pad = parse_id(&id)?;
    note_list(&state, session, &user, Some(pad), &params).await
}

#[handler]
pub async fn edit_form(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let pad = owned_pad(&state, &user, &id).await?;
    let page = PadFormPage {
        form: NameField {
            name: pad.name.clone(),
        },
        pad: Some(pad),
        errors: FieldErrors::default(),
    };
    render(&state, session, Some(&user), &page).await
}

#[handler]
pub async fn edit(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let name = form.get("name");
    match state
        .service
        .rename_pad(&user, id, name, Precondition::Any)
        .await
    {
        Ok(renamed) => {
            flash_success(session, "Pad is successfully updated");
            Ok(redirect(&format!("/pads/{}/", renamed.pad.id)))
        }
        Err(err) => {
            let pad = Link::from(&state.service.pad(&user, id).await?.pad);
            form_again(&state, session, &user, Some(pad), &form, err).await
        }
    }
}

#[handler]
pub async fn delete_form(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let pad = owned_pad(&state, &user, &id).await?;
    render(&state, session, Some(&user), &PadDeletePage { pad }).await
}

#[handler]
pub async fn delete(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Path(id): Path<String>,
    _form: CheckedForm,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    state
        .service
        .delete_pad(&user, id, Precondition::Any)
        .await?;
    flash_success(session, "Pad is successfully deleted");
    Ok(redirect("/"))
}
