//! One validated request: send it through goose (so goose counts it too), time it ourselves
//! (microseconds, from the intended send time), read the page and check it.

use std::borrow::Cow;

use goose::goose::{GooseMethod, GooseRequest, GooseResponse, TransactionError};
use goose::metrics::GooseRequestMetric;
use goose::prelude::*;

use crate::recorder;

/// What a response must look like to count as a success.
#[derive(Debug, Default)]
pub struct Expect<'a> {
    /// Status of the final response (after redirects).
    pub status: u16,
    /// The path (and query) the user must end up on, after redirects.
    pub lands_on: Option<&'a str>,
    /// Text the body must contain.
    pub contains: Vec<Cow<'a, str>>,
}

impl<'a> Expect<'a> {
    pub fn ok() -> Self {
        Expect {
            status: 200,
            ..Default::default()
        }
    }
    pub fn landing(mut self, path: &'a str) -> Self {
        self.lands_on = Some(path);
        self
    }
    pub fn containing(mut self, text: impl Into<Cow<'a, str>>) -> Self {
        self.contains.push(text.into());
        self
    }
}

/// A page that passed validation.
pub struct Page {
    pub body: String,
}

impl Page {
    /// The CSRF token of the page's form, as a browser would submit it.
    pub fn csrf_token(&self) -> Option<String> {
        attr_after(&self.body, r#"name="csrf_token" value=""#)
    }
}

/// The value that follows `marker` up to the next `"`.
pub fn attr_after(body: &str, marker: &str) -> Option<String> {
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// The id in the first link `href="{prefix}{id}/"` whose text is exactly `text`.
pub fn link_id(body: &str, prefix: &str, text: &str) -> Option<i64> {
    // The app escapes text and quoted attributes alike: `& < > " '` (app/src/web/render.rs).
    let needle = format!("\">{}</a>", html_escape::encode_quoted_attribute(text));
    let mut rest = body;
    while let Some(i) = rest.find(&format!("href=\"{prefix}")) {
        let after = &rest[i + 6 + prefix.len()..];
        let end = after.find('/')?;
        if let Ok(id) = after[..end].parse::<i64>()
            && after[end..].starts_with(&format!("/{needle}"))
        {
            return Some(id);
        }
        rest = &after[end..];
    }
    None
}

/// The request for `path` on the user's site: one URL parse (goose's own builder parses it twice
/// and formats it in between), or none for the probe's URL, made once ([`super::probe_target`]).
pub fn request_builder(
    user: &GooseUser,
    method: &GooseMethod,
    path: &str,
) -> Result<reqwest::RequestBuilder, Box<TransactionError>> {
    let url = match super::probe_target::url_for(path) {
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

/// Sends a GET (`form: None`) or a form POST, follows redirects like a browser, and validates.
/// `name` is the bounded request name metrics are kept under, e.g. `GET /notes/{id}/`.
pub async fn visit(
    user: &mut GooseUser,
    journey: &str,
    name: &str,
    path: &str,
    form: Option<&[(&str, &str)]>,
    expect: Expect<'_>,
) -> Result<Page, Box<TransactionError>> {
    let rec = recorder::current();
    let (method, builder) = match form {
        None => (
            GooseMethod::Get,
            request_builder(user, &GooseMethod::Get, path)?,
        ),
        Some(fields) => (
            GooseMethod::Post,
            request_builder(user, &GooseMethod::Post, path)?.form(fields),
        ),
    };
    let request = GooseRequest::builder()
        .method(method)
        .path(path)
        .name(name)
        .set_request_builder(builder)
        .build();
    let started = rec.begin().await;
    let goose = match user.request(request).await {
        Ok(g) => g,
        Err(e) => {
            rec.finish(journey, name, started, false, "request not sent");
            return Err(e);
        }
    };
    check(user, rec.as_ref(), journey, name, started, goose, expect).await
}

async fn check(
    user: &mut GooseUser,
    rec: &recorder::Recorder,
    journey: &str,
    name: &str,
    started: std::time::Instant,
    mut goose: GooseResponse,
    expect: Expect<'_>,
) -> Result<Page, Box<TransactionError>> {
    let response = match goose.response {
        Ok(r) => r,
        Err(e) => {
            let why = no_response(&e);
            return failed(
                user,
                rec,
                (journey, name, started),
                &why,
                &mut goose.request,
                None,
            );
        }
    };
    let status = response.status().as_u16();
    let url = response.url();
    // Every page redirect here is a single hop (302 after a POST, or to sign in).
    if url.as_str() != goose.request.raw.url {
        rec.redirect_followed();
    }
    // Where the user landed, only when it is checked (no allocation otherwise).
    let wrong_landing = expect.lands_on.and_then(|want| {
        let landed = match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_string(),
        };
        (landed != want).then(|| format!("landed on {landed}, expected {want}"))
    });
    let body = match read_text(response).await {
        Ok(b) => b,
        Err(e) => {
            let why = format!("body not read: {e}");
            return failed(
                user,
                rec,
                (journey, name, started),
                &why,
                &mut goose.request,
                None,
            );
        }
    };
    let mut why = None;
    if status != expect.status {
        why = Some(format!("status {status}, expected {}", expect.status));
    } else if wrong_landing.is_some() {
        why = wrong_landing;
    } else if let Some(missing) = expect.contains.iter().find(|t| !body.contains(t.as_ref())) {
        why = Some(format!("page lacks {missing:?}"));
    }
    match why {
        None => {
            rec.finish(journey, name, started, true, "");
            Ok(Page { body })
        }
        Some(why) => failed(
            user,
            rec,
            (journey, name, started),
            &why,
            &mut goose.request,
            Some(&body),
        ),
    }
}

/// Why a request got no response, as the report's Failures table says it.
fn no_response(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        format!("no response: {e}")
    }
}

/// Records a failed request (journey, name, when it was meant to start) in our recorder and in
/// goose's own counts, and fails the step with `why`.
fn failed<T>(
    user: &mut GooseUser,
    rec: &recorder::Recorder,
    (journey, name, started): (&str, &str, std::time::Instant),
    why: &str,
    request: &mut GooseRequestMetric,
    body: Option<&str>,
) -> Result<T, Box<TransactionError>> {
    rec.finish(journey, name, started, false, why);
    user.set_failure(why, request, None, body)
        .map(|_| unreachable!("set_failure always fails the step"))
}

/// The body as text: UTF-8 checked in place (reqwest's `text()` decodes through the lossy path
/// even when the body is valid, at about ten times the cost); invalid bytes are replaced.
async fn read_text(response: reqwest::Response) -> Result<String, reqwest::Error> {
    let bytes = response.bytes().await?;
    Ok(match std::str::from_utf8(&bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
    })
}

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
    let request = GooseRequest::builder()
        .method(method)
        .path(path)
        .name(name)
        .set_request_builder(builder)
        .build();
    let started = rec.begin().await;
    let mut goose = match user.request(request).await {
        Ok(g) => g,
        Err(e) => {
            rec.finish(journey, name, started, false, "request not sent");
            return Err(e);
        }
    };
    let response = match goose.response {
        Ok(r) => r,
        Err(e) => {
            let why = no_response(&e);
            return failed(
                user,
                &rec,
                (journey, name, started),
                &why,
                &mut goose.request,
                None,
            );
        }
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
            rec.finish(journey, name, started, true, "");
            Ok(ApiAnswer {
                json: json.unwrap_or_default(),
                etag,
            })
        }
        Some(why) => failed(
            user,
            &rec,
            (journey, name, started),
            &why,
            &mut goose.request,
            Some(&text),
        ),
    }
}

/// Fails the step unless `ok`, with `why`.
pub fn ensure(ok: bool, why: impl FnOnce() -> String) -> Result<(), Box<TransactionError>> {
    if ok { Ok(()) } else { Err(why().into()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_csrf_token_and_link_ids() {
        let body = r#"<input type="hidden" name="csrf_token" value="abc_D-1">
            <li><a href="/pads/12/">Other</a></li><li><a href="/pads/7/">Pad &amp; one</a></li>"#;
        let page = Page { body: body.into() };
        assert_eq!(page.csrf_token().as_deref(), Some("abc_D-1"));
        assert_eq!(link_id(body, "/pads/", "Pad & one"), Some(7));
        assert_eq!(link_id(body, "/pads/", "Other"), Some(12));
        assert_eq!(link_id(body, "/pads/", "Missing"), None);
    }

    #[test]
    fn finds_a_link_whose_text_the_app_escaped() {
        // What the app's templates make of a hostile pad name.
        let name = r#"<b>"Tom's" & co</b>"#;
        let body = r#"<a href="/pads/3/">&lt;b&gt;&quot;Tom&#x27;s&quot; &amp; co&lt;/b&gt;</a>
            <a href="/pads/4/"><b>"Tom's" & co</b></a>"#;
        assert_eq!(link_id(body, "/pads/", name), Some(3));
    }
}
