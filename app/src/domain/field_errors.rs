//! Field errors of a form or a JSON body: field name to its messages, in the words users see.

use std::collections::BTreeMap;

/// Field name to messages, in the order they were found; both doors show it as it is (the pages
/// beside each input, the API in a 422's `errors`).
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: &str) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.to_owned());
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the parsed value, or records its message under `field` and returns `None`.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, &'static str>) -> Option<T> {
        parsed.map_err(|message| self.add(field, message)).ok()
    }

    /// Moves one field's messages under another name (a door that calls the field otherwise).
    pub fn rename(&mut self, from: &str, to: &str) {
        if let Some(messages) = self.0.remove(from) {
            self.0.entry(to.to_owned()).or_default().extend(messages);
        }
    }

    /// Every field and its messages.
    pub fn into_map(self) -> BTreeMap<String, Vec<String>> {
        self.0
    }
}
