//! Note pages: the lists (all notes, one pad's), create, view, edit, delete.

use chrono::Utc;
use poem::web::Query;
use poem::{Response, handler};
use serde::Deserialize;

use crate::domain::{FieldErrors, NoteOrder};
use crate::error::AppError;
use crate::service::{NoteDraft, NoteQuery, PadChoice, Precondition, ServiceError};
use crate::web::form::{CheckedForm, FormData, form_errors, parse_id};
use crate::web::pages::{
    Link, NoteDeletePage, NoteFields, NoteFormPage, NotePage, NoteView, NotesListPage,
};
use crate::web::visit::{Claimed, PathId, SignedIn};

/// Notes per page of a list.
pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Deserialize)]
pub struct ListParams {
    order: Option<String>,
    page: Option<String>,
}

/// Renders a note list: all the user's notes, or one pad's (404 when it is not theirs, and for a
/// page past the end). The user, their pads and the page of notes are read in one round trip.
pub async fn note_list(
    visit: Claimed<'_>,
    pad: Option<i64>,
    params: &ListParams,
) -> poem::Result<Response> {
    let order = NoteOrder::from_query(params.order.as_deref());
    let number = params
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let query = NoteQuery {
        pad,
        order,
        page: number,
        per_page: PAGE_SIZE,
    };
    let claim = &visit.claim;
    let found = visit
        .service()
        .note_list_page(claim.user_id, &claim.fingerprint, query)
        .await
        .map_err(AppError::from)?;
    let (page, pads, list) = visit.confirm(found)?;
    if number > list.pages() {
        return Err(AppError::NotFound.into());
    }
    Ok(page.render_with_pads(&NotesListPage::new(list, order, Utc::now()), &pads)?)
}

#[handler]
pub async fn list_all(
    visit: Claimed<'_>,
    Query(params): Query<ListParams>,
) -> poem::Result<Response> {
    note_list(visit, None, &params).await
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
    page: &SignedIn<'_>,
    note: Option<Link>,
    form: NoteFields,
    selected: Option<i64>,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let pads = page.service().pads(&page.user).await?;
    page.render(&NoteFormPage::new(note, form, &pads, selected, errors))
        .await
}

/// The note form again after a failed write, with the values as typed.
async fn form_again(
    page: &SignedIn<'_>,
    note: Option<Link>,
    form: &FormData,
    err: ServiceError,
) -> Result<Response, AppError> {
    let values = NoteFields {
        name: form.get("name").to_owned(),
        text: form.get("text").to_owned(),
    };
    let selected = form.get("pad").parse().ok();
    note_form(page, note, values, selected, form_errors(err)?).await
}

#[derive(Debug, Deserialize)]
pub struct CreateParams {
    pad: Option<String>,
}

#[handler]
pub async fn create_form(
    page: SignedIn<'_>,
    Query(q): Query<CreateParams>,
) -> Result<Response, AppError> {
    // `?pad=<id>` pre-selects the pad when it is one of the user's (the select shows only those).
    let selected = q.pad.as_deref().and_then(|p| parse_id(p).ok());
    note_form(
        &page,
        None,
        NoteFields::default(),
        selected,
        FieldErrors::default(),
    )
    .await
}

#[handler]
pub async fn create(page: SignedIn<'_>, form: CheckedForm) -> Result<Response, AppError> {
    match page.service().create_note(&page.user, draft(&form)).await {
        Ok(note) => Ok(page.done(
            "Note is successfully created",
            &after_note(note.note.pad_id),
        )),
        Err(err) => form_again(&page, None, &form, err).await,
    }
}

#[handler]
pub async fn view(visit: Claimed<'_>, PathId(id): PathId) -> poem::Result<Response> {
    let claim = &visit.claim;
    let found = visit
        .service()
        .note_page(claim.user_id, &claim.fingerprint, id)
        .await
        .map_err(AppError::from)?;
    let (page, pads, note) = visit.confirm(found)?;
    let note = NoteView::new(note.note, Utc::now());
    Ok(page.render_with_pads(&NotePage { note }, &pads)?)
}

#[handler]
pub async fn edit_form(page: SignedIn<'_>, PathId(id): PathId) -> Result<Response, AppError> {
    let note = page.service().note(&page.user, id).await?.note;
    let link = Link::from(&note);
    let values = NoteFields {
        name: note.name,
        text: note.text,
    };
    note_form(
        &page,
        Some(link),
        values,
        note.pad_id,
        FieldErrors::default(),
    )
    .await
}

#[handler]
pub async fn edit(
    page: SignedIn<'_>,
    PathId(id): PathId,
    form: CheckedForm,
) -> Result<Response, AppError> {
    let any = Precondition::Any;
    match page
        .service()
        .replace_note(&page.user, id, draft(&form), any)
        .await
    {
        Ok(note) => Ok(page.done(
            "Note is successfully updated",
            &after_note(note.note.pad_id),
        )),
        Err(err) => {
            let note = page.service().note(&page.user, id).await?.note;
            form_again(&page, Some(Link::from(&note)), &form, err).await
        }
    }
}

#[handler]
pub async fn delete_form(page: SignedIn<'_>, PathId(id): PathId) -> Result<Response, AppError> {
    let note = page.service().note(&page.user, id).await?.note;
    page.render(&NoteDeletePage {
        note: NoteView::new(note, Utc::now()),
    })
    .await
}

#[handler]
pub async fn delete(
    page: SignedIn<'_>,
    PathId(id): PathId,
    _form: CheckedForm,
) -> Result<Response, AppError> {
    let note = page
        .service()
        .delete_note(&page.user, id, Precondition::Any)
        .await?;
    Ok(page.done(
        "Note is successfully deleted",
        &after_note(note.note.pad_id),
    ))
}
