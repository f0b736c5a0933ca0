//! Notes: list (filter by pad, order, limit, page, total), create, read, replace (`PUT`), change
//! some fields (`PATCH`), delete.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::{Example, MaybeUndefined};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiState;
use super::accounts::{ApiTags, NoContent, example_time};
use super::auth::BearerAuth;
use super::etag::{self, parse_if_match};
use super::problem::{
    ApiError, CreateError, DeleteError, FieldErrors, ListError, ReadError, UpdateError,
};
use super::text::{JsonText, text};
use crate::domain::{NoteName, NoteOrder, NoteText, messages};
use crate::storage::{Conditional, Note, NoteChanges, StorageError, VersionedNote};

/// A note.
#[derive(Debug, Object)]
#[oai(example)]
pub struct NoteOut {
    pub id: i64,
    /// The pad it is in, or null for "No pad".
    pub pad_id: Option<i64>,
    /// The name of its pad, or null.
    pub pad_name: Option<String>,
    pub name: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Example for NoteOut {
    fn example() -> Self {
        Self {
            id: 42,
            pad_id: Some(3),
            pad_name: Some("Recipes".to_owned()),
            name: "Pancakes".to_owned(),
            text: "Flour, milk, eggs.".to_owned(),
            created_at: example_time(),
            updated_at: example_time(),
        }
    }
}

impl From<&Note> for NoteOut {
    fn from(n: &Note) -> Self {
        Self {
            id: n.id,
            pad_id: n.pad_id,
            pad_name: n.pad_name.clone(),
            name: n.name.clone(),
            text: n.text.clone(),
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

/// A whole note, for `POST` and `PUT`: the same rules as the note form.
#[derive(Debug, Object)]
#[oai(example)]
pub struct NoteInput {
    /// 1 to 100 characters (surrounding spaces are trimmed).
    pub name: Option<JsonText>,
    /// 1 to 100,000 characters, not blank.
    pub text: Option<JsonText>,
    /// One of your pads, or null / absent for "No pad".
    pub pad_id: Option<i64>,
}

impl Example for NoteInput {
    fn example() -> Self {
        Self {
            name: Some(JsonText::from("Pancakes")),
            text: Some(JsonText::from("Flour, milk, eggs.")),
            pad_id: Some(3),
        }
    }
}

/// Some fields of a note, for `PATCH`: absent fields stay as they are; `pad_id: null` takes the
/// note out of its pad.
#[derive(Debug, Object)]
#[oai(example)]
pub struct NotePatch {
    pub name: MaybeUndefined<JsonText>,
    pub text: MaybeUndefined<JsonText>,
    pub pad_id: MaybeUndefined<i64>,
}

impl Example for NotePatch {
    fn example() -> Self {
        Self {
            name: MaybeUndefined::Value(JsonText::from("Crêpes")),
            text: MaybeUndefined::Undefined,
            pad_id: MaybeUndefined::Null,
        }
    }
}

/// Sort orders, as on the pages.
#[derive(Debug, Clone, Copy, Enum, Default)]
pub enum NoteOrderParam {
    #[oai(rename = "name")]
    Name,
    #[oai(rename = "-name")]
    NameDesc,
    #[oai(rename = "updated_at")]
    UpdatedAt,
    /// Newest first (the default).
    #[oai(rename = "-updated_at")]
    #[default]
    UpdatedAtDesc,
}

impl From<NoteOrderParam> for NoteOrder {
    fn from(o: NoteOrderParam) -> Self {
        match o {
            NoteOrderParam::Name => NoteOrder::NameAsc,
            NoteOrderParam::NameDesc => NoteOrder::NameDesc,
            NoteOrderParam::UpdatedAt => NoteOrder::UpdatedAsc,
            NoteOrderParam::UpdatedAtDesc => NoteOrder::UpdatedDesc,
        }
    }
}

/// One page of a note list.
#[derive(Debug, Object)]
#[oai(example)]
pub struct NoteList {
    pub items: Vec<NoteOut>,
    /// How many notes the whole list has.
    pub total: i64,
    pub page: u32,
    pub limit: u32,
    /// The next page's number, or null on the last page.
    pub next_page: Option<u32>,
}

impl Example for NoteList {
    fn example() -> Self {
        Self {
            items: vec![NoteOut::example()],
            total: 51,
            page: 1,
            limit: 50,
            next_page: Some(2),
        }
    }
}

#[derive(ApiResponse)]
pub enum NoteCreated {
    /// The note, with its address and ETag.
    #[oai(status = 201)]
    Created(
        Json<NoteOut>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

#[derive(ApiResponse)]
pub enum NoteResponse {
    /// The note; send its `ETag` back in `If-Match` when you change it.
    #[oai(status = 200)]
    Ok(Json<NoteOut>, #[oai(header = "ETag")] String),
}

fn with_etag(n: VersionedNote) -> NoteResponse {
    NoteResponse::Ok(Json(NoteOut::from(&n.note)), etag::of(n.version))
}

const NO_NOTE: &str = "No such note among yours.";
const NO_PAD: &str = "No such pad among yours.";

/// Notes.
pub struct NotesApi {
    state: ApiState,
}

impl NotesApi {
    pub fn new(state: ApiState) -> Self {
        Self { state }
    }

    /// The pad field: absent or null is "No pad"; anything but one of the user's pads is
    /// "Not a valid choice".
    async fn check_pad(
        &self,
        user_id: i64,
        pad_id: Option<i64>,
        errors: &mut FieldErrors,
    ) -> Result<Option<i64>, ApiError> {
        let Some(id) = pad_id else { return Ok(None) };
        if id > 0 && self.state.storage.pad(user_id, id).await?.is_some() {
            Ok(Some(id))
        } else {
            errors.add("pad_id", messages::NOT_A_VALID_CHOICE);
            Ok(None)
        }
    }

    /// Writes with `If-Match`; a stale precondition on a note that is not the user's is a 404.
    async fn write(
        &self,
        user_id: i64,
        note_id: i64,
        if_match: Option<&str>,
        changes: &NoteChanges,
    ) -> Result<NoteResponse, ApiError> {
        let expected = match parse_if_match(if_match).expected() {
            Ok(expected) => expected,
            Err(stale) => return Err(self.missing_or(user_id, note_id, stale).await),
        };
        match self
            .state
            .storage
            .update_note(user_id, note_id, changes, expected)
            .await
        {
            Ok(Conditional::Done(note)) => Ok(with_etag(note)),
            Ok(Conditional::NotFound) => Err(ApiError::NotFound(NO_NOTE)),
            Ok(Conditional::Stale) => Err(ApiError::PreconditionFailed),
            // The pad was deleted between the check and the write.
            Err(StorageError::InvalidPad) => {
                let mut errors = FieldErrors::default();
                errors.add("pad_id", messages::NOT_A_VALID_CHOICE);
                Err(ApiError::Validation(errors))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn missing_or(&self, user_id: i64, note_id: i64, err: ApiError) -> ApiError {
        match self.state.storage.note(user_id, note_id).await {
            Ok(Some(_)) => err,
            Ok(None) => ApiError::NotFound(NO_NOTE),
            Err(e) => e.into(),
        }
    }

    /// 404 before validation, so another user's note never reads as "exists but invalid".
    async fn existing(&self, user_id: i64, note_id: i64) -> Result<Note, ApiError> {
        self.state
            .storage
            .note(user_id, note_id)
            .await?
            .ok_or(ApiError::NotFound(NO_NOTE))
    }
}

#[OpenApi(tag = "ApiTags::Notes")]
impl NotesApi {
    /// List your notes
    ///
    /// All your notes, or one pad's, sorted like the pages, a page at a time, with the total.
    #[oai(path = "/notes", method = "get", operation_id = "listNotes")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Only the notes of this pad (one of yours).
        pad: Query<Option<i64>>,
        /// Sort order; newest first by default.
        #[oai(default)]
        order: Query<NoteOrderParam>,
        /// Notes per page.
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u32>,
        /// Page number, from 1.
        #[oai(
            default = "default_page",
            validator(minimum(value = "1"), maximum(value = "1000000"))
        )]
        page: Query<u32>,
    ) -> Result<Json<NoteList>, ListError> {
        let user_id = auth.0.user.id;
        if let Some(pad_id) = pad.0
            && self
                .state
                .storage
                .pad(user_id, pad_id)
                .await
                .map_err(ApiError::from)?
                .is_none()
        {
            return Err(ApiError::NotFound(NO_PAD).into());
        }
        let (limit, page) = (limit.0, page.0);
        let offset = i64::from(page - 1) * i64::from(limit);
        let found = self
            .state
            .storage
            .list_notes(user_id, pad.0, order.0.into(), i64::from(limit), offset)
            .await
            .map_err(ApiError::from)?;
        let next_page = (offset + i64::from(limit) < found.total).then_some(page + 1);
        Ok(Json(NoteList {
            items: found.notes.iter().map(NoteOut::from).collect(),
            total: found.total,
            page,
            limit,
            next_page,
        }))
    }

    /// Create a note
    #[oai(path = "/notes", method = "post", operation_id = "createNote")]
    async fn create(
        &self,
        auth: BearerAuth,
        body: Json<NoteInput>,
    ) -> Result<NoteCreated, CreateError> {
        let user_id = auth.0.user.id;
        let changes = self.parse_whole(user_id, &body).await?;
        let note = match self.state.storage.create_note(user_id, &changes).await {
            Ok(note) => note,
            Err(StorageError::InvalidPad) => {
                let mut errors = FieldErrors::default();
                errors.add("pad_id", messages::NOT_A_VALID_CHOICE);
                return Err(ApiError::Validation(errors).into());
            }
            Err(e) => return Err(ApiError::from(e).into()),
        };
        let id = note.note.id;
        Ok(NoteCreated::Created(
            Json(NoteOut::from(&note.note)),
            format!("/api/v1/notes/{id}"),
            etag::of(note.version),
        ))
    }

    /// Get a note
    #[oai(path = "/notes/:id", method = "get", operation_id = "getNote")]
    async fn get(&self, auth: BearerAuth, id: Path<i64>) -> Result<NoteResponse, ReadError> {
        match self
            .state
            .storage
            .versioned_note(auth.0.user.id, id.0)
            .await
            .map_err(ApiError::from)?
        {
            Some(note) => Ok(with_etag(note)),
            None => Err(ApiError::NotFound(NO_NOTE).into()),
        }
    }

    /// Replace a note
    ///
    /// Sets every field; an absent or null `pad_id` takes the note out of its pad.
    #[oai(path = "/notes/:id", method = "put", operation_id = "replaceNote")]
    async fn replace(
        &self,
        auth: BearerAuth,
        id: Path<i64>,
        /// The note's `ETag` as you read it: a stale one gets 412.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<NoteInput>,
    ) -> Result<NoteResponse, UpdateError> {
        let user_id = auth.0.user.id;
        self.existing(user_id, id.0).await?;
        let changes = self.parse_whole(user_id, &body).await?;
        Ok(self
            .write(user_id, id.0, if_match.0.as_deref(), &changes)
            .await?)
    }

    /// Change some fields of a note
    #[oai(path = "/notes/:id", method = "patch", operation_id = "updateNote")]
    async fn update(
        &self,
        auth: BearerAuth,
        id: Path<i64>,
        /// The note's `ETag` as you read it: a stale one gets 412.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<NotePatch>,
    ) -> Result<NoteResponse, UpdateError> {
        let user_id = auth.0.user.id;
        let current = self.existing(user_id, id.0).await?;
        let mut errors = FieldErrors::default();
        // Absent keeps the value; null is an empty value, which the rules refuse.
        let name = match &body.name {
            MaybeUndefined::Undefined => NoteName::parse(&current.name).ok(),
            given => errors.check("name", NoteName::parse(given_text(given))),
        };
        let text = match &body.text {
            MaybeUndefined::Undefined => NoteText::parse(&current.text).ok(),
            given => errors.check("text", NoteText::parse(given_text(given))),
        };
        let pad_id = match &body.pad_id {
            MaybeUndefined::Undefined => current.pad_id,
            MaybeUndefined::Null => None,
            MaybeUndefined::Value(id) => self.check_pad(user_id, Some(*id), &mut errors).await?,
        };
        errors.into_result()?;
        let (Some(name), Some(text)) = (name, text) else {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "stored note {} breaks the note rules",
                current.id
            ))
            .into());
        };
        let changes = NoteChanges { pad_id, name, text };
        Ok(self
            .write(user_id, id.0, if_match.0.as_deref(), &changes)
            .await?)
    }

    /// Delete a note
    #[oai(path = "/notes/:id", method = "delete", operation_id = "deleteNote")]
    async fn delete(
        &self,
        auth: BearerAuth,
        id: Path<i64>,
        /// The note's `ETag` as you read it: a stale one gets 412.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> Result<NoContent, DeleteError> {
        let user_id = auth.0.user.id;
        let expected = match parse_if_match(if_match.0.as_deref()).expected() {
            Ok(expected) => expected,
            Err(stale) => return Err(self.missing_or(user_id, id.0, stale).await.into()),
        };
        match self
            .state
            .storage
            .delete_note(user_id, id.0, expected)
            .await
            .map_err(ApiError::from)?
        {
            Conditional::Done(()) => Ok(NoContent::Done),
            Conditional::NotFound => Err(ApiError::NotFound(NO_NOTE).into()),
            Conditional::Stale => Err(ApiError::PreconditionFailed.into()),
        }
    }
}

impl NotesApi {
    async fn parse_whole(&self, user_id: i64, body: &NoteInput) -> Result<NoteChanges, ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.required("name", text(&body.name), NoteName::parse);
        let text = errors.required("text", text(&body.text), NoteText::parse);
        let pad_id = self.check_pad(user_id, body.pad_id, &mut errors).await?;
        errors.into_result()?;
        match (name, text) {
            (Some(name), Some(text)) => Ok(NoteChanges { pad_id, name, text }),
            _ => unreachable!("no field errors means name and text parsed"),
        }
    }
}

/// The text of a field that was given (`null` reads as empty).
fn given_text(field: &MaybeUndefined<JsonText>) -> &str {
    match field {
        MaybeUndefined::Value(t) => t.0.as_str(),
        _ => "",
    }
}

fn default_limit() -> u32 {
    50
}

fn default_page() -> u32 {
    1
}
