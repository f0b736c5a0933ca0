//! Reading HTML forms strictly, checking their CSRF token, and ids from paths.
//!
//! `application/x-www-form-urlencoded` only (else 415), at most [`MAX_FORM_BYTES`] (else 413), and
//! every name and value must decode to UTF-8 (else 400): nothing is silently replaced or dropped.

use poem::http::header;
use poem::session::Session;
use poem::{FromRequest, Request, RequestBody};

use crate::domain::{FieldErrors, messages};
use crate::error::AppError;
use crate::service::ServiceError;
use crate::web::session::verify_csrf;

/// Largest form body accepted: a note of 100,000 characters of 4-byte UTF-8, percent-encoded, fits.
pub const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// A decoded form: field name to first value.
#[derive(Debug, Default)]
pub struct FormData {
    fields: Vec<(String, String)>,
}

impl FormData {
    /// The field's value, `None` when the field is absent.
    pub fn opt(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The field's value, empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.opt(name).unwrap_or_default()
    }

    /// Parses an urlencoded body, refusing anything that is not UTF-8.
    pub fn parse(body: &[u8]) -> Result<Self, AppError> {
        let mut fields = Vec::new();
        for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let mut parts = pair.splitn(2, |b| *b == b'=');
            let name = decode(parts.next().unwrap_or_default())?;
            let value = decode(parts.next().unwrap_or_default())?;
            fields.push((name, value));
        }
        Ok(Self { fields })
    }
}

fn decode(raw: &[u8]) -> Result<String, AppError> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
    let text = String::from_utf8(bytes)
        .map_err(|_| AppError::BadRequest("The form data is not valid UTF-8."))?;
    // No database stores a NUL inside text (PostgreSQL refuses it), and no browser sends one.
    if text.contains('\0') {
        return Err(AppError::BadRequest(
            "The form data contains a NUL character.",
        ));
    }
    Ok(text)
}

impl<'a> FromRequest<'a> for FormData {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(AppError::UnsupportedMediaType.into());
        }
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_FORM_BYTES as u64) {
            return Err(AppError::PayloadTooLarge.into());
        }
        let bytes = body
            .take()?
            .into_bytes_limit(MAX_FORM_BYTES)
            .await
            .map_err(|e| match e {
                poem::error::ReadBodyError::PayloadTooLarge => AppError::PayloadTooLarge,
                _ => AppError::BadRequest("The request body could not be read."),
            })?;
        Ok(Self::parse(&bytes)?)
    }
}

/// A posted form whose CSRF token matched the session's (else 403): every state-changing page
/// takes its fields through this, so the check exists once.
pub struct CheckedForm(pub FormData);

impl<'a> FromRequest<'a> for CheckedForm {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let form = FormData::from_request(req, body).await?;
        let session = req
            .extensions()
            .get::<Session>()
            .expect("CookieSession wraps every page");
        verify_csrf(session, form.opt("csrf_token"))?;
        Ok(Self(form))
    }
}

impl std::ops::Deref for CheckedForm {
    type Target = FormData;
    fn deref(&self) -> &FormData {
        &self.0
    }
}

/// The field errors a form shows again after a failed call (an email that is taken is one of
/// them), or the error to answer with.
pub fn form_errors(err: ServiceError) -> Result<FieldErrors, AppError> {
    match err {
        ServiceError::Invalid(errors) => Ok(errors),
        ServiceError::EmailTaken => {
            let mut errors = FieldErrors::default();
            errors.add("email", messages::EMAIL_TAKEN);
            Ok(errors)
        }
        other => Err(other.into()),
    }
}

/// Parses an id from the path: a positive integer that fits in i64, else 404.
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(id),
        _ => Err(AppError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_percent_and_utf8() {
        let f = FormData::parse(b"name=caf%C3%A9+au+lait&empty=&flag&name=second").unwrap();
        assert_eq!(f.get("name"), "café au lait");
        assert_eq!(f.opt("empty"), Some(""));
        assert_eq!(f.opt("flag"), Some(""));
        assert_eq!(f.opt("missing"), None);
        assert_eq!(f.get("text"), "");
    }

    #[test]
    fn ids() {
        assert_eq!(parse_id("42").unwrap(), 42);
        for bad in [
            "0",
            "-1",
            "+1",
            "abc",
            "1.5",
            "99999999999999999999999",
            "",
            " 1",
        ] {
            assert!(parse_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn refuses_invalid_utf8() {
        assert!(matches!(
            FormData::parse(b"name=%FF%FE"),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            FormData::parse(b"name=\xff"),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            FormData::parse(b"name=a%00b"),
            Err(AppError::BadRequest(_))
        ));
    }
}
