//! A validated page: a GET or a form POST, redirects followed like a browser, then the status,
//! where it landed and the text it must contain checked; and reading forms and links off it.

use std::borrow::Cow;

use goose::goose::{GooseMethod, GooseResponse, TransactionError};
use goose::prelude::*;

use super::request::{Sent, no_response, read_text, request_builder, send};
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

    /// Where the page's form posts to (its `action`).
    pub fn form_action(&self) -> Option<String> {
        attr_after(&self.body, r#"<form method="post" action=""#)
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
    let (sent, goose) = send(user, &rec, (journey, name), (method, path), builder).await?;
    check(user, &sent, goose, expect).await
}

/// A form filled in as a browser does: opens the page it is on (`path`, checked by `shown`), then
/// posts `fields` with the page's CSRF token to the form's action (checked by `then`). The two
/// requests are named `GET {name}` and `POST {name}`, e.g. with `name` = `/notes/{id}/edit/`.
pub async fn fill_in(
    user: &mut GooseUser,
    journey: &str,
    name: &str,
    path: &str,
    shown: Expect<'_>,
    fields: &[(&str, &str)],
    then: Expect<'_>,
) -> Result<Page, Box<TransactionError>> {
    let page = visit(user, journey, &format!("GET {name}"), path, None, shown).await?;
    let (Some(action), Some(token)) = (page.form_action(), page.csrf_token()) else {
        return Err(format!("{path} has no form with an action and a csrf_token").into());
    };
    let mut submitted = Vec::with_capacity(fields.len() + 1);
    submitted.push(("csrf_token", token.as_str()));
    submitted.extend_from_slice(fields);
    let post = format!("POST {name}");
    visit(user, journey, &post, &action, Some(&submitted), then).await
}

async fn check(
    user: &mut GooseUser,
    sent: &Sent<'_>,
    mut goose: GooseResponse,
    expect: Expect<'_>,
) -> Result<Page, Box<TransactionError>> {
    let response = match goose.response {
        Ok(r) => r,
        Err(e) => return sent.failed(user, &no_response(&e), &mut goose.request, None),
    };
    let status = response.status().as_u16();
    let url = response.url();
    // Every page redirect here is a single hop (302 after a POST, or to sign in).
    if url.as_str() != goose.request.raw.url {
        sent.rec.redirect_followed();
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
            return sent.failed(user, &why, &mut goose.request, None);
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
            sent.passed();
            Ok(Page { body })
        }
        Some(why) => sent.failed(user, &why, &mut goose.request, Some(&body)),
    }
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
        assert_eq!(page.form_action(), None);
        let form = Page {
            body: r#"<form method="post" action="/notes/5/edit/" class="note" novalidate>"#.into(),
        };
        assert_eq!(form.form_action().as_deref(), Some("/notes/5/edit/"));
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
