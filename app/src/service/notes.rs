//! Notes: lists (all of a user's, or one pad's: sorted, a page at a time, with the total),
//! reading, writing (whole or some fields, guarded by a precondition) and deleting.

use super::pads::written;
use super::{Precondition, Service, ServiceError};
use crate::domain::{FieldErrors, NoteName, NoteOrder, NoteText, messages};
use crate::storage::{
    ListedNote, NoteChanges, NoteRange, StorageError, User, VersionedNote, VersionedPad,
};

/// Which pad a note goes into, as a door read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadChoice {
    /// "No pad".
    NoPad,
    /// This pad, if it is the user's.
    Pad(i64),
    /// Something that is not a pad id at all.
    Invalid,
}

/// A whole note as submitted (a missing field is empty).
#[derive(Debug, Clone, Copy)]
pub struct NoteDraft<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub pad: PadChoice,
}

/// Some fields of a note; `None` keeps the current value.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotePatch<'a> {
    pub name: Option<&'a str>,
    pub text: Option<&'a str>,
    pub pad: Option<PadChoice>,
}

/// Which notes, in what order, which page.
#[derive(Debug, Clone, Copy)]
pub struct NoteQuery {
    /// Only this pad's notes (it must be the user's).
    pub pad: Option<i64>,
    pub order: NoteOrder,
    /// From 1.
    pub page: i64,
    pub per_page: i64,
}

impl NoteQuery {
    /// The storage's view of this query: the user's notes, from `offset` (the page's first).
    pub(crate) fn range(&self, user_id: i64, offset: i64) -> NoteRange {
        NoteRange {
            user_id,
            pad_id: self.pad,
            order: self.order,
            limit: self.per_page,
            offset,
        }
    }
}

/// One page of a note list: the notes, the list's total, and the pad it is of.
#[derive(Debug, Clone)]
pub struct NoteListing<T> {
    pub notes: Vec<T>,
    pub total: i64,
    pub pad: Option<VersionedPad>,
    pub page: i64,
    pub per_page: i64,
}

impl<T> NoteListing<T> {
    /// How many pages the list has (at least one, even when empty).
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }

    /// The next page's number, `None` on the last page.
    pub fn next_page(&self) -> Option<i64> {
        (self.page * self.per_page < self.total).then_some(self.page + 1)
    }
}

impl Service {
    /// One page of the user's notes: whole (`Note`, the API's list) or without their text
    /// (`NoteSummary`, what the list pages show).
    pub async fn notes<T: ListedNote>(
        &self,
        user: &User,
        query: NoteQuery,
    ) -> Result<NoteListing<T>, ServiceError> {
        let (pad, offset) = self.list_scope(user, &query).await?;
        let found = self
            .storage
            .list_notes(query.range(user.id, offset))
            .await?;
        Ok(listing(found.notes, found.total, pad, query))
    }

    /// The list's pad (404 when it is not the user's) and the offset of its page.
    async fn list_scope(
        &self,
        user: &User,
        query: &NoteQuery,
    ) -> Result<(Option<VersionedPad>, i64), ServiceError> {
        let pad = match query.pad {
            Some(id) => Some(self.pad(user, id).await?),
            None => None,
        };
        Ok((pad, offset_of(query).ok_or(ServiceError::NotFound)?))
    }

    /// One of the user's notes, with its version.
    pub async fn note(&self, user: &User, note_id: i64) -> Result<VersionedNote, ServiceError> {
        self.storage
            .versioned_note(user.id, note_id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    pub async fn create_note(
        &self,
        user: &User,
        draft: NoteDraft<'_>,
    ) -> Result<VersionedNote, ServiceError> {
        let changes = self.parse_draft(user, draft).await?;
        let created = self.storage.create_note(user.id, &changes).await;
        created.map_err(pad_error)
    }

    /// Sets every field of one of the user's notes: 404 before validation, then the precondition.
    pub async fn replace_note(
        &self,
        user: &User,
        note_id: i64,
        draft: NoteDraft<'_>,
        precondition: Precondition,
    ) -> Result<VersionedNote, ServiceError> {
        self.note(user, note_id).await?;
        let changes = self.parse_draft(user, draft).await?;
        self.write_note(user, note_id, &changes, precondition).await
    }

    /// Sets some fields of one of the user's notes; the others keep their values.
    pub async fn patch_note(
        &self,
        user: &User,
        note_id: i64,
        patch: NotePatch<'_>,
        precondition: Precondition,
    ) -> Result<VersionedNote, ServiceError> {
        let current = self.note(user, note_id).await?.note;
        let kept_pad = current.pad_id.map_or(PadChoice::NoPad, PadChoice::Pad);
        let draft = NoteDraft {
            name: patch.name.unwrap_or(&current.name),
            text: patch.text.unwrap_or(&current.text),
            pad: patch.pad.unwrap_or(kept_pad),
        };
        let changes = self.parse_draft(user, draft).await?;
        self.write_note(user, note_id, &changes, precondition).await
    }

    /// Deletes one of the user's notes; answers with the note as it was.
    pub async fn delete_note(
        &self,
        user: &User,
        note_id: i64,
        precondition: Precondition,
    ) -> Result<VersionedNote, ServiceError> {
        let note = self.note(user, note_id).await?;
        let expected = precondition.expected().ok_or(ServiceError::Stale)?;
        written(self.storage.delete_note(user.id, note_id, expected).await?)?;
        Ok(note)
    }

    async fn write_note(
        &self,
        user: &User,
        note_id: i64,
        changes: &NoteChanges,
        precondition: Precondition,
    ) -> Result<VersionedNote, ServiceError> {
        let expected = precondition.expected().ok_or(ServiceError::Stale)?;
        let outcome = self
            .storage
            .update_note(user.id, note_id, changes, expected)
            .await
            .map_err(pad_error)?;
        written(outcome)
    }

    /// Name, text and pad by the rules of the note form; the pad must be the user's.
    async fn parse_draft(
        &self,
        user: &User,
        draft: NoteDraft<'_>,
    ) -> Result<NoteChanges, ServiceError> {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", NoteName::parse(draft.name));
        let text = errors.check("text", NoteText::parse(draft.text));
        let pad_id = match draft.pad {
            PadChoice::NoPad => Some(None),
            PadChoice::Pad(id) if id > 0 && self.storage.pad(user.id, id).await?.is_some() => {
                Some(Some(id))
            }
            PadChoice::Pad(_) | PadChoice::Invalid => None,
        };
        if pad_id.is_none() {
            errors.add("pad", messages::NOT_A_VALID_CHOICE);
        }
        match (name, text, pad_id) {
            (Some(name), Some(text), Some(pad_id)) if errors.is_empty() => {
                Ok(NoteChanges { pad_id, name, text })
            }
            _ => Err(ServiceError::Invalid(errors)),
        }
    }
}

/// The offset of the query's page; `None` when it is too far to count.
pub(super) fn offset_of(query: &NoteQuery) -> Option<i64> {
    (query.page.max(1) - 1).checked_mul(query.per_page)
}

pub(super) fn listing<T>(
    notes: Vec<T>,
    total: i64,
    pad: Option<VersionedPad>,
    query: NoteQuery,
) -> NoteListing<T> {
    NoteListing {
        notes,
        total,
        pad,
        page: query.page.max(1),
        per_page: query.per_page,
    }
}

/// The pad was deleted between the check and the write: the pad field is at fault.
fn pad_error(err: StorageError) -> ServiceError {
    match err {
        StorageError::InvalidPad => ServiceError::field("pad", messages::NOT_A_VALID_CHOICE),
        other => other.into(),
    }
}
