//! One request through goose (so goose counts it too), timed by our recorder from its intended
//! send time, and what pages and API calls share after it: why there was no response, the body
//! as text, and recording a failure in both our counts and goose's.

use std::time::Instant;

use goose::goose::{GooseMethod, GooseRequest, GooseResponse, TransactionError};
use goose::metrics::GooseRequestMetric;
use goose::prelude::*;

use super::probe_target;
use crate::recorder::Recorder;

/// The request for `path` on the user's site: one URL parse (goose's own builder parses it twice
/// and formats it in between), or none for the probe's URL, made once ([`probe_target`]).
pub fn request_builder(
    user: &GooseUser,
    method: &GooseMethod,
    path: &str,
) -> Result<reqwest::RequestBuilder, Box<TransactionError>> {
    let url = match probe_target::url_for(path) {
        Some(u) => u.clone(),
        None => user
            .base_url
            .join(path)
            .map_err(|e| Box::new(TransactionError::from(e)))?,
    };
    let method = match method {
        GooseMethod::Delete => reqwest::Method::DELETE,
        GooseMethod::Get => reqwest::Method::GET,
        GooseMethod::Head => reqwest::Method::HEAD,
        GooseMethod::Patch => reqwest::Method::PATCH,
        GooseMethod::Post => reqwest::Method::POST,
        GooseMethod::Put => reqwest::Method::PUT,
        GooseMethod::Custom => return user.get_request_builder(method, path),
    };
    Ok(user.client.request(method, url))
}

/// A request on its way: what it is recorded under, and when it was meant to start.
pub struct Sent<'a> {
    pub rec: &'a Recorder,
    pub journey: &'a str,
    pub name: &'a str,
    pub started: Instant,
}

impl Sent<'_> {
    /// Records the request as a success.
    pub fn passed(&self) {
        self.rec
            .finish(self.journey, self.name, self.started, true, "");
    }

    /// Records the request as failed (here and in goose's counts) and fails the step with `why`.
    pub fn failed<T>(
        &self,
        user: &mut GooseUser,
        why: &str,
        request: &mut GooseRequestMetric,
        body: Option<&str>,
    ) -> Result<T, Box<TransactionError>> {
        self.rec
            .finish(self.journey, self.name, self.started, false, why);
        user.set_failure(why, request, None, body)
            .map(|_| unreachable!("set_failure always fails the step"))
    }
}

/// Sends the request goose-style under `name` (a bounded template, e.g. `GET /notes/{id}/`),
/// after the pacer's slot in rate mode; one goose could not send is recorded as failed.
pub async fn send<'a>(
    user: &mut GooseUser,
    rec: &'a Recorder,
    (journey, name): (&'a str, &'a str),
    (method, path): (GooseMethod, &str),
    builder: reqwest::RequestBuilder,
) -> Result<(Sent<'a>, GooseResponse), Box<TransactionError>> {
    let request = GooseRequest::builder()
        .method(method)
        .path(path)
        .name(name)
        .set_request_builder(builder)
        .build();
    let sent = Sent {
        rec,
        journey,
        name,
        started: rec.begin().await,
    };
    match user.request(request).await {
        Ok(goose) => Ok((sent, goose)),
        Err(e) => {
            rec.finish(journey, name, sent.started, false, "request not sent");
            Err(e)
        }
    }
}

/// Why a request got no response, as the report's Failures table says it.
pub fn no_response(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        format!("no response: {e}")
    }
}

/// The body as text: UTF-8 checked in place (reqwest's `text()` decodes through the lossy path
/// even when the body is valid, at about ten times the cost); invalid bytes are replaced.
pub async fn read_text(response: reqwest::Response) -> Result<String, reqwest::Error> {
    let bytes = response.bytes().await?;
    Ok(match std::str::from_utf8(&bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
    })
}
