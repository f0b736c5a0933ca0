//! The busiest signed-in pages (a note list, a note) read everything they show in one round trip
//! to the database: the user the session names, that user's pads (the sidebar) and the page's
//! own rows. The rules are the same as for the separate calls: the session's user must exist and
//! still have the password the session was signed in under, a pad must be the user's.

use super::accounts::session_holder;
use super::notes::{NoteListing, NoteQuery, listing, offset_of};
use super::{Service, ServiceError};
use crate::storage::{NoteSummary, Pad, User, VersionedNote};

/// What a signed-in page read: its user, their pads by name, and its own content.
#[derive(Debug, Clone)]
pub struct SignedInPage<T> {
    pub user: User,
    pub pads: Vec<Pad>,
    pub content: T,
}

impl Service {
    /// A note list page (all the user's notes, or one pad's, without their text) for the session
    /// of `user_id` signed in under `fingerprint`. `Ok(None)` when the session no longer names a
    /// user (deleted, or the password changed); not found for a pad that is not theirs.
    pub async fn note_list_page(
        &self,
        user_id: i64,
        fingerprint: &str,
        query: NoteQuery,
    ) -> Result<Option<SignedInPage<NoteListing<NoteSummary>>>, ServiceError> {
        let Some(offset) = offset_of(&query) else {
            // A page too far to count: 404 for the signed-in, sign-in for anyone else.
            return match self.session_user(user_id, fingerprint).await? {
                Some(_) => Err(ServiceError::NotFound),
                None => Ok(None),
            };
        };
        let found = self.storage.list_page(query.range(user_id, offset)).await?;
        let Some(user) = session_holder(found.frame.user, fingerprint) else {
            return Ok(None);
        };
        if query.pad.is_some() && found.pad.is_none() {
            return Err(ServiceError::NotFound);
        }
        let content = listing(found.list.notes, found.list.total, found.pad, query);
        Ok(Some(SignedInPage {
            user,
            pads: found.frame.pads,
            content,
        }))
    }

    /// A note's page: as [`Service::note_list_page`], with one of the user's notes.
    pub async fn note_page(
        &self,
        user_id: i64,
        fingerprint: &str,
        note_id: i64,
    ) -> Result<Option<SignedInPage<VersionedNote>>, ServiceError> {
        let found = self.storage.note_page(user_id, note_id).await?;
        let Some(user) = session_holder(found.frame.user, fingerprint) else {
            return Ok(None);
        };
        let content = found.note.ok_or(ServiceError::NotFound)?;
        Ok(Some(SignedInPage {
            user,
            pads: found.frame.pads,
            content,
        }))
    }
}
