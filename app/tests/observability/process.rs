//! Running the real binary and the real tools.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub use notejam_testkit::free_port;

/// A running process whose output lines are collected.
pub struct Running {
    pub child: Child,
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl Running {
    pub fn spawn(
        program: &std::path::Path,
        args: &[&str],
        env: &HashMap<String, String>,
    ) -> Running {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .envs(env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let lines = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
            child.stderr.take().map(|s| Box::new(s) as _),
        ]
        .into_iter()
        .flatten()
        {
            let lines = lines.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream).lines();
                while let Ok(Some(line)) = reader.next_line().await {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        Running { child, lines }
    }

    pub fn output(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits until a collected line satisfies `pred`, up to `secs` seconds.
    pub async fn wait_line(&self, secs: u64, pred: impl Fn(&str) -> bool) -> Option<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(l) = self.lines.lock().unwrap().iter().find(|l| pred(l)) {
                return Some(l.clone());
            }
            if tokio::time::Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }
}

/// The app as a process, on a throwaway SQLite database.
pub struct App {
    pub process: Running,
    pub base: String,
    pub admin: String,
    _dir: tempfile::TempDir,
}

impl App {
    /// Starts the app and waits until it is ready.
    pub async fn start(extra_env: &[(&str, &str)]) -> App {
        let app = App::launch(extra_env);
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = client.get(format!("{}/readyz", app.admin)).send().await
                && r.status().is_success()
            {
                return app;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the app did not become ready:\n{}",
            app.process.output().join("\n")
        );
    }

    /// Starts the app process and returns at once (for a start that is meant to fail).
    pub fn launch(extra_env: &[(&str, &str)]) -> App {
        let dir = tempfile::tempdir().unwrap();
        let (port, admin) = (free_port(), free_port());
        let mut env: HashMap<String, String> = HashMap::new();
        env.insert("NOTEJAM_LISTEN".into(), format!("127.0.0.1:{port}"));
        env.insert("NOTEJAM_ADMIN_LISTEN".into(), format!("127.0.0.1:{admin}"));
        env.insert(
            "DATABASE_URL".into(),
            format!("sqlite://{}", dir.path().join("app.db").display()),
        );
        env.insert("RUST_LOG".into(), "info".into());
        env.insert("RUST_BACKTRACE".into(), "0".into());
        for (k, v) in extra_env {
            env.insert((*k).into(), (*v).into());
        }
        let process = Running::spawn(
            std::path::Path::new(env!("CARGO_BIN_EXE_notejam")),
            &["serve"],
            &env,
        );
        App {
            process,
            base: format!("http://127.0.0.1:{port}"),
            admin: format!("http://127.0.0.1:{admin}"),
            _dir: dir,
        }
    }

    /// The address of `path` on the app's public port.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends `GET /signin/` `times` times, one after the other, each of which must answer 200.
    pub async fn get_signin(&self, client: &reqwest::Client, times: u32) {
        for _ in 0..times {
            assert_eq!(status_of(client, self.url("/signin/")).await, 200);
        }
    }

    /// Sends `PUT /faults` to the admin port with this body (a JSON list, as an operator would).
    pub async fn put_faults(&self, faults: &str) -> reqwest::Response {
        reqwest::Client::new()
            .put(format!("{}/faults", self.admin))
            .body(faults.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// Sets the injected faults and checks they were taken.
    pub async fn set_faults(&self, faults: &str) {
        let r = self.put_faults(faults).await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }

    pub async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.admin))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

/// The status of a `GET` of `url`.
pub async fn status_of(client: &reqwest::Client, url: String) -> reqwest::StatusCode {
    client.get(url).send().await.unwrap().status()
}

/// The value of a sample line `name{labels} value` in an exposition (labels as written, `""` for none).
pub fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

/// A fresh, empty database on the test's PostgreSQL server, and the app settings to use it.
pub async fn fresh_postgres_env() -> Vec<(&'static str, String)> {
    use sqlx::Connection;
    let admin = std::env::var("NOTEJAM_TEST_POSTGRES_URL").expect(
        "NOTEJAM_TEST_POSTGRES_URL is not set: these tests need a PostgreSQL server (scripts/test.sh starts one)",
    );
    let name = format!("notejam_obs_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create database");
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&name);
    vec![
        ("DATABASE_URL", url.to_string()),
        (
            "NOTEJAM_SECRET_KEY",
            "a-test-key-that-is-at-least-32-bytes-long".to_owned(),
        ),
    ]
}

/// The app settings for each database a test runs on: none for the default SQLite database, then
/// a fresh database on the test's PostgreSQL server.
pub async fn each_database() -> [Vec<(&'static str, String)>; 2] {
    [Vec::new(), fresh_postgres_env().await]
}

/// Settings with owned values as [`App::start`] takes them.
pub fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
