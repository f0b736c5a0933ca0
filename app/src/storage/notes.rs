//! Notes: listing (sorted, paginated, with the total), reading, writing, deleting.

use chrono::{DateTime, Utc};

use super::{Storage, StorageError, classify, db_op, now};
use crate::domain::{NoteName, NoteOrder, NoteText};

/// A note with the name of its pad (if any).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Note {
    pub id: i64,
    pub user_id: i64,
    pub pad_id: Option<i64>,
    pub pad_name: Option<String>,
    pub name: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A note as the list pages show it: everything but the text, which may be 100,000 characters
/// that a list never shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoteSummary {
    pub id: i64,
    pub pad_id: Option<i64>,
    pub pad_name: Option<String>,
    pub name: String,
    pub updated_at: DateTime<Utc>,
}

/// Which notes a list shows: the user's (all of them, or one pad's), in an order, one page.
#[derive(Debug, Clone, Copy)]
pub struct NoteRange {
    pub user_id: i64,
    pub pad_id: Option<i64>,
    pub order: NoteOrder,
    pub limit: i64,
    pub offset: i64,
}

/// One page of a note list and the total count of the list.
#[derive(Debug, Clone)]
pub struct NotePage<T = Note> {
    pub notes: Vec<T>,
    pub total: i64,
}

/// The fields a user sets on a note.
#[derive(Debug, Clone)]
pub struct NoteChanges {
    pub pad_id: Option<i64>,
    pub name: NoteName,
    pub text: NoteText,
}

const NOTE_SELECT: &str = "SELECT n.id, n.user_id, n.pad_id, p.name AS pad_name, n.name, n.text, n.created_at, n.updated_at \
     FROM notes n LEFT JOIN pads p ON p.id = n.pad_id";
const SUMMARY_SELECT: &str = "SELECT n.id, n.pad_id, p.name AS pad_name, n.name, n.updated_at \
     FROM notes n LEFT JOIN pads p ON p.id = n.pad_id";

/// The `ORDER BY` of a note list (the lists and the pages' one statement share it).
pub(super) fn order_clause(order: NoteOrder) -> &'static str {
    match order {
        NoteOrder::NameAsc => "lower(n.name) ASC, n.id ASC",
        NoteOrder::NameDesc => "lower(n.name) DESC, n.id DESC",
        NoteOrder::UpdatedAsc => "n.updated_at ASC, n.id ASC",
        NoteOrder::UpdatedDesc => "n.updated_at DESC, n.id DESC",
    }
}

/// What a note list is made of: whole notes (the API's list) or their summaries (the pages').
pub trait ListedNote:
    for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + Send
    + Unpin
{
    /// The list's `SELECT ... FROM`, before its `WHERE`.
    const SELECT: &'static str;
}

impl ListedNote for Note {
    const SELECT: &'static str = NOTE_SELECT;
}

impl ListedNote for NoteSummary {
    const SELECT: &'static str = SUMMARY_SELECT;
}

impl Storage {
    /// One page of the user's notes (all of them, or one pad's), sorted, with the list's total:
    /// whole notes or, without their text, summaries.
    pub async fn list_notes<T: ListedNote>(
        &self,
        range: NoteRange,
    ) -> Result<NotePage<T>, StorageError> {
        let NoteRange {
            user_id,
            pad_id,
            order,
            limit,
            offset,
        } = range;
        let select = T::SELECT;
        // $2 is NULL for "all notes"; the planner still uses the (user_id, ...) indexes.
        let filter = "WHERE n.user_id = $1 AND ($2 IS NULL OR n.pad_id = $2)";
        let count_sql = format!("SELECT COUNT(*) FROM notes n {filter}");
        // One row more than the page: a page that comes back short is the end of the list and
        // gives the total, so most lists (up to a page of notes) need no COUNT query. The limit
        // is written into the statement: SQLite (3.51) plans with a bound LIMIT's value, so a
        // bound one prepares the statement again on every call.
        let list_sql = format!(
            "{select} {filter} ORDER BY {} LIMIT {} OFFSET $3",
            order_clause(order),
            limit + 1
        );
        let (total, notes) = db_op!(self, "SELECT", "notes", list_sql, pool => {
            let mut notes: Vec<T> = sqlx::query_as(sqlx::AssertSqlSafe(list_sql.clone()))
                .bind(user_id)
                .bind(pad_id)
                .bind(offset)
                .fetch_all(&mut *pool)
                .await?;
            let len = notes.len() as i64;
            notes.truncate(usize::try_from(limit).unwrap_or(0));
            let total = if len <= limit && (len > 0 || offset == 0) {
                offset + len
            } else {
                sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql))
                    .bind(user_id)
                    .bind(pad_id)
                    .fetch_one(&mut *pool)
                    .await?
            };
            Ok::<_, sqlx::Error>((total, notes))
        })?;
        Ok(NotePage { notes, total })
    }

    /// Creates a note; [`StorageError::InvalidPad`] when the pad is not the user's.
    pub async fn create_note(
        &self,
        user_id: i64,
        changes: &NoteChanges,
    ) -> Result<VersionedNote, StorageError> {
        let at = now();
        // The whole new row in the one statement (the API answers with it and its ETag).
        const SQL: &str = "INSERT INTO notes (user_id, pad_id, name, text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) \
             RETURNING id, user_id, pad_id, (SELECT p.name FROM pads p WHERE p.id = notes.pad_id) AS pad_name, name, text, created_at, updated_at, version";
        let note = db_op!(self, "INSERT", "notes", SQL, pool => sqlx::query_as(SQL)
            .bind(user_id)
            .bind(changes.pad_id)
            .bind(changes.name.as_str())
            .bind(changes.text.as_str())
            .bind(at)
            .fetch_one(pool)
            .await)
        .map_err(|e| classify(e, None, Some(StorageError::InvalidPad)))?;
        // Counted here, so the pages and the API count alike.
        metrics::counter!("notejam_notes_created_total").increment(1);
        Ok(note)
    }
}

// ---- for the API: versions (ETags) and writes guarded by an expected version ----

/// A note with its version, which every write bumps (the database does it, see migration 0002).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionedNote {
    #[sqlx(flatten)]
    pub note: Note,
    pub version: i64,
}

const VERSIONED_NOTE_SELECT: &str = "SELECT n.id, n.user_id, n.pad_id, p.name AS pad_name, n.name, n.text, n.created_at, n.updated_at, n.version \
     FROM notes n LEFT JOIN pads p ON p.id = n.pad_id";

impl Storage {
    /// The note and its version if it exists and is the user's.
    pub async fn versioned_note(
        &self,
        user_id: i64,
        note_id: i64,
    ) -> Result<Option<VersionedNote>, StorageError> {
        const SQL: &str =
            const_format::concatcp!(VERSIONED_NOTE_SELECT, " WHERE n.id = $1 AND n.user_id = $2");
        Ok(
            db_op!(self, "SELECT", "notes", SQL, pool => sqlx::query_as(SQL).bind(note_id).bind(user_id).fetch_optional(pool).await)?,
        )
    }

    /// Updates the user's note if its version is `expected` (any version when `None`), answering
    /// with the row this statement wrote (`RETURNING`), never one a concurrent writer made;
    /// [`StorageError::InvalidPad`] when the pad is not the user's.
    pub async fn update_note(
        &self,
        user_id: i64,
        note_id: i64,
        changes: &NoteChanges,
        expected: Option<i64>,
    ) -> Result<super::Conditional<VersionedNote>, StorageError> {
        // `version = version + 1` is said here so that RETURNING reports it on SQLite too, whose
        // AFTER trigger (which sets the same value) runs after RETURNING is computed.
        const SQL: &str = "UPDATE notes SET pad_id = $1, name = $2, text = $3, updated_at = $4, version = version + 1 \
             WHERE id = $5 AND user_id = $6 AND ($7 IS NULL OR version = $7) \
             RETURNING id, user_id, pad_id, (SELECT p.name FROM pads p WHERE p.id = notes.pad_id) AS pad_name, name, text, created_at, updated_at, version";
        let written: Option<VersionedNote> =
            db_op!(self, "UPDATE", "notes", SQL, pool => sqlx::query_as(SQL)
            .bind(changes.pad_id)
            .bind(changes.name.as_str())
            .bind(changes.text.as_str())
            .bind(now())
            .bind(note_id)
            .bind(user_id)
            .bind(expected)
            .fetch_optional(pool)
            .await)
            .map_err(|e| classify(e, None, Some(StorageError::InvalidPad)))?;
        match written {
            Some(note) => Ok(super::Conditional::Done(note)),
            None => Ok(super::Conditional::not_written(
                self.versioned_note(user_id, note_id).await?.is_some(),
            )),
        }
    }

    /// Deletes the user's note if its version is `expected` (any version when `None`).
    pub async fn delete_note(
        &self,
        user_id: i64,
        note_id: i64,
        expected: Option<i64>,
    ) -> Result<super::Conditional<()>, StorageError> {
        const SQL: &str =
            "DELETE FROM notes WHERE id = $1 AND user_id = $2 AND ($3 IS NULL OR version = $3)";
        let n = db_op!(self, "DELETE", "notes", SQL, pool => sqlx::query(SQL)
            .bind(note_id)
            .bind(user_id)
            .bind(expected)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        if n == 1 {
            return Ok(super::Conditional::Done(()));
        }
        Ok(super::Conditional::not_written(
            self.versioned_note(user_id, note_id).await?.is_some(),
        ))
    }
}
