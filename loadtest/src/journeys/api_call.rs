//! A validated JSON API call: bearer token, JSON body and headers; the status checked and, when
//! the answer has a body, that it is JSON.

use goose::goose::{GooseMethod, TransactionError};
use goose::prelude::*;

use super::request::{no_response, read_text, request_builder, send};
use crate::recorder;

/// A JSON API answer that passed validation.
pub struct ApiAnswer {
    pub json: serde_json::Value,
    pub etag: Option<String>,
}

/// Sends a JSON API request (bearer token, JSON body) and validates the status and, when the
/// answer has a body, that it is JSON. `name` is the bounded request name, e.g. `GET /api/v1/notes/{id}`.
#[allow(clippy::too_many_arguments)]
pub async fn call(
    user: &mut GooseUser,
    journey: &str,
    name: &str,
    method: GooseMethod,
    path: &str,
    bearer: Option<&str>,
    body: Option<&serde_json::Value>,
    headers: &[(&str, &str)],
    status: u16,
) -> Result<ApiAnswer, Box<TransactionError>> {
    let rec = recorder::current();
    let mut builder = request_builder(user, &method, path)?.header("accept", "application/json");
    if let Some(t) = bearer {
        builder = builder.bearer_auth(t);
    }
    if let Some(b) = body {
        builder = builder.json(b);
    }
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let (sent, mut goose) = send(user, &rec, (journey, name), (method, path), builder).await?;
    let response = match goose.response {
        Ok(r) => r,
        Err(e) => return sent.failed(user, &no_response(&e), &mut goose.request, None),
    };
    let got = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = read_text(response).await.unwrap_or_default();
    let json = if text.is_empty() {
        Ok(serde_json::Value::Null)
    } else {
        serde_json::from_str(&text)
    };
    let why = match (&json, got == status) {
        (_, false) => Some(format!("status {got}, expected {status}")),
        (Err(e), true) => Some(format!("the answer is not JSON: {e}")),
        _ => None,
    };
    match why {
        None => {
            sent.passed();
            Ok(ApiAnswer {
                json: json.unwrap_or_default(),
                etag,
            })
        }
        Some(why) => sent.failed(user, &why, &mut goose.request, Some(&text)),
    }
}

/// Fails the step unless `ok`, with `why`.
pub fn ensure(ok: bool, why: impl FnOnce() -> String) -> Result<(), Box<TransactionError>> {
    if ok { Ok(()) } else { Err(why().into()) }
}
