//! The OpenAPI document: poem-openapi writes it from the types; [`finish`] adds what the request
//! types cannot say because their fields are parsed leniently (so a missing or invalid field gets
//! the pages' own message in a 422, not a generic parse error): which fields are required, and
//! the length rules of the domain types.

use serde_json::{Value, json};

use crate::domain::{Email, NoteText, Password};

/// The longest pad or note name (the rule itself is `crate::domain::PadName` / `NoteName`;
/// a unit test below keeps the two in step).
const NAME_MAX: usize = 100;

pub const DESCRIPTION: &str = "\
The JSON API of Notejam: the same accounts, pads and notes as the pages, with the same rules.

**Authentication**: create an account with `POST /users`, exchange email and password for a bearer \
token with `POST /tokens`, and send it as `Authorization: Bearer <token>`. A token expires after 30 \
days unless the server sets another lifetime (`NOTEJAM_API_TOKEN_TTL`); its `expires_at` says when and is revoked by `DELETE /tokens/{id}` or any \
password change. A missing, unknown, expired or revoked token gets 401 with `WWW-Authenticate: Bearer`.

**Concurrency**: every pad and note has an `ETag`. Send it back in `If-Match` when you change or \
delete it: if someone changed it in the meantime you get 412 instead of overwriting their change.

**Errors** are `application/problem+json` (RFC 9457). A 422 has an `errors` object that maps each \
field to its messages, in the words of the pages. Someone else's pad or note is a 404, like a \
missing one. Failed token requests for one email are throttled (429 with `Retry-After`).";

/// A request schema: its required fields, and extra keywords per property.
type SchemaRules<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, &'a Value)]);

/// Adds the required fields and the domain's length rules to the request schemas.
pub fn finish(spec: &str) -> String {
    let mut doc: Value = serde_json::from_str(spec).expect("poem-openapi writes valid JSON");
    let name = json!({"minLength": 1, "maxLength": NAME_MAX, "pattern": "\\S"});
    let text = json!({"minLength": 1, "maxLength": NoteText::MAX_LEN, "pattern": "\\S"});
    let email = json!({"format": "email", "maxLength": Email::MAX_LEN});
    let new_password = json!({"minLength": Password::MIN_LEN, "maxLength": Password::MAX_LEN, "format": "password"});
    let any_password = json!({"minLength": 1, "format": "password"});
    let rules: [SchemaRules; 6] = [
        (
            "NewUser",
            &["email", "password"],
            &[("email", &email), ("password", &new_password)],
        ),
        (
            "Credentials",
            &["email", "password"],
            &[("email", &email), ("password", &any_password)],
        ),
        (
            "PasswordChange",
            &["old_password", "new_password"],
            &[
                ("old_password", &any_password),
                ("new_password", &new_password),
            ],
        ),
        ("PadInput", &["name"], &[("name", &name)]),
        (
            "NoteInput",
            &["name", "text"],
            &[("name", &name), ("text", &text)],
        ),
        ("NotePatch", &[], &[("name", &name), ("text", &text)]),
    ];
    for (schema, required, fields) in rules {
        let Some(obj) = doc.pointer_mut(&format!("/components/schemas/{schema}")) else {
            panic!("the document has no schema {schema}");
        };
        if !required.is_empty() {
            obj["required"] = json!(required);
        }
        for (field, extra) in fields {
            let prop = obj
                .pointer_mut(&format!("/properties/{field}"))
                .unwrap_or_else(|| panic!("schema {schema} has no property {field}"));
            for (k, v) in extra.as_object().expect("rules are objects") {
                prop[k] = v.clone();
            }
        }
    }
    // poem-openapi writes `Option<T>` as a plain optional property; these ones can be `null`.
    for (schema, field) in [
        ("NoteOut", "pad_id"),
        ("NoteOut", "pad_name"),
        ("NoteList", "next_page"),
        ("NoteInput", "pad_id"),
        ("NotePatch", "pad_id"),
    ] {
        let prop = doc
            .pointer_mut(&format!("/components/schemas/{schema}/properties/{field}"))
            .unwrap_or_else(|| panic!("schema {schema} has no property {field}"));
        prop["nullable"] = json!(true);
    }
    // Every error response shows an example of its own status, made by the code that answers it.
    for ops in doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut())
    {
        for op in ops.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
            for (status, resp) in op["responses"]
                .as_object_mut()
                .into_iter()
                .flat_map(|r| r.iter_mut())
            {
                if let (Ok(code), Some(media)) = (
                    status.parse::<u16>(),
                    resp.pointer_mut("/content/application~1problem+json"),
                ) && let Some(example) = problem_example(code)
                {
                    media["example"] = example;
                }
            }
        }
    }
    serde_json::to_string_pretty(&doc).expect("a JSON value serialises")
}

/// The problem document the API answers with for this status, as an example.
fn problem_example(status: u16) -> Option<Value> {
    use super::problem::{self, ApiError, FieldErrors, Problem};
    use poem::http::StatusCode;
    let problem = match status {
        400 => Problem::status(StatusCode::BAD_REQUEST, problem::UNREADABLE_BODY),
        401 => {
            ApiError::Unauthorized(super::auth::INVALID_TOKEN)
                .problem()
                .0
        }
        404 => ApiError::NotFound("No such note among yours.").problem().0,
        409 => ApiError::EmailTaken.problem().0,
        412 => ApiError::PreconditionFailed.problem().0,
        413 => Problem::status(StatusCode::PAYLOAD_TOO_LARGE, problem::TOO_LARGE),
        415 => Problem::status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            problem::NOT_JSON_MEDIA_TYPE,
        ),
        422 => {
            let mut errors = FieldErrors::default();
            errors.add("name", crate::domain::messages::REQUIRED);
            errors.add("pad_id", problem::MUST_BE_INTEGER_OR_NULL);
            ApiError::Validation(errors).problem().0
        }
        429 => ApiError::Throttled(900).problem().0,
        500 => problem::internal_problem(),
        503 => ApiError::Unavailable.problem().0,
        _ => return None,
    };
    poem_openapi::types::ToJSON::to_json(&problem)
}

/// The JSON type a field of a request body must have (from the document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyField {
    pub name: String,
    /// `string` or `integer`.
    pub ty: String,
    pub nullable: bool,
}

/// What the error layer needs to know of the documented operations, per path template (split at
/// `/`, under `/v1`).
#[derive(Debug, Default)]
pub struct Operations {
    /// The methods of each path, for the `Allow` header of a 405.
    pub allowed: Vec<(Vec<String>, String)>,
    /// Each operation that takes a JSON body: its path, its method (upper case) and the JSON types
    /// of its body's fields, to say which field broke a body.
    pub bodies: Vec<(Vec<String>, String, Vec<BodyField>)>,
}

/// Reads the operations from the finished document, in one pass.
pub fn operations(spec: &str) -> Operations {
    let doc: Value = serde_json::from_str(spec).expect("the document is JSON");
    let mut out = Operations::default();
    for (path, ops) in doc["paths"].as_object().into_iter().flatten() {
        let template: Vec<String> = format!("/v1{path}").split('/').map(str::to_owned).collect();
        let mut methods = Vec::new();
        for (method, op) in ops.as_object().into_iter().flatten() {
            methods.push(method.to_uppercase());
            // poem-openapi writes `application/json; charset=utf-8`.
            let Some(reference) = op["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
                .find(|(media, _)| media.starts_with("application/json"))
                .and_then(|(_, media)| media.pointer("/schema/$ref"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            let schema = reference.trim_start_matches('#');
            let fields = doc
                .pointer(&format!("{schema}/properties"))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, prop)| BodyField {
                    name: name.clone(),
                    ty: prop["type"].as_str().unwrap_or_default().to_owned(),
                    nullable: prop["nullable"] == json!(true),
                })
                .collect();
            out.bodies
                .push((template.clone(), method.to_uppercase(), fields));
        }
        methods.sort();
        out.allowed.push((template, methods.join(", ")));
    }
    out
}

/// Why a JSON body did not parse, field by field: each field whose JSON type is wrong. `Err` with
/// a detail when the body is not a JSON object at all.
pub fn type_errors(
    fields: &[BodyField],
    body: &[u8],
) -> Result<super::problem::FieldErrors, &'static str> {
    use super::problem::{self, FieldErrors};
    let value: Value = serde_json::from_slice(body).map_err(|_| problem::NOT_JSON)?;
    let object = value.as_object().ok_or(problem::NOT_AN_OBJECT)?;
    let mut errors = FieldErrors::default();
    for field in fields {
        let Some(v) = object.get(&field.name) else {
            continue;
        };
        let fits = match field.ty.as_str() {
            "string" => v.is_string(),
            "integer" => v.is_i64(),
            _ => true,
        } || (field.nullable && v.is_null());
        if !fits {
            let message = match (field.ty.as_str(), field.nullable) {
                ("integer", false) => problem::MUST_BE_INTEGER,
                ("integer", true) => problem::MUST_BE_INTEGER_OR_NULL,
                (_, false) => problem::MUST_BE_STRING,
                (_, true) => problem::MUST_BE_STRING_OR_NULL,
            };
            errors.add(&field.name, message);
        }
    }
    Ok(errors)
}

/// Whether a request path (under `/api`, e.g. `/v1/notes/7`) matches a path template.
pub fn matches(template: &[String], path: &str) -> bool {
    let mut segments = path.trim_end_matches('/').split('/');
    template.iter().all(|t| {
        segments
            .next()
            .is_some_and(|s| t == s || (t.starts_with('{') && !s.is_empty()))
    }) && segments.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{NoteName, PadName};

    #[test]
    fn the_documented_name_length_is_the_domain_rule() {
        let longest = "n".repeat(NAME_MAX);
        assert!(PadName::parse(&longest).is_ok());
        assert!(NoteName::parse(&longest).is_ok());
        assert!(PadName::parse(&format!("{longest}n")).is_err());
        assert!(NoteName::parse(&format!("{longest}n")).is_err());
    }

    /// The document's error examples once logged "API request answered 503" (and the 500's
    /// error) at every start, as if those requests had been answered.
    #[test]
    fn the_error_examples_are_written_without_a_log_line() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tracing_subscriber::layer::{Context, SubscriberExt};

        struct CountEvents(Arc<AtomicUsize>);
        impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CountEvents {
            fn on_event(&self, _: &tracing::Event<'_>, _: Context<'_, S>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let events = Arc::new(AtomicUsize::new(0));
        let subscriber = tracing_subscriber::registry().with(CountEvents(events.clone()));
        tracing::subscriber::with_default(subscriber, || {
            for status in [400, 401, 404, 409, 412, 413, 415, 422, 429, 500, 503] {
                let example = problem_example(status).expect("every documented status has one");
                assert_eq!(example["status"], status, "{example}");
            }
            // The counter counts: an event is seen.
            tracing::warn!("one on purpose");
        });
        assert_eq!(events.load(Ordering::SeqCst), 1);
    }
}
