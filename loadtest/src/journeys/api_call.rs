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

/// One JSON API request of a journey, said as a builder: `ApiCall::new(journey, "PATCH
/// /api/v1/notes/{id}")` names it (the bounded request name metrics are kept under; its first
/// word is the method, the rest the path unless [`ApiCall::at`] gives the real one), then the
/// bearer token, JSON body, headers and expected status (200 unless said) as needed.
pub struct ApiCall<'a> {
    journey: &'a str,
    name: &'a str,
    path: Option<&'a str>,
    bearer: Option<&'a str>,
    body: Option<&'a serde_json::Value>,
    headers: Vec<(&'a str, &'a str)>,
    status: u16,
}

impl<'a> ApiCall<'a> {
    pub fn new(journey: &'a str, name: &'a str) -> Self {
        Self {
            journey,
            name,
            path: None,
            bearer: None,
            body: None,
            headers: Vec::new(),
            status: 200,
        }
    }

    /// The path sent, when the name's is a pattern (`/api/v1/notes/{id}`).
    pub fn at(mut self, path: &'a str) -> Self {
        self.path = Some(path);
        self
    }

    pub fn bearer(mut self, token: Option<&'a str>) -> Self {
        self.bearer = token;
        self
    }

    pub fn json(mut self, body: &'a serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn header(mut self, name: &'a str, value: &'a str) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn expect(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Sends it and validates the status and, when the answer has a body, that it is JSON.
    pub async fn send(self, user: &mut GooseUser) -> Result<ApiAnswer, Box<TransactionError>> {
        let (method, named_path) = method_and_path(self.name)?;
        let path = self.path.unwrap_or(named_path);
        let rec = recorder::current();
        let mut builder =
            request_builder(user, &method, path)?.header("accept", "application/json");
        if let Some(t) = self.bearer {
            builder = builder.bearer_auth(t);
        }
        if let Some(b) = self.body {
            builder = builder.json(b);
        }
        for (k, v) in &self.headers {
            builder = builder.header(*k, *v);
        }
        let (sent, mut goose) = send(
            user,
            &rec,
            (self.journey, self.name),
            (method, path),
            builder,
        )
        .await?;
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
        let why = match (&json, got == self.status) {
            (_, false) => Some(format!("status {got}, expected {}", self.status)),
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
}

/// The method and path of a request name such as `GET /api/v1/pads`.
fn method_and_path(name: &str) -> Result<(GooseMethod, &str), Box<TransactionError>> {
    let (method, path) = name
        .split_once(' ')
        .ok_or_else(|| format!("request name {name:?} is not \"METHOD /path\""))?;
    let method = match method {
        "GET" => GooseMethod::Get,
        "POST" => GooseMethod::Post,
        "PUT" => GooseMethod::Put,
        "PATCH" => GooseMethod::Patch,
        "DELETE" => GooseMethod::Delete,
        other => return Err(format!("request name {name:?}: no method {other:?}").into()),
    };
    Ok((method, path))
}

/// Fails the step unless `ok`, with `why`.
pub fn ensure(ok: bool, why: impl FnOnce() -> String) -> Result<(), Box<TransactionError>> {
    if ok { Ok(()) } else { Err(why().into()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_name_gives_the_method_and_path() {
        let (method, path) = method_and_path("PATCH /api/v1/notes/{id}").unwrap();
        assert!(matches!(method, GooseMethod::Patch));
        assert_eq!(path, "/api/v1/notes/{id}");
        assert!(method_and_path("/api/v1/pads").is_err());
        assert!(method_and_path("FETCH /api/v1/pads").is_err());
    }
}
