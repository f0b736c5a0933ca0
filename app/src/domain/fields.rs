//! Field types: email, password, pad and note names, note text.

/// The exact words users see, shared by the pages and the API.
pub mod messages {
    pub const REQUIRED: &str = "This field is required.";
    pub const INVALID_EMAIL: &str = "Invalid email address.";
    pub const EMAIL_TAKEN: &str = "User with this email is already signed up";
    pub const PASSWORDS_DIFFER: &str = "Your passwords do not match";
    pub const NEW_PASSWORDS_DIFFER: &str = "Your passwords don't match";
    pub const PASSWORD_TOO_SHORT: &str = "Password must be at least 8 characters long.";
    pub const PASSWORD_TOO_LONG: &str = "Password cannot be longer than 1024 characters.";
    pub const WRONG_OLD_PASSWORD: &str = "Incorrect old password";
    pub const NAME_TOO_LONG: &str = "Field cannot be longer than 100 characters.";
    pub const TEXT_TOO_LONG: &str = "Field cannot be longer than 100000 characters.";
    pub const NOT_A_VALID_CHOICE: &str = "Not a valid choice";
    pub const WRONG_CREDENTIALS: &str = "Wrong email or password";
    pub const NUL_CHARACTER: &str = "Field cannot contain a NUL character.";
}

use messages::*;

/// A syntactically valid email address, lower-cased, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let value = input.trim();
        if value.is_empty() {
            return Err(REQUIRED);
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(INVALID_EMAIL);
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return Err(INVALID_EMAIL);
        };
        // The address must have a dotted domain (as WTForms' validator asks) and be RFC 5322 valid.
        let dotted = domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.');
        if local.is_empty() || !dotted || !email_address::EmailAddress::is_valid(value) {
            return Err(INVALID_EMAIL);
        }
        Ok(Self(value.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 8 to 1024 characters, kept exactly as typed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 8;
    pub const MAX_LEN: usize = 1024;

    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let len = input.chars().count();
        if input.is_empty() {
            Err(REQUIRED)
        } else if len < Self::MIN_LEN {
            Err(PASSWORD_TOO_SHORT)
        } else if len > Self::MAX_LEN {
            Err(PASSWORD_TOO_LONG)
        } else {
            Ok(Self(input.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

fn parse_name(input: &str) -> Result<String, &'static str> {
    let value = input.trim();
    if value.is_empty() {
        Err(REQUIRED)
    } else if value.contains('\0') {
        // No database stores a NUL inside text: PostgreSQL refuses it.
        Err(NUL_CHARACTER)
    } else if value.chars().count() > 100 {
        Err(NAME_TOO_LONG)
    } else {
        Ok(value.to_owned())
    }
}

/// A pad's name: 1 to 100 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PadName(String);

impl PadName {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        parse_name(input).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A note's name: 1 to 100 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteName(String);

impl NoteName {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        parse_name(input).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A note's text: 1 to 100,000 characters, not blank, kept as typed (line breaks normalised to `\n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteText(String);

impl NoteText {
    pub const MAX_LEN: usize = 100_000;

    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let value = input.replace("\r\n", "\n");
        if value.trim().is_empty() {
            Err(REQUIRED)
        } else if value.contains('\0') {
            Err(NUL_CHARACTER)
        } else if value.chars().count() > Self::MAX_LEN {
            Err(TEXT_TOO_LONG)
        } else {
            Ok(Self(value))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("  User@Example.COM ").unwrap().as_str(),
            "user@example.com"
        );
        assert_eq!(Email::parse("").unwrap_err(), REQUIRED);
        assert_eq!(Email::parse("   ").unwrap_err(), REQUIRED);
        for bad in [
            "plain",
            "a@b",
            "@example.com",
            "a@.com",
            "a b@example.com",
            "a@example.com.",
            "a\0b@example.com",
        ] {
            assert_eq!(Email::parse(bad).unwrap_err(), INVALID_EMAIL, "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err(), INVALID_EMAIL);
    }

    #[test]
    fn passwords() {
        assert_eq!(Password::parse("").unwrap_err(), REQUIRED);
        assert_eq!(Password::parse("1234567").unwrap_err(), PASSWORD_TOO_SHORT);
        assert!(Password::parse("12345678").is_ok());
        assert_eq!(
            Password::parse(&"x".repeat(1025)).unwrap_err(),
            PASSWORD_TOO_LONG
        );
        assert!(!format!("{:?}", Password::parse("secret-pass").unwrap()).contains("secret"));
    }

    #[test]
    fn names_count_characters_not_bytes() {
        assert_eq!(
            PadName::parse(&"é".repeat(100))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            100
        );
        assert_eq!(PadName::parse(&"é".repeat(101)).unwrap_err(), NAME_TOO_LONG);
        assert_eq!(NoteName::parse(" \t ").unwrap_err(), REQUIRED);
        assert_eq!(NoteName::parse("  x ").unwrap().as_str(), "x");
        assert_eq!(PadName::parse("a\0b").unwrap_err(), NUL_CHARACTER);
        assert_eq!(NoteName::parse("\0").unwrap_err(), NUL_CHARACTER);
    }

    #[test]
    fn note_text() {
        assert_eq!(NoteText::parse("a\r\nb").unwrap().as_str(), "a\nb");
        assert_eq!(NoteText::parse("\n \n").unwrap_err(), REQUIRED);
        assert_eq!(NoteText::parse("a\0").unwrap_err(), NUL_CHARACTER);
        assert!(NoteText::parse(&"x".repeat(100_000)).is_ok());
        assert_eq!(
            NoteText::parse(&"x".repeat(100_001)).unwrap_err(),
            TEXT_TOO_LONG
        );
    }
}
