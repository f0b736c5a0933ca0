//! The database credentials from AWS Secrets Manager, as in production (the RDS-managed master
//! secret, which RDS rotates): the app connects as the user the secret names, and after a
//! rotation its new connections use the new credentials, without a restart. Real PostgreSQL
//! (`NOTEJAM_TEST_POSTGRES_URL`) and the moto AWS emulator (`moto_server`, from PyPI).
//!
//! The throwaway cluster of `scripts/test.sh` trusts loopback connections, so PostgreSQL does not
//! check the password here: the tests tell the credentials apart by the *user* each connection
//! logs in as (`pg_stat_activity.usename`), which comes from the secret alone (the URL has none).

use std::time::Duration;

use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use serde_json::json;
use sqlx::{Connection, PgConnection};

use notejam_testkit::Server;

use crate::process::{App, sample};

/// A moto server of this test's own, its endpoint, and a Secrets Manager client for it.
async fn start_moto() -> (Server, String, aws_sdk_secretsmanager::Client) {
    let moto = notejam_testkit::moto();
    let endpoint = moto.url.clone();
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .endpoint_url(&endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .build();
    (
        moto,
        endpoint,
        aws_sdk_secretsmanager::Client::from_conf(config),
    )
}

/// A fresh database on the test server and two login roles for it; dropped at the end.
struct Scratch {
    admin: String,
    database: String,
    roles: [String; 2],
}

impl Scratch {
    async fn create() -> Scratch {
        let admin = std::env::var("NOTEJAM_TEST_POSTGRES_URL").expect(
            "NOTEJAM_TEST_POSTGRES_URL is not set: these tests need a PostgreSQL server (scripts/test.sh starts one)",
        );
        let id = uuid::Uuid::new_v4().simple().to_string();
        let scratch = Scratch {
            admin,
            database: format!("notejam_secret_{id}"),
            roles: [format!("notejam_a_{id}"), format!("notejam_b_{id}")],
        };
        // As on RDS, where the master user is the database's administrator.
        let mut statements = vec![format!("CREATE DATABASE {}", scratch.database)];
        for role in &scratch.roles {
            statements.push(format!(
                "CREATE ROLE {role} LOGIN SUPERUSER PASSWORD 'unused'"
            ));
        }
        scratch.execute(&statements).await;
        scratch
    }

    async fn execute(&self, statements: &[String]) {
        let mut conn = PgConnection::connect(&self.admin)
            .await
            .expect("PostgreSQL");
        for sql in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }

    /// The user of each of the app's connections to the database, sorted.
    async fn app_connection_users(&self) -> Vec<String> {
        let mut conn = PgConnection::connect(&self.admin)
            .await
            .expect("PostgreSQL");
        sqlx::query_scalar(
            "SELECT usename::text FROM pg_stat_activity WHERE datname = $1 AND application_name = 'notejam' ORDER BY 1",
        )
        .bind(&self.database)
        .fetch_all(&mut conn)
        .await
        .unwrap()
    }

    /// The URL the app gets: host, port and database, no user or password.
    fn url_without_credentials(&self) -> String {
        let mut url = url::Url::parse(&self.admin).unwrap();
        url.set_username("").unwrap();
        url.set_password(None).unwrap();
        url.set_path(&self.database);
        url.to_string()
    }

    async fn drop_all(&self) {
        let mut statements = vec![format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.database
        )];
        for role in &self.roles {
            statements.push(format!("DROP ROLE IF EXISTS {role}"));
        }
        self.execute(&statements).await;
    }
}

fn secret_value(user: &str) -> String {
    json!({"username": user, "password": format!("password of {user}")}).to_string()
}

/// The app's settings for the database at `url` (no credentials) whose user and password are in
/// the secret `arn` of the moto at `endpoint`, read again every `refresh`.
fn app_env<'a>(
    url: &'a str,
    arn: &'a str,
    endpoint: &'a str,
    refresh: &'a str,
) -> [(&'static str, &'a str); 8] {
    [
        ("DATABASE_URL", url),
        (
            "NOTEJAM_SECRET_KEY",
            "a-test-key-that-is-at-least-32-bytes-long",
        ),
        ("NOTEJAM_DATABASE_SECRET_ARN", arn),
        ("NOTEJAM_DATABASE_SECRET_REFRESH", refresh),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ]
}

/// Signs a user up through the API; true on 201.
async fn sign_up(app: &App, email: &str) -> bool {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/users", app.base))
        .json(&json!({"email": email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    r.status() == 201
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_logs_in_as_the_secret_says_and_follows_a_rotation() {
    let scratch = Scratch::create().await;
    let (_moto, endpoint, secrets) = start_moto().await;
    let [first, second] = scratch.roles.clone();
    let arn = secrets
        .create_secret()
        .name("rds!db-notejam-test")
        .secret_string(secret_value(&first))
        .send()
        .await
        .expect("the secret is created in moto")
        .arn
        .expect("an ARN");
    let url = scratch.url_without_credentials();
    let app = App::start(&app_env(&url, &arn, &endpoint, "10s")).await;

    assert!(
        sign_up(&app, "before@example.com").await,
        "{:?}",
        app.process.output()
    );
    let users = scratch.app_connection_users().await;
    assert!(
        !users.is_empty() && users.iter().all(|u| *u == first),
        "{users:?}"
    );

    // RDS rotates the password: the secret now holds other credentials.
    secrets
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(secret_value(&second))
        .send()
        .await
        .expect("the secret is rotated in moto");
    let changed = app
        .process
        .wait_line(40, |l| l.contains("the database secret changed"))
        .await;
    assert!(
        changed.is_some(),
        "no refresh seen:\n{}",
        app.process.output().join("\n")
    );

    // Open connections stay as they were; once they end, the new ones log in with the new user.
    scratch
        .execute(&[format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{first}'"
        )])
        .await;
    let mut signed_up = false;
    for attempt in 0..10 {
        if sign_up(&app, &format!("after{attempt}@example.com")).await {
            signed_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(signed_up, "{}", app.process.output().join("\n"));
    let users = scratch.app_connection_users().await;
    assert!(
        !users.is_empty() && users.iter().all(|u| *u == second),
        "{users:?}"
    );
    let metrics = app.metrics().await;
    assert_eq!(
        sample(
            &metrics,
            "notejam_database_secret_reads_total{result=\"changed\"}"
        ),
        Some(1.0),
        "{metrics}"
    );
    assert!(
        !app.process
            .output()
            .iter()
            .any(|l| l.contains("password of")),
        "the password is never logged"
    );
    drop(app);
    scratch.drop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_malformed_secret_stops_the_start_with_a_clear_error() {
    let scratch = Scratch::create().await;
    let (_moto, endpoint, secrets) = start_moto().await;
    let malformed = secrets
        .create_secret()
        .name("not-credentials")
        .secret_string("just a string")
        .send()
        .await
        .unwrap()
        .arn
        .unwrap();
    let missing = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:no-such-secret-AbCdEf";
    let url = scratch.url_without_credentials();
    for (arn, expected) in [
        (missing, "cannot read the database secret"),
        (
            malformed.as_str(),
            "is not a JSON object with the string fields username and password",
        ),
    ] {
        let mut app = App::launch(&app_env(&url, arn, &endpoint, "1m"));
        let status = tokio::time::timeout(Duration::from_secs(60), app.process.child.wait())
            .await
            .expect("the app exits instead of serving")
            .unwrap();
        assert!(!status.success(), "{arn}");
        tokio::time::sleep(Duration::from_millis(200)).await; // the last lines
        let output = app.process.output().join("\n");
        assert!(output.contains(expected), "{arn}: {output}");
        assert!(output.contains("NOTEJAM_DATABASE_SECRET_ARN"), "{output}");
    }
    scratch.drop_all().await;
}
