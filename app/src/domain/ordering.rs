//! The sort orders of note lists.

/// How a list of notes is sorted: `?order=` takes `name`, `-name`, `updated_at`, `-updated_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoteOrder {
    NameAsc,
    NameDesc,
    UpdatedAsc,
    /// Newest first: the default and the fallback for any unknown value.
    #[default]
    UpdatedDesc,
}

impl NoteOrder {
    /// Parses a query value; anything unknown falls back to the default.
    pub fn from_query(value: Option<&str>) -> Self {
        Self::parse_strict(value.unwrap_or_default()).unwrap_or_default()
    }

    /// Parses a value, `None` when it is not one of the four.
    pub fn parse_strict(value: &str) -> Option<Self> {
        match value {
            "name" => Some(Self::NameAsc),
            "-name" => Some(Self::NameDesc),
            "updated_at" => Some(Self::UpdatedAsc),
            "-updated_at" => Some(Self::UpdatedDesc),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NameAsc => "name",
            Self::NameDesc => "-name",
            Self::UpdatedAsc => "updated_at",
            Self::UpdatedDesc => "-updated_at",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip_and_others_fall_back() {
        for v in ["name", "-name", "updated_at", "-updated_at"] {
            assert_eq!(NoteOrder::from_query(Some(v)).as_str(), v);
        }
        for v in [None, Some(""), Some("id; DROP TABLE notes"), Some("NAME")] {
            assert_eq!(NoteOrder::from_query(v), NoteOrder::UpdatedDesc);
        }
    }
}
