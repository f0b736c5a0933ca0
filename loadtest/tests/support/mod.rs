//! Test support: the real Notejam app on a fresh PostgreSQL database, and the loadtest binary.
//!
//! Needs `NOTEJAM_TEST_POSTGRES_URL` (an admin URL of a running PostgreSQL; scripts/checks/
//! loadtest.sh starts one) and the app binary (`NOTEJAM_BIN`, default
//! `~/.cache/notejam-cloud/target/debug/notejam`). Missing either is a test failure, never a skip.

#![allow(dead_code)]

mod line;
pub mod prometheus;

// Each test binary uses its own part of this module.
#[allow(unused_imports)]
pub use line::{Line, line, loadtest};
#[allow(unused_imports)]
pub use notejam_testkit::{free_port, http_get, http_ok};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use notejam_testkit::Killed;

pub fn app_binary() -> PathBuf {
    let bin = std::env::var_os("NOTEJAM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").expect("HOME"))
                .join(".cache/notejam-cloud/target/debug/notejam")
        });
    assert!(
        bin.is_file(),
        "the Notejam app binary {} is missing: build it (CARGO_TARGET_DIR=~/.cache/notejam-cloud/target \
         cargo build --workspace --bins in the repository root) or set NOTEJAM_BIN",
        bin.display()
    );
    bin
}

pub fn postgres_url() -> String {
    std::env::var("NOTEJAM_TEST_POSTGRES_URL").expect(
        "NOTEJAM_TEST_POSTGRES_URL is not set: these tests need a PostgreSQL admin URL \
         (scripts/test.sh starts a throwaway cluster and sets it)",
    )
}

pub fn psql(url: &str, sql: &str) -> String {
    let out = notejam_testkit::succeeded(
        Command::new("psql").args([url, "-tAc", sql]),
        &format!("psql {sql}"),
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The app, running on its own database; killed on drop.
pub struct App {
    _child: Killed,
    pub base: String,
    pub admin: String,
    pub db_url: String,
    pub dir: tempfile::TempDir,
}

impl App {
    pub fn start() -> App {
        let bin = app_binary();
        let admin_url = postgres_url();
        let db = format!("lt_{:016x}", rand_u64());
        psql(&admin_url, &format!("CREATE DATABASE {db}"));
        let db_url = format!("{}/{db}", admin_url.rsplit_once('/').unwrap().0);
        let (port, admin_port) = (free_port(), free_port());
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("app.log")).unwrap();
        let child = Command::new(&bin)
            .arg("serve")
            .env("DATABASE_URL", &db_url)
            .env(
                "NOTEJAM_SECRET_KEY",
                "loadtest-secret-loadtest-secret-0123456789",
            )
            .env("NOTEJAM_LISTEN", format!("127.0.0.1:{port}"))
            .env("NOTEJAM_ADMIN_LISTEN", format!("127.0.0.1:{admin_port}"))
            .env("NOTEJAM_BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let app = App {
            _child: Killed(child),
            base: format!("http://127.0.0.1:{port}"),
            admin: format!("http://127.0.0.1:{admin_port}"),
            db_url,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !http_ok(&format!("{}/readyz", app.admin)) {
            assert!(
                Instant::now() < deadline,
                "the app did not become ready in 30 s; its log:\n{}",
                std::fs::read_to_string(app.dir.path().join("app.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        app
    }

    pub fn sql(&self, q: &str) -> String {
        psql(&self.db_url, q)
    }

    /// `baseline --host <this app>` with `words`, in `dir`, writing `dir/baseline.json` (which
    /// must pass the schema) and its reports to `dir/r`: the baseline.
    pub fn baseline(&self, words: &str, dir: &Path) -> serde_json::Value {
        let file = dir.join("baseline.json");
        let out = self
            .command("baseline")
            .words(words)
            .flag("--output", &file)
            .flag("--report-dir", dir.join("r"))
            .run_in(dir);
        baseline_written(&out, &file)
    }

    /// `notejam-loadtest COMMAND --host <this app>`, to add to and run.
    pub fn command(&self, command: &str) -> Line {
        line(command).arg("--host").arg(&self.base)
    }
}

pub fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

pub fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The command ended with exit code `code`; its output is shown when it did not.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", describe(out));
}

/// The command ended with exit code `code` and said `text` on stderr.
pub fn assert_exit_saying(out: &Output, code: i32, text: &str) {
    assert_exit(out, code);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(text), "{text:?} not said: {}", describe(out));
}

pub fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

/// The committed baseline schema.
pub fn baseline_schema() -> serde_json::Value {
    read_json(&Path::new(env!("CARGO_MANIFEST_DIR")).join("baseline.schema.json"))
}

/// The flags that leave only the probe running (the cheap GET, checked for its status).
pub const ONLY_THE_PROBE: &str =
    "--probe-weight 1 --anonymous-weight 0 --browser-weight 0 --api-weight 0";

/// A command that succeeded and wrote the baseline file `path`, which passes the schema.
pub fn baseline_written(out: &Output, path: &Path) -> serde_json::Value {
    assert_exit(out, 0);
    let b = read_json(path);
    assert_valid_baseline(&b);
    b
}

pub fn assert_valid_baseline(doc: &serde_json::Value) {
    let schema = baseline_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the baseline does not match loadtest/baseline.schema.json:\n{}\n{doc:#}",
        errors.join("\n")
    );
}
