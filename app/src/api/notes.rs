//! Notes: list (filter by pad, order, limit, page, total), create, read, replace (`PUT`), change
//! some fields (`PATCH`), delete.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::{Example, MaybeUndefined};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::accounts::{ApiTags, NoContent, example_time};
use super::auth::BearerAuth;
use super::etag::{self, parse_if_match};
use super::json_body::{JsonBody, rfc3339};
use super::owned::{NOTES, PADS};
use super::problem::{CreateError, DeleteError, ListError, ReadError, UpdateError};
use super::text::{JsonText, text};
use crate::domain::NoteOrder;
use crate::service::{self, NoteDraft, NoteQuery, PadChoice, Service};
use crate::service::{Note, VersionedNote};

/// A note.
#[derive(Debug, Object, serde::Serialize)]
#[oai(example)]
pub struct NoteOut {
    pub id: i64,
    /// The pad it is in, or null for "No pad".
    pub pad_id: Option<i64>,
    /// The name of its pad, or null.
    pub pad_name: Option<String>,
    pub name: String,
    pub text: String,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
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

impl From<Note> for NoteOut {
    fn from(n: Note) -> Self {
        Self {
            id: n.id,
            pad_id: n.pad_id,
            pad_name: n.pad_name,
            name: n.name,
            text: n.text,
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
#[derive(Debug, Object, serde::Serialize)]
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
        JsonBody<NoteOut>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

#[derive(ApiResponse)]
pub enum NoteResponse {
    /// The note; send its `ETag` back in `If-Match` when you change it.
    #[oai(status = 200)]
    Ok(JsonBody<NoteOut>, #[oai(header = "ETag")] String),
}

fn with_etag(n: VersionedNote) -> NoteResponse {
    NoteResponse::Ok(JsonBody(NoteOut::from(n.note)), etag::of(n.version))
}

/// The pad field: absent or null is "No pad".
fn pad_choice(pad_id: Option<i64>) -> PadChoice {
    pad_id.map_or(PadChoice::NoPad, PadChoice::Pad)
}

fn draft(body: &NoteInput) -> NoteDraft<'_> {
    NoteDraft {
        name: text(&body.name).unwrap_or_default(),
        text: text(&body.text).unwrap_or_default(),
        pad: pad_choice(body.pad_id),
    }
}

/// A field of a `PATCH`: absent keeps the value; `null` is an empty value, which the rules refuse.
fn patched(field: &MaybeUndefined<JsonText>) -> Option<&str> {
    match field {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(""),
        MaybeUndefined::Value(t) => Some(t.0.as_str()),
    }
}

/// Notes.
pub struct NotesApi(pub Service);

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
    ) -> Result<JsonBody<NoteList>, ListError> {
        let query = NoteQuery {
            pad: pad.0,
            order: order.0.into(),
            page: i64::from(page.0),
            per_page: i64::from(limit.0),
        };
        let found = PADS
            .answer(self.0.notes::<Note>(&auth.0.user, query))
            .await?;
        let next_page = found.next_page().map(|_| page.0 + 1);
        Ok(JsonBody(NoteList {
            items: found.notes.into_iter().map(NoteOut::from).collect(),
            total: found.total,
            page: page.0,
            limit: limit.0,
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
        let note = NOTES
            .answer(self.0.create_note(&auth.0.user, draft(&body)))
            .await?;
        let (location, etag) = (NOTES.location(note.note.id), etag::of(note.version));
        Ok(NoteCreated::Created(
            JsonBody(NoteOut::from(note.note)),
            location,
            etag,
        ))
    }

    /// Get a note
    #[oai(path = "/notes/:id", method = "get", operation_id = "getNote")]
    async fn get(&self, auth: BearerAuth, id: Path<i64>) -> Result<NoteResponse, ReadError> {
        let note = NOTES.answer(self.0.note(&auth.0.user, id.0)).await?;
        Ok(with_etag(note))
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
        let precondition = parse_if_match(if_match.0.as_deref());
        let note = NOTES
            .answer(
                self.0
                    .replace_note(&auth.0.user, id.0, draft(&body), precondition),
            )
            .await?;
        Ok(with_etag(note))
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
        let patch = service::NotePatch {
            name: patched(&body.name),
            text: patched(&body.text),
            pad: match body.pad_id {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(PadChoice::NoPad),
                MaybeUndefined::Value(id) => Some(PadChoice::Pad(id)),
            },
        };
        let precondition = parse_if_match(if_match.0.as_deref());
        let note = NOTES
            .answer(self.0.patch_note(&auth.0.user, id.0, patch, precondition))
            .await?;
        Ok(with_etag(note))
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
        let precondition = parse_if_match(if_match.0.as_deref());
        NOTES
            .answer(self.0.delete_note(&auth.0.user, id.0, precondition))
            .await?;
        Ok(NoContent::Done)
    }
}

fn default_limit() -> u32 {
    50
}

fn default_page() -> u32 {
    1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::json_body::assert_same_json;

    #[test]
    fn a_note_and_a_list_write_the_json_that_poem_openapi_would() {
        let mut lone = NoteOut::example();
        lone.pad_id = None;
        lone.pad_name = None;
        lone.text = "\"quoted\" \\ <tags> é 😀\n".to_owned();
        lone.updated_at += chrono::Duration::nanoseconds(123_456_789);
        assert_same_json(&NoteOut::example());
        assert_same_json(&lone);
        let mut list = NoteList::example();
        list.items.push(lone);
        assert_same_json(&list);
        list.next_page = None;
        assert_same_json(&list);
    }
}
