//! Validated domain types and the rules shared by the pages and the API.
//!
//! Each type can only hold a valid value ("parse, don't validate"); its `parse` returns the exact
//! user-facing message of the Notejam spec when the input is not acceptable.

mod field_errors;
mod fields;
mod ordering;
mod smart_date;

pub use field_errors::FieldErrors;
pub use fields::{Email, NoteName, NoteText, PadName, Password, messages};
pub use ordering::NoteOrder;
pub use smart_date::{smart_date, write_rfc3339, write_smart_date};
