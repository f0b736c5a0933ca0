//! What every in-process suite (pages, API, core) shares: a fresh database per test on
//! PostgreSQL or SQLite, `both_databases!`, and `spawn` (the app on port 0 in a background task).
//! Each suite wraps a spawned app in its own client: a browser for the pages, a program for the
//! API. Included by each suite's `main.rs` with `#[path = "../common/mod.rs"] mod common;`.
#![allow(dead_code)] // each suite uses its own part

use std::sync::LazyLock;

use notejam::configuration::{Cli, Settings};
use notejam::startup::Application;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Postgres,
    Sqlite,
}

/// Declares `postgres::NAME` and `sqlite::NAME` tests for each `async fn NAME(app: TestApp)`,
/// with the suite's `crate::helpers::spawn_app(Db)`; with `db:` first, for each
/// `async fn NAME(db: Db)` that starts what it needs itself.
#[macro_export]
macro_rules! both_databases {
    (db: $($name:ident),* $(,)?) => {
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::Db::Postgres).await } )*
        }
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::Db::Sqlite).await } )*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::helpers::spawn_app($crate::common::Db::Postgres).await).await } )*
        }
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::helpers::spawn_app($crate::common::Db::Sqlite).await).await } )*
        }
    };
}

static TRACING: LazyLock<()> = LazyLock::new(|| {
    // Logs only when asked: TEST_LOG=debug cargo test
    if let Ok(filter) = std::env::var("TEST_LOG") {
        notejam::telemetry::init_subscriber(&filter);
    }
});

/// The admin URL of the PostgreSQL server for tests; the test command sets it.
pub fn postgres_admin_url() -> String {
    std::env::var("NOTEJAM_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "NOTEJAM_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite needs a server. \
             Run scripts/test.sh, which starts one, or point the variable at a server you run \
             (e.g. postgres://postgres@127.0.0.1:5432/postgres)."
        )
    })
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

async fn fresh_postgres_database() -> String {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let name = format!("notejam_test_{}", uuid::Uuid::new_v4().simple());
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

/// A fresh, empty database: its URL, and for SQLite the folder that holds it.
pub struct FreshDatabase {
    pub db: Db,
    pub url: String,
    pub dir: Option<tempfile::TempDir>,
}

impl FreshDatabase {
    pub async fn new(db: Db) -> Self {
        LazyLock::force(&TRACING);
        match db {
            Db::Postgres => Self {
                db,
                url: fresh_postgres_database().await,
                dir: None,
            },
            Db::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = format!("sqlite://{}", dir.path().join("notejam.db").display());
                Self {
                    db,
                    url,
                    dir: Some(dir),
                }
            }
        }
    }

    /// A fresh PostgreSQL database that the app reaches at `address` (a proxy in front of it).
    pub async fn postgres_via(address: std::net::SocketAddr) -> Self {
        let mut url = url::Url::parse(&Self::new(Db::Postgres).await.url).unwrap();
        url.set_port(Some(address.port())).unwrap();
        url.set_host(Some(&address.ip().to_string())).unwrap();
        Self {
            db: Db::Postgres,
            url: url.to_string(),
            dir: None,
        }
    }
}

/// The validated settings of a test app on `database_url`, with extra command-line flags.
pub fn settings_for(database_url: &str, extra: &[&str]) -> Settings {
    use clap::Parser;
    let args = [
        "notejam",
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
        "--secret-key",
        "test-secret-key-that-is-at-least-32-bytes-long",
        "--database-url",
        database_url,
    ];
    Cli::try_parse_from(args.into_iter().chain(extra.iter().copied()))
        .expect("test settings parse")
        .settings
        .validate()
        .expect("test settings are valid")
}

/// A running app: where it listens and the database it uses.
pub struct Spawned {
    pub address: String,
    pub database: FreshDatabase,
}

/// Starts the app on `database` (migrated at start) on port 0, in a background task.
pub async fn spawn(database: FreshDatabase, extra: &[&str]) -> Spawned {
    let app = Application::build(settings_for(&database.url, extra))
        .await
        .expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    Spawned { address, database }
}

/// A running app and the client a suite drives it with (a browser for the pages, a program for
/// the API); each suite adds its own helpers in an `impl TestApp` of its `helpers.rs`.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub database_url: String,
    /// Keeps a SQLite database's folder until the test ends.
    pub tempdir: Option<tempfile::TempDir>,
}

impl TestApp {
    pub fn new(app: Spawned, client: reqwest::Client) -> Self {
        Self {
            address: app.address,
            client,
            db: app.database.db,
            database_url: app.database.url,
            tempdir: app.database.dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

/// Runs one SQL statement on a database (to age a token, read what is stored, ...).
pub async fn sql_execute(db: Db, url: &str, sql: &str) {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match db {
        Db::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
        Db::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
    }
}

/// The core on a fresh, migrated database, without any HTTP: for the tests of the rules.
pub async fn core(db: Db) -> (notejam::service::Service, FreshDatabase) {
    let database = FreshDatabase::new(db).await;
    let settings = settings_for(&database.url, &[]);
    let storage = notejam::storage::Storage::connect(&settings.database)
        .await
        .expect("the database connects");
    storage.migrate().await.expect("migrations apply");
    let mailer = notejam::mail::Mailer::new(&settings.mail).expect("a mailer");
    let policy = notejam::service::Policy {
        throttle: notejam::storage::SigninThrottle::default(),
        token_ttl: chrono::Duration::days(1),
        base_url: settings.base_url,
    };
    (
        notejam::service::Service::new(storage, mailer, policy),
        database,
    )
}
