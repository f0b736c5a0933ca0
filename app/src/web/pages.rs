//! The data of each page's template, typed: one struct per page, serialised into the template's
//! context. [`View`] names the template, the frame and the title of each.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{FieldErrors, NoteOrder, smart_date};
use crate::service::NoteListing;
use crate::service::{Note, NoteSummary, Pad};
use crate::web::note_rows::note_rows;

/// Which frame a page uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The narrow centred column of sign in, sign up, forgot password and settings.
    Narrow,
    /// The "My pads" sidebar and the content area.
    WithPads,
}

/// A page: its template, its frame and its title.
pub trait View: Serialize {
    const TEMPLATE: &'static str;
    const LAYOUT: Layout;
    fn title(&self) -> String;
}

macro_rules! view {
    ($page:ty, $template:literal, $layout:ident, |$s:ident| $title:expr) => {
        impl View for $page {
            const TEMPLATE: &'static str = $template;
            const LAYOUT: Layout = Layout::$layout;
            fn title(&self) -> String {
                let $s = self;
                $title.to_string()
            }
        }
    };
}

/// The email field as typed (passwords are never sent back).
#[derive(Debug, Default, Serialize)]
pub struct EmailField {
    pub email: String,
}

#[derive(Debug, Default, Serialize)]
pub struct SignUpPage {
    pub form: EmailField,
    pub errors: FieldErrors,
}
view!(SignUpPage, "signup", Narrow, |_p| "Sign up");

#[derive(Debug, Default, Serialize)]
pub struct SignInPage {
    pub form: EmailField,
    pub errors: FieldErrors,
    /// Where to go after signing in (already checked to be local).
    pub next: Option<String>,
}
view!(SignInPage, "signin", Narrow, |_p| "Sign in");

#[derive(Debug, Default, Serialize)]
pub struct ForgotPasswordPage {
    pub form: EmailField,
    pub errors: FieldErrors,
}
view!(
    ForgotPasswordPage,
    "forgot_password",
    Narrow,
    |_p| "Forgot password?"
);

#[derive(Debug, Default, Serialize)]
pub struct ResetPasswordPage {
    pub token: String,
    pub errors: FieldErrors,
}
view!(
    ResetPasswordPage,
    "reset_password",
    Narrow,
    |_p| "Reset password"
);

#[derive(Debug, Default, Serialize)]
pub struct SettingsPage {
    pub errors: FieldErrors,
}
view!(SettingsPage, "settings", Narrow, |_p| "Account settings");

/// A pad or a note as a link: its id and name.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub id: i64,
    pub name: String,
}

impl From<&Pad> for Link {
    fn from(p: &Pad) -> Self {
        Self {
            id: p.id,
            name: p.name.clone(),
        }
    }
}

impl From<&Note> for Link {
    fn from(n: &Note) -> Self {
        Self {
            id: n.id,
            name: n.name.clone(),
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct NameField {
    pub name: String,
}

/// The pad form: a new pad, or the "Pad settings" of one.
#[derive(Debug, Serialize)]
pub struct PadFormPage {
    pub pad: Option<Link>,
    pub form: NameField,
    pub errors: FieldErrors,
}
view!(PadFormPage, "pad_form", WithPads, |p| if p.pad.is_some() {
    "Pad settings"
} else {
    "New pad"
});

#[derive(Debug, Serialize)]
pub struct PadDeletePage {
    pub pad: Link,
}
view!(PadDeletePage, "pad_delete", WithPads, |p| p.pad.name);

/// The sort links of a list's column headers.
#[derive(Debug, Serialize)]
pub struct SortLinks {
    pub name_desc: String,
    pub name_asc: String,
    pub updated_desc: String,
    pub updated_asc: String,
}

#[derive(Debug, Serialize)]
pub struct Pagination {
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// All notes, or one pad's.
#[derive(Debug, Serialize)]
pub struct NotesListPage {
    pub pad: Option<Link>,
    pub total: i64,
    pub order: &'static str,
    pub sort: SortLinks,
    pub pagination: Option<Pagination>,
    /// The table's rows, already HTML ([`note_rows`]); empty when the list is.
    pub rows: String,
}
view!(NotesListPage, "notes_list", WithPads, |p| match &p.pad {
    Some(pad) => format!("{} ({})", pad.name, p.total),
    None => format!("All notes ({})", p.total),
});

impl NotesListPage {
    /// The page of a listing, its links keeping the order.
    pub fn new(list: NoteListing<NoteSummary>, order: NoteOrder, now: DateTime<Utc>) -> Self {
        let pad = list.pad.as_ref().map(|p| Link::from(&p.pad));
        let base = pad
            .as_ref()
            .map_or_else(|| "/".to_owned(), |p| format!("/pads/{}/", p.id));
        let page_url = |n: i64| format!("{base}?order={}&page={n}", order.as_str());
        let sort_url = |o: NoteOrder| format!("{base}?order={}", o.as_str());
        let (page, pages) = (list.page, list.pages());
        Self {
            total: list.total,
            order: order.as_str(),
            sort: SortLinks {
                name_desc: sort_url(NoteOrder::NameDesc),
                name_asc: sort_url(NoteOrder::NameAsc),
                updated_desc: sort_url(NoteOrder::UpdatedDesc),
                updated_asc: sort_url(NoteOrder::UpdatedAsc),
            },
            pagination: (pages > 1).then(|| Pagination {
                page,
                pages,
                prev: (page > 1).then(|| page_url(page - 1)),
                next: (page < pages).then(|| page_url(page + 1)),
            }),
            rows: note_rows(&list.notes, now, pad.is_none()),
            pad,
        }
    }
}

/// A whole note as its pages show it.
#[derive(Debug, Serialize)]
pub struct NoteView {
    pub id: i64,
    pub name: String,
    pub text: String,
    pub pad_id: Option<i64>,
    pub pad_name: Option<String>,
    pub updated: String,
    pub updated_iso: String,
}

impl NoteView {
    pub fn new(note: Note, now: DateTime<Utc>) -> Self {
        Self {
            updated: smart_date(note.updated_at, now),
            updated_iso: note.updated_at.to_rfc3339(),
            id: note.id,
            name: note.name,
            text: note.text,
            pad_id: note.pad_id,
            pad_name: note.pad_name,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct NotePage {
    pub note: NoteView,
}
view!(NotePage, "note_view", WithPads, |p| p.note.name);

#[derive(Debug, Serialize)]
pub struct NoteDeletePage {
    pub note: NoteView,
}
view!(NoteDeletePage, "note_delete", WithPads, |p| p.note.name);

/// The values of the note form's fields.
#[derive(Debug, Default, Serialize)]
pub struct NoteFields {
    pub name: String,
    pub text: String,
}

/// A pad in the note form's select, `selected` for the chosen one.
#[derive(Debug, Serialize)]
pub struct PadOption {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

/// The note form: a new note, or editing one (`note`).
#[derive(Debug, Serialize)]
pub struct NoteFormPage {
    pub note: Option<Link>,
    pub form: NoteFields,
    pub pad_choices: Vec<PadOption>,
    pub errors: FieldErrors,
}
view!(
    NoteFormPage,
    "note_form",
    WithPads,
    |p| if p.note.is_some() {
        "Edit note"
    } else {
        "New note"
    }
);

impl NoteFormPage {
    /// The form with these values, the user's pads to choose from, `selected` chosen.
    pub fn new(
        note: Option<Link>,
        form: NoteFields,
        pads: &[Pad],
        selected: Option<i64>,
        errors: FieldErrors,
    ) -> Self {
        let pad_choices = pads
            .iter()
            .map(|p| PadOption {
                id: p.id,
                name: p.name.clone(),
                selected: Some(p.id) == selected,
            })
            .collect();
        Self {
            note,
            form,
            pad_choices,
            errors,
        }
    }
}

/// The standalone error page.
#[derive(Debug, Serialize)]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub status: u16,
    pub message: &'a str,
}
