//! Note pages: the lists (all notes, one pad's), create, view, edit, delete.

use chrono::Utc;
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::{NoteName, NoteOrder, NoteText, messages, smart_date};
use crate::error::AppError;
use crate::storage::{Conditional, Note, NoteChanges, Pad, StorageError, User};
use crate::web::form::{FieldErrors, FormData};
use crate::web::render::{Layout, page, redirect, render_with_status};
use crate::web::session::{CurrentUser, flash_success, verify_csrf};
use crate::web::state::AppState;

/// Notes per page of a list.
pub const PAGE_SIZE: i64 = 50;

/// Parses an id from the path: a positive integer that fits in i64, else 404.
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(id),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    order: Option<String>,
    page: Option<String>,
}

/// Renders a note list: all the user's notes, or one pad's.
pub async fn note_list(
    state: &AppState,
    session: &Session,
    user: &User,
    pad: Option<&Pad>,
    params: &ListParams,
) -> Result<Response, AppError> {
    let order = NoteOrder::from_query(params.order.as_deref());
    let page_no = params
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let offset = (page_no - 1)
        .checked_mul(PAGE_SIZE)
        .ok_or(AppError::NotFound)?;
    let list = state
        .storage
        .list_note_summaries(user.id, pad.map(|p| p.id), order, PAGE_SIZE, offset)
        .await?;
    let pages = ((list.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    if page_no > pages {
        return Err(AppError::NotFound);
    }
    let now = Utc::now();
    let notes: Vec<Value> = list
        .notes
        .iter()
        .map(|n| {
            json!({
                "id": n.id, "name": n.name, "pad_id": n.pad_id, "pad_name": n.pad_name,
                "updated": smart_date(n.updated_at, now), "updated_iso": n.updated_at.to_rfc3339(),
            })
        })
        .collect();
    let base = match pad {
        Some(p) => format!("/pads/{}/", p.id),
        None => "/".to_owned(),
    };
    let page_url = |n: i64| format!("{base}?order={}&page={n}", order.as_str());
    let sort_url = |o: NoteOrder| format!("{base}?order={}", o.as_str());
    let title = match pad {
        Some(p) => format!("{} ({})", p.name, list.total),
        None => format!("All notes ({})", list.total),
    };
    let mut data = json!({
        "pad": pad.map(|p| json!({"id": p.id, "name": p.name})),
        "total": list.total,
        "order": order.as_str(),
        "sort": {
            "name_desc": sort_url(NoteOrder::NameDesc), "name_asc": sort_url(NoteOrder::NameAsc),
            "updated_desc": sort_url(NoteOrder::UpdatedDesc), "updated_asc": sort_url(NoteOrder::UpdatedAsc),
        },
        "pagination": (pages > 1).then(|| json!({
            "page": page_no, "pages": pages,
            "prev": (page_no > 1).then(|| page_url(page_no - 1)),
            "next": (page_no < pages).then(|| page_url(page_no + 1)),
        })),
    });
    // Moved in, not through json!, which would copy the rows (it serialises what it is given).
    data["notes"] = Value::Array(notes);
    page(
        state,
        session,
        Some(user),
        Layout::WithPads,
        "notes_list",
        &title,
        data,
    )
    .await
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

async fn owned_note(state: &AppState, user: &User, raw_id: &str) -> Result<Note, AppError> {
    let id = parse_id(raw_id)?;
    state
        .storage
        .note(user.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn note_json(note: &Note) -> Value {
    json!({
        "id": note.id, "name": note.name, "text": note.text, "pad_id": note.pad_id, "pad_name": note.pad_name,
        "updated": smart_date(note.updated_at, Utc::now()), "updated_iso": note.updated_at.to_rfc3339(),
    })
}

/// Where to go after a note changed: its pad's page, or all notes.
fn after_note(pad_id: Option<i64>) -> String {
    pad_id.map_or_else(|| "/".to_owned(), |id| format!("/pads/{id}/"))
}

/// The note form's pad choices, with `selected` marking the chosen one.
async fn pad_choices(
    state: &AppState,
    user: &User,
    selected: Option<i64>,
) -> Result<Vec<Value>, AppError> {
    let pads = state.storage.pads_of(user.id).await?;
    Ok(pads
        .iter()
        .map(|p| json!({"id": p.id, "name": p.name, "selected": Some(p.id) == selected}))
        .collect())
}

/// Reads and validates the note form. The pad must be the user's: "0", empty or missing mean no pad.
async fn read_note_form(
    state: &AppState,
    user: &User,
    form: &FormData,
) -> Result<(Option<NoteChanges>, FieldErrors), AppError> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", NoteName::parse(form.get("name")));
    let text = errors.check("text", NoteText::parse(form.get("text")));
    let pad_id = match form.get("pad").trim() {
        "" | "0" => Some(None),
        raw => match parse_id(raw) {
            Ok(id) if state.storage.pad(user.id, id).await?.is_some() => Some(Some(id)),
            _ => None,
        },
    };
    if pad_id.is_none() {
        errors.add("pad", messages::NOT_A_VALID_CHOICE);
    }
    let changes = match (name, text, pad_id) {
        (Some(name), Some(text), Some(pad_id)) if errors.is_empty() => {
            Some(NoteChanges { pad_id, name, text })
        }
        _ => None,
    };
    Ok((changes, errors))
}

#[allow(clippy::too_many_arguments)]
async fn note_form_page(
    state: &AppState,
    session: &Session,
    user: &User,
    note: Option<&Note>,
    form: Value,
    selected_pad: Option<i64>,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let title = if note.is_some() {
        "Edit note"
    } else {
        "New note"
    };
    let data = json!({
        "note": note.map(|n| json!({"id": n.id, "name": n.name})),
        "form": form,
        "pad_choices": pad_choices(state, user, selected_pad).await?,
        "errors": errors,
    });
    render_with_status(
        state,
        session,
        Some(user),
        Layout::WithPads,
        "note_form",
        title,
        data,
        StatusCode::OK,
    )
    .await
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
    // `?pad=<id>` pre-selects the pad when it is the user's; anything else is ignored.
    let mut selected = None;
    if let Some(id) = q.pad.as_deref().and_then(|p| parse_id(p).ok())
        && state.storage.pad(user.id, id).await?.is_some()
    {
        selected = Some(id);
    }
    note_form_page(
        &state,
        session,
        &user,
        None,
        json!({}),
        selected,
        FieldErrors::default(),
    )
    .await
}

#[handler]
pub async fn create(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    form: FormData,
) -> Result<Response, AppError> {
    verify_csrf(session, form.opt("csrf_token"))?;
    let (changes, mut errors) = read_note_form(&state, &user, &form).await?;
    if let Some(changes) = changes {
        match state.storage.create_note(user.id, &changes).await {
            Ok(_) => {
                flash_success(session, "Note is successfully created");
                return Ok(redirect(&after_note(changes.pad_id)));
            }
            // The pad was deleted between the check and the insert.
            Err(StorageError::InvalidPad) => errors.add("pad", messages::NOT_A_VALID_CHOICE),
            Err(e) => return Err(AppError::from(e)),
        }
    }
    let selected = form.get("pad").parse().ok();
    let values = json!({"name": form.get("name"), "text": form.get("text")});
    note_form_page(&state, session, &user, None, values, selected, errors).await
}

#[handler]
pub async fn view(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let note = owned_note(&state, &user, &id).await?;
    let data = json!({"note": note_json(&note)});
    page(
        &state,
        session,
        Some(&user),
        Layout::WithPads,
        "note_view",
        &note.name,
        data,
    )
    .await
}

#[handler]
pub async fn edit_form(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let note = owned_note(&state, &user, &id).await?;
    let values = json!({"name": note.name, "text": note.text});
    note_form_page(
        &state,
        session,
        &user,
        Some(&note),
        values,
        note.pad_id,
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
    let note = owned_note(&state, &user, &id).await?;
    verify_csrf(session, form.opt("csrf_token"))?;
    let (changes, mut errors) = read_note_form(&state, &user, &form).await?;
    if let Some(changes) = changes {
        match state
            .storage
            .update_note(user.id, note.id, &changes, None)
            .await
        {
            Ok(Conditional::Done(written)) => {
                flash_success(session, "Note is successfully updated");
                return Ok(redirect(&after_note(written.note.pad_id)));
            }
            Ok(_) => return Err(AppError::NotFound),
            Err(StorageError::InvalidPad) => errors.add("pad", messages::NOT_A_VALID_CHOICE),
            Err(e) => return Err(AppError::from(e)),
        }
    }
    let selected = form.get("pad").parse().ok();
    let values = json!({"name": form.get("name"), "text": form.get("text")});
    note_form_page(
        &state,
        session,
        &user,
        Some(&note),
        values,
        selected,
        errors,
    )
    .await
}

#[handler]
pub async fn delete_form(
    CurrentUser(user): CurrentUser,
    state: Data<&AppState>,
    session: &Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let note = owned_note(&state, &user, &id).await?;
    let data = json!({"note": note_json(&note)});
    page(
        &state,
        session,
        Some(&user),
        Layout::WithPads,
        "note_delete",
        &note.name,
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
    let note = owned_note(&state, &user, &id).await?;
    verify_csrf(session, form.opt("csrf_token"))?;
    if state.storage.delete_note(user.id, note.id, None).await? != Conditional::Done(()) {
        return Err(AppError::NotFound);
    }
    flash_success(session, "Note is successfully deleted");
    Ok(redirect(&after_note(note.pad_id)))
}

#[cfg(test)]
mod tests {
    use super::parse_id;

    #[test]
    fn ids() {
        assert_eq!(parse_id("42").unwrap(), 42);
        for bad in [
            "0",
            "-1",
            "+1",
            "abc",
            "1.5",
            "99999999999999999999999",
            "",
            " 1",
        ] {
            assert!(parse_id(bad).is_err(), "{bad:?}");
        }
    }
}
