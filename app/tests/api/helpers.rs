//! `spawn_app` and the `TestApp` an API test drives over HTTP, as a program would.

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, Method, StatusCode, redirect};
use serde_json::{Value, json};

pub use crate::common::{Db, TestApp, postgres_address};
use crate::common::{FreshDatabase, Spawned, spawn};

pub const PASSWORD: &str = "correct horse battery";

/// A response read to the end, its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    /// The raw body, for failure messages.
    #[allow(dead_code)]
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_else(|| panic!("no ETag on {self:?}"))
            .to_owned()
    }

    /// Asserts a problem+json error with this status, and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{self:?}");
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{self:?}"
        );
        assert_eq!(self.body["status"], json!(status), "{self:?}");
        assert!(self.body["title"].is_string(), "{self:?}");
        if status == 401 {
            assert_eq!(
                self.header("www-authenticate"),
                Some("Bearer realm=\"notejam\""),
                "{self:?}"
            );
        }
        &self.body
    }

    /// The 422 field errors: `{"field": ["message", ...]}`.
    #[track_caller]
    pub fn field_errors(&self) -> Value {
        self.problem(422)["errors"].clone()
    }
}

/// Starts the app on a fresh database.
pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, &[]).await
}

/// Starts the app on a fresh database with these extra command-line settings.
pub async fn spawn_app_with(db: Db, extra: &[&str]) -> TestApp {
    program(spawn(FreshDatabase::new(db).await, extra).await)
}

/// Starts the app on a fresh PostgreSQL database that it reaches at `address` (a proxy).
pub async fn spawn_app_reaching_postgres_at(
    address: std::net::SocketAddr,
    extra: &[&str],
) -> TestApp {
    program(spawn(FreshDatabase::postgres_via(address).await, extra).await)
}

/// A client for a spawned app that follows no redirects and keeps no cookies, as a program.
fn program(app: Spawned) -> TestApp {
    let client = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client");
    TestApp::new(app, client)
}

impl TestApp {
    /// Sends a request; `body` is sent as JSON when given.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        for (k, v) in headers {
            req = req.header(*k, HeaderValue::from_str(v).unwrap());
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        read(req.send().await.expect("the request is sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), &[], None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::POST, path, token, &[], Some(body)).await
    }

    /// Sends a write with `token`, `If-Match` when given, and a JSON body when given.
    pub async fn write(
        &self,
        method: Method,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let headers: Vec<(&str, &str)> = if_match.map(|m| ("if-match", m)).into_iter().collect();
        self.send(method, path, Some(token), &headers, body).await
    }

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Value,
    ) -> Reply {
        self.write(Method::PATCH, path, token, if_match, Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, if_match: Option<&str>, body: Value) -> Reply {
        self.write(Method::PUT, path, token, if_match, Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str, if_match: Option<&str>) -> Reply {
        self.write(Method::DELETE, path, token, if_match, None)
            .await
    }

    /// Asserts that each write to `path` with `token` (method, `If-Match`, body) answers with a
    /// 404 problem: what someone else's pad or note looks like.
    pub async fn assert_writes_not_found(
        &self,
        path: &str,
        token: &str,
        writes: Vec<(Method, Option<&str>, Option<Value>)>,
    ) {
        for (method, if_match, body) in writes {
            let r = self
                .write(method.clone(), path, token, if_match, body)
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {if_match:?}");
            r.problem(404);
        }
    }

    /// Posts an email and a password, without a token (sign-up and sign-in take the same body).
    async fn post_credentials(&self, path: &str, email: &str, password: &str) -> Reply {
        let body = json!({"email": email, "password": password});
        self.post(path, None, body).await
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> Reply {
        self.post_credentials("/api/v1/users", email, password)
            .await
    }

    pub async fn request_token(&self, email: &str, password: &str) -> Reply {
        self.post_credentials("/api/v1/tokens", email, password)
            .await
    }

    /// Signs up a user and returns a token of theirs.
    pub async fn user_with_token(&self, email: &str) -> String {
        let up = self.sign_up(email, PASSWORD).await;
        assert_eq!(up.status, StatusCode::CREATED, "{up:?}");
        let token = self.request_token(email, PASSWORD).await;
        assert_eq!(token.status, StatusCode::CREATED, "{token:?}");
        token.body["token"].as_str().unwrap().to_owned()
    }

    pub async fn create_pad(&self, token: &str, name: &str) -> i64 {
        let r = self
            .post("/api/v1/pads", Some(token), json!({"name": name}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        r.body["id"].as_i64().unwrap()
    }

    /// Posts a note with `token`.
    pub async fn post_note(&self, token: &str, body: Value) -> Reply {
        self.post("/api/v1/notes", Some(token), body).await
    }

    pub async fn create_note(&self, token: &str, name: &str, pad_id: Option<i64>) -> i64 {
        let body = json!({"name": name, "text": format!("text of {name}"), "pad_id": pad_id});
        let r = self.post_note(token, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        r.body["id"].as_i64().unwrap()
    }

    /// Runs one SQL statement on the app's database (to age a token, read what is stored, ...).
    pub async fn sql_execute(&self, sql: &str) {
        crate::common::sql_execute(self.db, &self.database_url, sql).await;
    }

    /// The stored token hashes.
    pub async fn stored_token_hashes(&self) -> Vec<Vec<u8>> {
        use sqlx::Connection;
        let sql = "SELECT token_hash FROM api_tokens ORDER BY id";
        match self.db {
            Db::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
            }
            Db::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
            }
        }
    }
}

pub async fn read(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("the body is read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}
