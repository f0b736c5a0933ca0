//! Pad pages: create, the pad's notes, rename ("Pad settings"), delete.

use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use serde_json::json;

use crate::domain::PadName;
use crate::error::AppError;
use crate::storage::{Conditional, Pad, User};
use crate::web::form::{FieldErrors, FormData};
use crate::web::notes::{ListParams, note_list, parse_id};
use crate::web::render::{Layout, page, redirect, render_with_status};
use crate::web::session::{CurrentUser, flash_success, verify_csrf};
use crate::web::state::AppState;

async fn owned_pad(state: &AppState, user: &User, raw_id: &str) -> Result<Pad, AppError> {
    let id = parse_id(raw_id)?;
    state
        .storage
        .pad(user.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn pad_form_page(
    state: &AppState,
    session: &Session,
    user: &User,
    pad: Option<&Pad>,
    name: &str,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let title = if pad.is_some() {
        "Pad settings"
    } else {
        "New pad"
    };
    let data = json!({
        "pad": pad.map(|p| json!({"id": p.id, "name": p.name})),
        "form": {"name": name},
        "errors": errors,
    });
    render_with_status(
        state,
        session,
        Some(user),
        Layout::WithPads,
        "pad_form",
        title,
        data,
        StatusCode::OK,
    )
    .await
}

#[handler]
pub async fn create_form(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
) -> Result<Response, AppError> {
    pad_form_page(&state, session, &user, None, "", FieldErrors::default()).await
}

#[handler]
pub async fn create(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    form: FormData,
) -> Result<Response, AppError> {
    verify_csrf(session, form.opt("csrf_token"))?;
    let mut errors = FieldErrors::default();
    match errors.check("name", PadName::parse(form.get("name"))) {
        Some(name) => {
            state.storage.create_pad(user.id, &name).await?;
            flash_success(session, "Pad is successfully created");
            Ok(redirect("/"))
        }
        None => pad_form_page(&state, session, &user, None, form.get("name"), errors).await,
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
    let pad = owned_pad(&state, &user, &id).await?;
    note_list(&state, session, &user, Some(&pad), &params).await
}

#[handler]
pub async fn edit_form(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let pad = owned_pad(&state, &user, &id).await?;
    pad_form_page(
        &state,
        session,
        &user,
        Some(&pad),
        &pad.name,
        FieldErrors::default(),
    )
    .await
}

#[handler]
pub async fn edit(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, AppError> {
    let pad = owned_pad(&state, &user, &id).await?;
    verify_csrf(session, form.opt("csrf_token"))?;
    let mut errors = FieldErrors::default();
    match errors.check("name", PadName::parse(form.get("name"))) {
        Some(name) => {
            let Conditional::Done(renamed) = state
                .storage
                .rename_pad(user.id, pad.id, &name, None)
                .await?
            else {
                return Err(AppError::NotFound);
            };
            flash_success(session, "Pad is successfully updated");
            Ok(redirect(&format!("/pads/{}/", renamed.pad.id)))
        }
        None => pad_form_page(&state, session, &user, Some(&pad), form.get("name"), errors).await,
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
    let data = json!({"pad": {"id": pad.id, "name": pad.name}});
    page(
        &state,
        session,
        Some(&user),
        Layout::WithPads,
        "pad_delete",
        &pad.name,
        data,
    )
    .await
}

#[handler]
pub async fn delete(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, AppError> {
    let pad = owned_pad(&state, &user, &id).await?;
    verify_csrf(session, form.opt("csrf_token"))?;
    if state.storage.delete_pad(user.id, pad.id, None).await? != Conditional::Done(()) {
        return Err(AppError::NotFound);
    }
    flash_success(session, "Pad is successfully deleted");
    Ok(redirect("/"))
}
