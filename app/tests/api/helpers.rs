//! `spawn_app` and the `TestApp` an API test drives over HTTP, as a program would.

use std::sync::LazyLock;

use notejam::configuration::{Cli, Settings};
use notejam::startup::Application;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, Method, StatusCode, redirect};
use serde_json::{Value, json};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Postgres,
    Sqlite,
}

/// Declares `postgres::NAME` and `sqlite::NAME` tests for each `async fn NAME(app: TestApp)`.
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::helpers::spawn_app($crate::helpers::Db::Postgres).await).await } )*
        }
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::helpers::spawn_app($crate::helpers::Db::Sqlite).await).await } )*
        }
    };
}

static TRACING: LazyLock<()> = LazyLock::new(|| {
    // Logs only when asked: TEST_LOG=debug cargo test --test api
    if let Ok(filter) = std::env::var("TEST_LOG") {
        notejam::telemetry::init_subscriber(&filter);
    }
});

pub const PASSWORD: &str = "correct horse battery";

/// A running app and a client that follows no redirects and keeps no cookies.
pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub db: Db,
    pub database_url: String,
    _tempdir: Option<tempfile::TempDir>,
}

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

fn postgres_admin_url() -> String {
    std::env::var("NOTEJAM_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "NOTEJAM_TEST_POSTGRES_URL is not set: the PostgreSQL half of the API suite needs a server. \
             Run scripts/test.sh, which starts one, or point the variable at a server you run \
             (e.g. postgres://postgres@127.0.0.1:5432/postgres)."
        )
    })
}

async fn fresh_postgres_database() -> String {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let name = format!("notejam_api_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at NOTEJAM_TEST_POSTGRES_URL: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create database");
    let mut url = url::Url::parse(&admin).expect("NOTEJAM_TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    url.to_string()
}

fn settings_for(database_url: &str, extra: &[&str]) -> Settings {
    use clap::Parser;
    Cli::try_parse_from(
        [
            "notejam",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
            "--secret-key",
            "test-secret-key-that-is-at-least-32-bytes-long",
            "--database-url",
            database_url,
        ]
        .into_iter()
        .chain(extra.iter().copied()),
    )
    .expect("test settings parse")
    .settings
    .validate()
    .expect("test settings are valid")
}

/// Starts the app on a fresh database.
pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, &[]).await
}

/// Starts the app on a fresh database with these extra command-line settings.
pub async fn spawn_app_with(db: Db, extra: &[&str]) -> TestApp {
    LazyLock::force(&TRACING);
    let (database_url, tempdir) = match db {
        Db::Postgres => (fresh_postgres_database().await, None),
        Db::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            (
                format!("sqlite://{}", dir.path().join("notejam.db").display()),
                Some(dir),
            )
        }
    };
    start(db, database_url, tempdir, extra).await
}

/// The `host:port` of the test's PostgreSQL server.
pub fn postgres_address() -> String {
    let url = url::Url::parse(&postgres_admin_url()).expect("NOTEJAM_TEST_POSTGRES_URL is a URL");
    format!(
        "{}:{}",
        url.host_str().expect("a host"),
        url.port().unwrap_or(5432)
    )
}

/// Starts the app on a fresh PostgreSQL database that it reaches at `address` (a proxy).
pub async fn spawn_app_reaching_postgres_at(
    address: std::net::SocketAddr,
    extra: &[&str],
) -> TestApp {
    LazyLock::force(&TRACING);
    let mut url = url::Url::parse(&fresh_postgres_database().await).unwrap();
    url.set_port(Some(address.port())).unwrap();
    url.set_host(Some(&address.ip().to_string())).unwrap();
    start(Db::Postgres, url.to_string(), None, extra).await
}

async fn start(
    db: Db,
    database_url: String,
    tempdir: Option<tempfile::TempDir>,
    extra: &[&str],
) -> TestApp {
    let app = Application::build(settings_for(&database_url, extra))
        .await
        .expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    TestApp {
        address,
        client: Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .expect("client"),
        db,
        database_url,
        _tempdir: tempdir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

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

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Value,
    ) -> Reply {
        let headers: Vec<(&str, &str)> = if_match.map(|m| ("if-match", m)).into_iter().collect();
        self.send(Method::PATCH, path, Some(token), &headers, Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, if_match: Option<&str>, body: Value) -> Reply {
        let headers: Vec<(&str, &str)> = if_match.map(|m| ("if-match", m)).into_iter().collect();
        self.send(Method::PUT, path, Some(token), &headers, Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str, if_match: Option<&str>) -> Reply {
        let headers: Vec<(&str, &str)> = if_match.map(|m| ("if-match", m)).into_iter().collect();
        self.send(Method::DELETE, path, Some(token), &headers, None)
            .await
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/users",
            None,
            json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn request_token(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/tokens",
            None,
            json!({"email": email, "password": password}),
        )
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

    pub async fn create_note(&self, token: &str, name: &str, pad_id: Option<i64>) -> i64 {
        let r = self
            .post(
                "/api/v1/notes",
                Some(token),
                json!({"name": name, "text": format!("text of {name}"), "pad_id": pad_id}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        r.body["id"].as_i64().unwrap()
    }

    /// Runs one SQL statement on the app's database (to age a token, read what is stored, ...).
    pub async fn sql_execute(&self, sql: &str) {
        use sqlx::Connection;
        match self.db {
            Db::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
            Db::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
        }
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
