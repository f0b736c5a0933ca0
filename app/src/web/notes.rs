//! Note pages: the lists (all notes, one pad's), create, view, edit, delete.

use chrono::Utc;
use poem::session::Session;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use serde::Deserialize;

use crate::domain::{FieldErrors, NoteOrder};
use crate::error::AppError;
use crate::service::{NoteDraft, NoteQuery, PadChoice, Precondition, ServiceError};
use crate::storage::User;
use crate::web::form::{CheckedForm, FormData, parse_id};
use crate::web::pages::{
    Link, NoteDeletePage, NoteFields, NoteFormPage, NotePage, NoteView, NotesListPage,
};
use crate::web::render::{redirect, render};
use crate::web::session::{CurrentUser, flash_success};
use crate::web::state::AppState;

/// Notes per page of a list.
pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Deserialize)]
pub struct ListParams {
    order: Option<String>,
    page: Option<String>,
}

/// Renders a note list: all the user's notes, or one pad's (404 when it is not theirs, and for a
/// page past the end).
pub async fn note_list(
    state: &AppState,
    session: &Session,
    user: &User,
    pad: Option<i64>,
    params: &ListParams,
) -> Result<Response, AppError> {
    let order = NoteOrder::from_query(params.order.as_deref());
    let page = params
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let query = NoteQuery {
        pad,
        order,
        page,
        per_page: PAGE_SIZE,
    };
    let list = state.service.note_summaries(user, query).await?;
    if page > list.pages() {
        return Err(AppError::NotFound);
    }
    let page = NotesListPage::new(list, order, Utc::now());
    render(state, session, Some(user), &page).await
}

#[handler]
pub async fn list_all(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Query(params): Query<ListParams>,
) -> Result<Response, AppError> {
    note_list(&state, session, &user, None, &params).await
}

/// Where to go after a note changed: its pad's page, or all notes.
fn after_note(pad_id: Option<i64>) -> String {
    pad_id.map_or_else(|| "/".to_owned(), |id| format!("/pads/{id}/"))
}

/// The note form as posted: the pad field's "0", empty or missing mean no pad.
fn draft(form: &FormData) -> NoteDraft<'_> {
    let pad = match form.get("pad").trim() {
        "" | "0" => PadChoice::NoPad,
        raw => parse_id(raw).map_or(PadChoice::Invalid, PadChoice::Pad),
    };
    NoteDraft {
        name: form.get("name"),
        text: form.get("text"),
        pad,
    }
}

/// The note form with these values and errors, the user's pads to choose from.
async fn note_form(
    state: &AppState,
    session: &Session,
    user: &User,
    note: Option<Link>,
    form: NoteFields,
    selected: Option<i64>,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let pads = state.service.pads(user).await?;
    let page = NoteFormPage::new(note, form, &pads, selected, errors);
    render(state, session, Some(user), &page).await
}

/// The note form again after a failed write, with the values as typed.
async fn form_again(
    state: &AppState,
    session: &Session,
    user: &User,
    note: Option<Link>,
    form: &FormData,
    err: ServiceError,
) -> Result<Response, AppError> {
    let ServiceError::Invalid(errors) = err else {
        return Err(err.into());
    };
    let values = NoteFields {
        name: form.get("name").to_owned(),
        text: form.get("text").to_owned(),
    };
    let selected = form.get("pad").parse().ok();
    note_form(state, session, user, note, values, selected, errors).await
}

#[derive(Debug, Deserialize)]
pub struct CreateParams {
    pad: Option<String>,
}

#[handler]
pub async fn create_form(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Query(q): Query<CreateParams>,
) -> Result<Response, AppError> {
    // `?pad=<id>` pre-selects the pad when it is one of the user's (the select shows only those).
    let selected = q.pad.as_deref().and_then(|p| parse_id(p).ok());
    let fields = NoteFields::default();
    let errors = FieldErrors::default();
    note_form(&state, session, &user, None, fields, selected, errors).await
}

#[handler]
pub async fn create(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    form: CheckedForm,
) -> Result<Response, AppError> {
    match state.service.create_note(&user, draft(&form)).await {
        Ok(note) => {
            flash_success(session, "Note is successfully created");
            Ok(redirect(&after_note(note.note.pad_id)))
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
) -> Result<Response, AppError> {
    let note = state.service.note(&user, parse_id(&id)?).await?.note;
    let page = NotePage {
        note: NoteView::new(note, Utc::now()),
    };
    render(&state, session, Some(&user), &page).await
}

#[handler]
pub async fn edit_form(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let note = state.service.note(&user, parse_id(&id)?).await?.note;
    let link = Link {
        id: note.id,
        name: note.name.clone(),
    };
    let values = NoteFields {
        name: note.name,
        text: note.text,
    };
    let errors = FieldErrors::default();
    note_form(
        &state,
        session,
        &user,
        Some(link),
        values,
        note.pad_id,
        errors,
    )
    .await
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
    let written = state
        .service
        .replace_note(&user, id, draft(&form), Precondition::Any)
        .await;
    match written {
        Ok(note) => {
            flash_success(session, "Note is successfully updated");
            Ok(redirect(&after_note(note.note.pad_id)))
        }
        Err(err) => {
            let note = state.service.note(&user, id).await?.note;
            let link = Link {
                id: note.id,
                name: note.name,
            };
            form_again(&state, session, &user, Some(link), &form, err).await
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
    let note = state.service.note(&user, parse_id(&id)?).await?.note;
    let page = NoteDeletePage {
        note: NoteView::new(note, Utc::now()),
    };
    render(&state, session, Some(&user), &page).await
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
    let note = state
        .service
        .delete_note(&user, id, Precondition::Any)
        .await?;
    flash_success(session, "Note is successfully deleted");
    Ok(redirect(&after_note(note.note.pad_id)))
}
