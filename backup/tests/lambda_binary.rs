//! The real `bootstrap` binary (the one the zip ships) driven through the Lambda Runtime API.
//!
//! The Runtime API is the one part played by the test: a small HTTP server on loopback that
//! hands out invocations and records what the function answers, as the Lambda service does
//! (moto cannot run a function without Docker). Everything else is real: the binary's `main`,
//! its configuration from the environment, the AWS SDK's credential and endpoint chain
//! (`AWS_ENDPOINT_URL` pointing at moto), and the RDS calls.

mod common;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Moto, create_database};

/// What the function posted back for one invocation.
#[derive(Debug, Clone)]
enum Outcome {
    Response(serde_json::Value),
    Error(serde_json::Value),
}

#[derive(Default)]
struct State {
    pending: VecDeque<String>,
    outcomes: Vec<(String, Outcome)>,
}

/// A minimal Lambda Runtime API (2018-06-01): `next`, `response`, `error`, `init/error`.
struct RuntimeApi {
    addr: String,
    state: Arc<(Mutex<State>, Condvar)>,
}

impl RuntimeApi {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let state: Arc<(Mutex<State>, Condvar)> = Arc::default();
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        Self { addr, state }
    }

    fn invoke(&self, request_id: &str) {
        let (lock, cvar) = &*self.state;
        lock.lock()
            .unwrap()
            .pending
            .push_back(request_id.to_owned());
        cvar.notify_all();
    }

    fn wait_for(&self, request_id: &str) -> Outcome {
        let (lock, cvar) = &*self.state;
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut state = lock.lock().unwrap();
        loop {
            if let Some((_, outcome)) = state.outcomes.iter().find(|(id, _)| id == request_id) {
                return outcome.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no answer to invocation {request_id} within 60 s"
            );
            state = cvar.wait_timeout(state, left).unwrap().0;
        }
    }
}

fn serve(stream: TcpStream, shared: &(Mutex<State>, Condvar)) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut content_length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                content_length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body).unwrap();
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let (lock, cvar) = shared;

        if path.ends_with("/runtime/invocation/next") {
            let mut state = lock.lock().unwrap();
            let id = loop {
                if let Some(id) = state.pending.pop_front() {
                    break id;
                }
                state = cvar.wait(state).unwrap();
            };
            drop(state);
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 60_000;
            // An EventBridge scheduled event, as the daily rule sends it.
            let event = r#"{"version":"0","id":"test","detail-type":"Scheduled Event","source":"aws.events","account":"000000000000","region":"eu-west-1","resources":[],"detail":{}}"#;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Lambda-Runtime-Aws-Request-Id: {id}\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\n\
                 Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:eu-west-1:000000000000:function:notejam-dev-db-backup\r\n\
                 Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n\r\n",
                event.len()
            );
            writer.write_all(head.as_bytes()).unwrap();
            writer.write_all(event.as_bytes()).unwrap();
        } else {
            let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
            let json: serde_json::Value =
                serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
            match parts.as_slice() {
                [_, "runtime", "invocation", id, "response"] => {
                    lock.lock()
                        .unwrap()
                        .outcomes
                        .push((id.to_string(), Outcome::Response(json)));
                }
                [_, "runtime", "invocation", id, "error"] => {
                    lock.lock()
                        .unwrap()
                        .outcomes
                        .push((id.to_string(), Outcome::Error(json)));
                }
                [_, "runtime", "init", "error"] => {
                    lock.lock()
                        .unwrap()
                        .outcomes
                        .push(("init".to_string(), Outcome::Error(json)));
                }
                _ => panic!("unexpected runtime API call {path}"),
            }
            cvar.notify_all();
            writer
                .write_all(b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n")
                .unwrap();
        }
    }
}

struct Function(Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the `bootstrap` binary with the environment terraform's backup module gives it.
fn start_function(api: &RuntimeApi, moto: &Moto, db_instance: &str) -> Function {
    let child = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", &api.addr)
        .env("AWS_LAMBDA_FUNCTION_NAME", "notejam-dev-db-backup")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "/aws/lambda/notejam-dev-db-backup",
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("NOTEJAM_BACKUP_DB_INSTANCE", db_instance)
        .env("NOTEJAM_BACKUP_SNAPSHOT_PREFIX", "notejam-dev-daily")
        .env("NOTEJAM_BACKUP_DAILY_RETENTION_DAYS", "35")
        .env("NOTEJAM_BACKUP_RETENTION_DAYS", "1095")
        .env("NOTEJAM_BACKUP_EXPORT_LOOKBACK_DAYS", "7")
        .env("NOTEJAM_BACKUP_EXPORT_MAX_ATTEMPTS", "3")
        .env("NOTEJAM_BACKUP_BUCKET", "notejam-db-backup-dev")
        .env(
            "NOTEJAM_BACKUP_EXPORT_ROLE_ARN",
            "arn:aws:iam::000000000000:role/notejam-dev-rds-snapshot-export",
        )
        .env(
            "NOTEJAM_BACKUP_KMS_KEY_ID",
            "arn:aws:kms:eu-west-1:000000000000:key/emulated",
        )
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the bootstrap binary");
    Function(child)
}

#[tokio::test]
async fn the_binary_answers_scheduled_invocations_and_the_second_changes_nothing() {
    let moto = Moto::start();
    create_database(&moto.rds(), "notejam-dev").await;
    let api = RuntimeApi::start();
    let _function = start_function(&api, &moto, "notejam-dev");

    api.invoke("first");
    let Outcome::Response(first) = api.wait_for("first") else {
        panic!("first invocation failed: {:?}", api.wait_for("first"));
    };
    assert_eq!(first["copied"], true, "{first}");
    assert_eq!(
        first["exports_started"].as_array().map(Vec::len),
        Some(1),
        "{first}"
    );
    assert_eq!(first["kept_copies"], 1, "{first}");

    api.invoke("second");
    let Outcome::Response(second) = api.wait_for("second") else {
        panic!("second invocation failed: {:?}", api.wait_for("second"));
    };
    assert_eq!(second["copied"], false, "{second}");
    assert_eq!(second["exports_started"], serde_json::json!([]), "{second}");
    assert_eq!(second["kept_snapshot"], first["kept_snapshot"]);
}

#[tokio::test]
async fn a_failed_run_is_reported_as_an_invocation_error() {
    let moto = Moto::start();
    let api = RuntimeApi::start();
    let _function = start_function(&api, &moto, "notejam-missing");

    api.invoke("failing");
    match api.wait_for("failing") {
        Outcome::Error(error) => {
            assert_eq!(error["errorType"], "notejam_backup::BackupError", "{error}");
            assert!(
                error["errorMessage"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("notejam-missing"),
                "{error}"
            );
        }
        other => panic!("expected an error, got {other:?}"),
    }
}
