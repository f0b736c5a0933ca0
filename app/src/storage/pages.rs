//! What a signed-in page reads, in one statement: the user its session names, the user's pads
//! (the "My pads" sidebar) and the page's own rows (a page of notes and, when it cannot be told
//! from the page, the list's total; or one note).
//!
//! One round trip per page instead of three or four: on `GET /` with 50 notes the separate
//! statements (user, pads, notes, count) cost PostgreSQL nearly as much CPU as the whole app, most
//! of it per statement rather than per row (see docs/performance.md). The parts are `UNION ALL`ed
//! into rows of one shape: `kind` says which part a row belongs to, `pos` its place in that part,
//! and each part fills the columns it has (the others are NULL).
//!
//! That is PostgreSQL's way. SQLite runs in the process, so a round trip costs it no network,
//! and it executes the combined statement's window functions and merge of sorted parts several
//! times slower than the separate statements (measured with SQLite 3.40: about 190 µs against
//! 32 µs for user, pads and a page of 50 notes): on SQLite the same answer comes from those.

use chrono::{DateTime, Utc};

use super::notes::{NoteRange, order_clause};
use super::{
    Backend, Note, NotePage, NoteSummary, Pad, Storage, StorageError, User, VersionedNote,
    VersionedPad, db_op,
};
use crate::domain::NoteOrder;

/// The signed-in frame of a page: the user the session names (if they still exist; the caller
/// checks that the session's password fingerprint is theirs) and their pads by name.
#[derive(Debug, Clone)]
pub struct FrameRows {
    pub user: Option<User>,
    pub pads: Vec<Pad>,
}

/// A note list page: its frame, the pad it lists (when it lists one, if it is the user's) and one
/// page of the list with the list's total.
#[derive(Debug, Clone)]
pub struct ListPageRows {
    pub frame: FrameRows,
    pub pad: Option<VersionedPad>,
    pub list: NotePage<NoteSummary>,
}

/// A note's page: its frame and the note, if it exists and is the user's.
#[derive(Debug, Clone)]
pub struct NotePageRows {
    pub frame: FrameRows,
    pub note: Option<VersionedNote>,
}

const USER: i32 = 0;
const PAD: i32 = 1;
const NOTE: i32 = 2;
const TOTAL: i32 = 3;

/// One row of a combined statement (see the module's comment).
#[derive(sqlx::FromRow)]
struct PartRow {
    kind: i32,
    id: i64,
    name: Option<String>,
    pad_id: Option<i64>,
    pad_name: Option<String>,
    /// The user's password hash, or the note's text.
    body: Option<String>,
    created_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
    version: Option<i64>,
}

/// The user (`$1`), first: its columns name the result's and fix their types (PostgreSQL resolves
/// a `UNION` pairwise, so an untyped NULL here would become text).
const USER_PART: &str = "SELECT 0 AS kind, CAST(0 AS BIGINT) AS pos, u.id, u.email AS name, \
     CAST(NULL AS BIGINT) AS pad_id, CAST(NULL AS TEXT) AS pad_name, u.password_hash AS body, \
     u.created_at, CAST(NULL AS TIMESTAMPTZ) AS updated_at, CAST(NULL AS BIGINT) AS version \
     FROM users u WHERE u.id = $1";
/// The user's pads in the sidebar's order.
const PADS_PART: &str = "SELECT 1, ROW_NUMBER() OVER (ORDER BY lower(p.name), p.id), p.id, p.name, \
     NULL, NULL, NULL, p.created_at, NULL, p.version FROM pads p WHERE p.user_id = $1";
const ORDER_BY_PART: &str = "ORDER BY kind, pos";

const NOTE_SQL: &str = const_format::concatcp!(
    USER_PART,
    " UNION ALL ",
    PADS_PART,
    " UNION ALL SELECT 2, 0, n.id, n.name, n.pad_id, p.name, n.text, n.created_at, n.updated_at, n.version \
     FROM notes n LEFT JOIN pads p ON p.id = n.pad_id WHERE n.id = $2 AND n.user_id = $1 ",
    ORDER_BY_PART
);

/// The list statement of an order and a page size, for all the user's notes (`$1` user, `$2`
/// offset) or one pad's (`$1` user, `$2` pad, `$3` offset). Separate statements rather than
/// `($2 IS NULL OR pad_id = $2)`, so that each keeps one plan; the limit is part of the text
/// because SQLite (3.51) plans with a bound LIMIT's value and so prepares the statement again
/// each time one is bound (about a million instructions for this one).
///
/// The page asks for one row more than it shows: a page that comes back short is the end of the
/// list and gives the total (most lists fit on one page); only when the extra row exists, or an
/// empty page past the first leaves the total open, does the `COUNT` part run.
fn list_sql(order: NoteOrder, one_pad: bool, rows: i64) -> String {
    let (filter, offset) = if one_pad {
        ("n.user_id = $1 AND n.pad_id = $2", "$3")
    } else {
        ("n.user_id = $1", "$2")
    };
    let order = order_clause(order);
    format!(
        "WITH page AS (SELECT n.id, n.name, n.pad_id, p.name AS pad_name, n.updated_at, \
         ROW_NUMBER() OVER (ORDER BY {order}) AS pos \
         FROM notes n LEFT JOIN pads p ON p.id = n.pad_id WHERE {filter} \
         ORDER BY {order} LIMIT {rows} OFFSET {offset}) \
         {USER_PART} UNION ALL {PADS_PART} \
         UNION ALL SELECT 2, pos, id, name, pad_id, pad_name, NULL, NULL, updated_at, NULL FROM page \
         UNION ALL SELECT 3, 0, (SELECT COUNT(*) FROM notes n WHERE {filter}), NULL, NULL, NULL, NULL, NULL, NULL, NULL \
         WHERE (SELECT COUNT(*) FROM page) = {rows} OR ({offset} > 0 AND NOT EXISTS (SELECT 1 FROM page)) \
         {ORDER_BY_PART}"
    )
}

/// The parts of a combined statement's rows.
#[derive(Default)]
struct Parts {
    user: Option<User>,
    pads: Vec<VersionedPad>,
    notes: Vec<PartRow>,
    total: Option<i64>,
}

fn split(user_id: i64, rows: Vec<PartRow>) -> Parts {
    let mut parts = Parts::default();
    for row in rows {
        match row.kind {
            USER => {
                parts.user = Some(User {
                    id: row.id,
                    email: row.name.unwrap_or_default(),
                    password_hash: row.body.unwrap_or_default(),
                    created_at: row.created_at.unwrap_or_default(),
                });
            }
            PAD => parts.pads.push(VersionedPad {
                pad: Pad {
                    id: row.id,
                    user_id,
                    name: row.name.unwrap_or_default(),
                    created_at: row.created_at.unwrap_or_default(),
                },
                version: row.version.unwrap_or_default(),
            }),
            NOTE => parts.notes.push(row),
            TOTAL => parts.total = Some(row.id),
            _ => {}
        }
    }
    parts
}

impl Storage {
    /// A note list page: the frame, the pad listed (if it is the user's), one page of the user's
    /// notes (all of them, or one pad's), sorted, and the list's total.
    pub async fn list_page(&self, range: NoteRange) -> Result<ListPageRows, StorageError> {
        let (user_id, pad_id) = (range.user_id, range.pad_id);
        if self.backend() == Backend::Sqlite {
            let frame = self.frame_rows(user_id).await?;
            let pad = match pad_id {
                Some(id) => self.versioned_pad(user_id, id).await?,
                None => None,
            };
            let list = self.list_notes(range).await?;
            return Ok(ListPageRows { frame, pad, list });
        }
        let sql = list_sql(range.order, pad_id.is_some(), range.limit + 1);
        let rows: Vec<PartRow> = db_op!(self, "SELECT", "notes", sql, pool => {
            let query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(user_id);
            let query = match pad_id {
                Some(pad) => query.bind(pad),
                None => query,
            };
            query.bind(range.offset).fetch_all(pool).await
        })?;
        let Parts {
            user,
            pads,
            notes,
            total,
        } = split(user_id, rows);
        let mut notes: Vec<NoteSummary> = notes
            .into_iter()
            .map(|n| NoteSummary {
                id: n.id,
                pad_id: n.pad_id,
                pad_name: n.pad_name,
                name: n.name.unwrap_or_default(),
                updated_at: n.updated_at.unwrap_or_default(),
            })
            .collect();
        notes.truncate(usize::try_from(range.limit).unwrap_or(0));
        let total = total.unwrap_or(range.offset + notes.len() as i64);
        let pad = pad_id.and_then(|id| pads.iter().find(|p| p.pad.id == id).cloned());
        Ok(ListPageRows {
            frame: frame(user, pads),
            pad,
            list: NotePage { notes, total },
        })
    }

    /// A note's page: the frame and the note if it exists and is the user's.
    pub async fn note_page(
        &self,
        user_id: i64,
        note_id: i64,
    ) -> Result<NotePageRows, StorageError> {
        if self.backend() == Backend::Sqlite {
            let frame = self.frame_rows(user_id).await?;
            let note = self.versioned_note(user_id, note_id).await?;
            return Ok(NotePageRows { frame, note });
        }
        let rows: Vec<PartRow> = db_op!(self, "SELECT", "notes", NOTE_SQL, pool => sqlx::query_as(NOTE_SQL)
            .bind(user_id)
            .bind(note_id)
            .fetch_all(pool)
            .await)?;
        let Parts {
            user,
            pads,
            mut notes,
            ..
        } = split(user_id, rows);
        let note = notes.pop().map(|n| VersionedNote {
            note: Note {
                id: n.id,
                user_id,
                pad_id: n.pad_id,
                pad_name: n.pad_name,
                name: n.name.unwrap_or_default(),
                text: n.body.unwrap_or_default(),
                created_at: n.created_at.unwrap_or_default(),
                updated_at: n.updated_at.unwrap_or_default(),
            },
            version: n.version.unwrap_or_default(),
        });
        Ok(NotePageRows {
            frame: frame(user, pads),
            note,
        })
    }

    /// The frame in separate statements (SQLite's way, see the module's comment).
    async fn frame_rows(&self, user_id: i64) -> Result<FrameRows, StorageError> {
        Ok(FrameRows {
            user: self.user_by_id(user_id).await?,
            pads: self.pads_of(user_id).await?,
        })
    }
}

fn frame(user: Option<User>, pads: Vec<VersionedPad>) -> FrameRows {
    FrameRows {
        user,
        pads: pads.into_iter().map(|p| p.pad).collect(),
    }
}
