//! `spawn_app` and the `TestApp` a test drives through HTTP, as a browser would.

use reqwest::{Client, StatusCode, redirect};
use scraper::{Html, Selector};

pub use crate::common::{Db, TestApp};
use crate::common::{FreshDatabase, spawn};

/// Starts the app on a fresh database and returns a browser for it.
pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, &[]).await
}

/// Like [`spawn_app`], with extra command-line settings (e.g. an SMTP URL).
pub async fn spawn_app_with(db: Db, extra: &[&str]) -> TestApp {
    let app = spawn(FreshDatabase::new(db).await, extra).await;
    TestApp::new(app, new_client())
}

pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
}

/// A response read to the end.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// Texts of the elements matching a CSS selector.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let sel = Selector::parse(selector).expect("selector");
        self.html()
            .select(&sel)
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }

    /// The page's heading (beside the logo).
    pub fn heading(&self) -> String {
        self.texts("h1.bold-header span")
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    /// Field name to its error messages, from `<ul class="errorlist" data-field=...>`.
    pub fn field_errors(&self) -> Vec<(String, Vec<String>)> {
        let ul = Selector::parse("ul.errorlist").unwrap();
        let li = Selector::parse("li").unwrap();
        self.html()
            .select(&ul)
            .map(|e| {
                let field = e.value().attr("data-field").unwrap_or_default().to_owned();
                (
                    field,
                    e.select(&li)
                        .map(|l| l.text().collect::<String>())
                        .collect(),
                )
            })
            .collect()
    }

    /// The flash messages: (kind, text).
    pub fn flashes(&self) -> Vec<(String, String)> {
        let sel = Selector::parse("div.alert").unwrap();
        self.html()
            .select(&sel)
            .map(|e| {
                let kind = e
                    .value()
                    .classes()
                    .find(|c| c.starts_with("alert-"))
                    .unwrap_or_default()
                    .trim_start_matches("alert-")
                    .to_owned();
                (kind, e.text().collect::<String>().trim().to_owned())
            })
            .collect()
    }

    /// Asserts the form errors on the page: each field with its one message, in page order.
    #[track_caller]
    pub fn assert_errors(&self, expected: &[(&str, &str)]) {
        let expected: Vec<(String, Vec<String>)> = expected
            .iter()
            .map(|(field, message)| ((*field).to_owned(), vec![(*message).to_owned()]))
            .collect();
        assert_eq!(self.field_errors(), expected);
    }

    /// Asserts that the page shows exactly one flash message, of this kind and text.
    #[track_caller]
    pub fn assert_flash(&self, kind: &str, text: &str) {
        assert_eq!(self.flashes(), vec![(kind.to_owned(), text.to_owned())]);
    }

    pub fn csrf_token(&self) -> String {
        let sel = Selector::parse(r#"input[name="csrf_token"]"#).unwrap();
        self.html()
            .select(&sel)
            .next()
            .and_then(|e| e.value().attr("value"))
            .unwrap_or_else(|| panic!("no csrf_token on the page:\n{}", self.body))
            .to_owned()
    }

    /// Links of the notes table, in order: the note names.
    pub fn note_names(&self) -> Vec<String> {
        self.texts("table.notes td.note a")
    }
}

async fn read(resp: reqwest::Response) -> Page {
    let status = resp.status();
    let headers = resp.headers().clone();
    let location = headers
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = resp.text().await.unwrap_or_default();
    Page {
        status,
        location,
        headers,
        body,
    }
}

impl TestApp {
    /// The same browser (cookies and all) talking to another server.
    pub fn pointed_at(self, address: String) -> TestApp {
        TestApp { address, ..self }
    }

    /// The same app with a new, empty cookie jar (another browser).
    pub fn another_browser(&self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            client: new_client(),
            db: self.db,
            database_url: self.database_url.clone(),
            tempdir: None,
        }
    }

    /// Another browser, signed in as a new user `email`.
    pub async fn another_user(&self, email: &str) -> TestApp {
        let browser = self.another_browser();
        browser.signed_in_user(email).await;
        browser
    }

    pub async fn get(&self, path: &str) -> Page {
        read(self.client.get(self.url(path)).send().await.expect("GET")).await
    }

    /// Posts a form with the raw fields given (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        read(
            self.client
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// Posts `body` to `path` as it is, with this content type and no CSRF token added: for
    /// bodies that no browser form makes.
    pub async fn post_body(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST")
    }

    /// Asserts that `r` redirects to `to`, and opens that page (where its flash shows).
    pub async fn follow(&self, r: &Page, to: &str) -> Page {
        assert_eq!(r.location.as_deref(), Some(to), "{}", r.body);
        self.get(to).await
    }

    /// Opens the delete page at `path`, which asks about `name`, confirms it, and opens the
    /// page it redirects to (all notes).
    pub async fn delete_confirmed(&self, path: &str, name: &str) -> Page {
        let confirm = self.get(path).await;
        let question = format!("Are you sure you want to delete {name}?");
        assert!(confirm.body.contains(&question), "{}", confirm.body);
        let r = self.post_form(path, &[]).await;
        self.follow(&r, "/").await
    }

    /// Opens the form page at `form_path` for its CSRF token, then posts `fields` to `path`.
    pub async fn submit(&self, form_path: &str, path: &str, fields: &[(&str, &str)]) -> Page {
        let form = self.get(form_path).await;
        assert_eq!(
            form.status,
            StatusCode::OK,
            "form page {form_path}: {}",
            form.body
        );
        let token = form.csrf_token();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts a form to the page it is on.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.submit(path, path, fields).await
    }

    pub async fn signup(&self, email: &str, password: &str) -> Page {
        self.signup_repeating(email, password, password).await
    }

    /// Posts the sign-up form with `repeat` in its second password field.
    pub async fn signup_repeating(&self, email: &str, password: &str, repeat: &str) -> Page {
        self.post_form(
            "/signup/",
            &[
                ("email", email),
                ("password", password),
                ("repeat_password", repeat),
            ],
        )
        .await
    }

    pub async fn signin(&self, email: &str, password: &str) -> Page {
        self.post_form("/signin/", &[("email", email), ("password", password)])
            .await
    }

    /// Asserts that `email` signs in with `password` (to all notes).
    pub async fn assert_signs_in(&self, email: &str, password: &str) {
        let r = self.signin(email, password).await;
        assert_eq!(r.location.as_deref(), Some("/"), "sign in: {}", r.body);
    }

    /// Asserts that `email` no longer signs in with `old` (the form again) and does with `new`.
    pub async fn assert_password_changed(&self, email: &str, old: &str, new: &str) {
        let r = self.signin(email, old).await;
        assert_eq!(r.status, StatusCode::OK, "the old password: {}", r.body);
        self.assert_signs_in(email, new).await;
    }

    /// Signs up and in a new user; returns the email.
    pub async fn signed_in_user(&self, email: &str) -> String {
        let up = self.signup(email, "password123").await;
        assert_eq!(up.status, StatusCode::FOUND, "sign up: {}", up.body);
        self.assert_signs_in(email, "password123").await;
        email.to_owned()
    }

    /// Creates a pad through the page; returns its id.
    pub async fn create_pad(&self, name: &str) -> i64 {
        let r = self.post_form("/pads/create/", &[("name", name)]).await;
        assert_eq!(r.status, StatusCode::FOUND, "create pad: {}", r.body);
        let home = self.get("/").await;
        let sel = Selector::parse("nav.sidebar a").unwrap();
        let html = home.html();
        let ids: Vec<i64> = html
            .select(&sel)
            .filter(|a| a.text().collect::<String>() == name)
            .filter_map(|a| {
                a.value()
                    .attr("href")?
                    .trim_start_matches("/pads/")
                    .trim_end_matches('/')
                    .parse()
                    .ok()
            })
            .collect();
        *ids.iter().max().expect("the new pad is in the sidebar")
    }

    /// Creates a note through the page (pad 0 = no pad); returns its id.
    pub async fn create_note(&self, name: &str, text: &str, pad: i64) -> i64 {
        let pad = pad.to_string();
        let r = self
            .post_form(
                "/notes/create/",
                &[("name", name), ("text", text), ("pad", &pad)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "create note: {}", r.body);
        self.latest_note_id().await
    }

    /// The id of the most recently updated note of the signed-in user.
    pub async fn latest_note_id(&self) -> i64 {
        let home = self.get("/?order=-updated_at").await;
        let sel = Selector::parse("table.notes td.note a").unwrap();
        let html = home.html();
        let href = html
            .select(&sel)
            .next()
            .and_then(|a| a.value().attr("href"))
            .expect("a note in the list")
            .to_owned();
        href.trim_start_matches("/notes/")
            .trim_end_matches('/')
            .parse()
            .expect("note id")
    }
}
