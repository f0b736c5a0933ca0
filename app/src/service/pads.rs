//! Pads: a user's named folders of notes, read and written only through their owner.

use super::{Precondition, Service, ServiceError};
use crate::domain::{FieldErrors, PadName};
use crate::storage::{Conditional, Pad, User, VersionedPad};

/// Parses a pad name; its field is `name`.
fn parse_name(raw: &str) -> Result<PadName, ServiceError> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", PadName::parse(raw));
    name.ok_or(ServiceError::Invalid(errors))
}

/// The outcome of a guarded write as the core's result.
pub(super) fn written<T>(outcome: Conditional<T>) -> Result<T, ServiceError> {
    match outcome {
        Conditional::Done(value) => Ok(value),
        Conditional::NotFound => Err(ServiceError::NotFound),
        Conditional::Stale => Err(ServiceError::Stale),
    }
}

impl Service {
    /// The user's pads, by name.
    pub async fn pads(&self, user: &User) -> Result<Vec<Pad>, ServiceError> {
        Ok(self.storage.pads_of(user.id).await?)
    }

    /// One of the user's pads, with its version.
    pub async fn pad(&self, user: &User, pad_id: i64) -> Result<VersionedPad, ServiceError> {
        self.storage
            .versioned_pad(user.id, pad_id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    pub async fn create_pad(&self, user: &User, name: &str) -> Result<Pad, ServiceError> {
        let name = parse_name(name)?;
        Ok(self.storage.create_pad(user.id, &name).await?)
    }

    /// Renames one of the user's pads: 404 before any validation, so someone else's pad never
    /// reads as "exists but invalid"; then the precondition.
    pub async fn rename_pad(
        &self,
        user: &User,
        pad_id: i64,
        name: &str,
        precondition: Precondition,
    ) -> Result<VersionedPad, ServiceError> {
        self.pad(user, pad_id).await?;
        let name = parse_name(name)?;
        let expected = precondition.expected().ok_or(ServiceError::Stale)?;
        written(
            self.storage
                .rename_pad(user.id, pad_id, &name, expected)
                .await?,
        )
    }

    /// Deletes one of the user's pads and its notes.
    pub async fn delete_pad(
        &self,
        user: &User,
        pad_id: i64,
        precondition: Precondition,
    ) -> Result<(), ServiceError> {
        let Some(expected) = precondition.expected() else {
            self.pad(user, pad_id).await?;
            return Err(ServiceError::Stale);
        };
        written(self.storage.delete_pad(user.id, pad_id, expected).await?)
    }
}
