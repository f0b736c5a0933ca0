//! The application core behind both doors: the rules of accounts (sign up, sign in with
//! throttling, password change and reset, API tokens), pads and notes (ownership, validation,
//! ordering, conditional writes). `web/` and `api/` translate HTTP to these calls and their
//! results back to HTTP, nothing more; every rule exists here once.
//!
//! Calls take raw input and parse it into `domain/` types; they return typed results or one
//! [`ServiceError`]. Storage is reached only through here (and `storage::db_op!` below it).

mod accounts;
mod error;
mod notes;
mod pads;
mod pages;
mod tokens;

use url::Url;

use crate::mail::Mailer;
use crate::storage::{SigninThrottle, Storage};

/// The rows the core answers with (the doors read them, never the storage behind them).
pub use crate::storage::{ApiToken, Note, NoteSummary, Pad, User, VersionedNote, VersionedPad};
pub use accounts::SignUp;
pub use error::ServiceError;
pub use notes::{NoteDraft, NoteListing, NotePatch, NoteQuery, PadChoice};
pub use pages::SignedInPage;
pub use tokens::{ApiUser, IssuedToken};

/// What a conditional write asks for (`If-Match` on the API; the pages always write).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Any current version (the resource must exist).
    Any,
    /// This version must be current.
    Version(i64),
    /// Nothing can match (only ETags that are not ours were given).
    Never,
}

impl Precondition {
    /// The version the storage must find (`None` for any); `Never` is refused before any write.
    fn expected(self) -> Option<Option<i64>> {
        match self {
            Self::Any => Some(None),
            Self::Version(v) => Some(Some(v)),
            Self::Never => None,
        }
    }
}

/// The settings of the core.
#[derive(Debug, Clone)]
pub struct Policy {
    /// When repeated failed sign-ins for one email are refused.
    pub throttle: SigninThrottle,
    /// How long a new API token works.
    pub token_ttl: chrono::Duration,
    /// The public address of the site, for links in mails.
    pub base_url: Url,
}

/// The core: cheap to clone, shared by both doors.
#[derive(Clone)]
pub struct Service {
    storage: Storage,
    mailer: Mailer,
    policy: Policy,
}

impl Service {
    pub fn new(storage: Storage, mailer: Mailer, policy: Policy) -> Self {
        Self {
            storage,
            mailer,
            policy,
        }
    }
}
