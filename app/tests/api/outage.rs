//! A database outage: while PostgreSQL cannot be reached, the API answers a fast 503 with
//! `Retry-After` as problem+json and the pages a friendly 503 page, both long before the pool's
//! acquire timeout; when the database is back, the same process serves again.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::db_proxy::DbProxy;
use crate::helpers::{TestApp, postgres_address, spawn_app_reaching_postgres_at};

/// The pool's acquire timeout in this test: an answer that waited for it would take this long.
const ACQUIRE_TIMEOUT_S: u64 = 30;
/// "Fast": a third of the acquire timeout, so only an answer that did not wait for the pool passes.
const FAST: Duration = Duration::from_secs(ACQUIRE_TIMEOUT_S / 3);
const RESET_PAGE: &str = "/reset-password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/";

/// The API's and a page's answer during the outage, each timed.
async fn during_outage(app: &TestApp, token: &str) {
    let started = Instant::now();
    let api = app.get("/api/v1/notes", token).await;
    let api_took = started.elapsed();
    let problem = api.problem(503);
    assert!(
        problem["detail"].as_str().unwrap().contains("database"),
        "{api:?}"
    );
    let retry: u64 = api
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{api:?}");
    assert!(
        api_took < FAST,
        "the API waited {api_took:?} for a database that is down"
    );

    let started = Instant::now();
    let page = app.client.get(app.url(RESET_PAGE)).send().await.unwrap();
    let page_took = started.elapsed();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.headers().get("retry-after").is_some(), "{page:?}");
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = page.text().await.unwrap();
    assert!(body.contains("try again"), "a friendly page: {body}");
    assert!(
        page_took < FAST,
        "the page waited {page_took:?} for a database that is down"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_a_fast_503_and_the_app_recovers_by_itself() {
    let mut proxy = DbProxy::start(&postgres_address()).await;
    let timeout = format!("{ACQUIRE_TIMEOUT_S}s");
    let app =
        spawn_app_reaching_postgres_at(proxy.addr(), &["--db-acquire-timeout", &timeout]).await;
    let token = app.user_with_token("outage@example.com").await;
    assert_eq!(
        app.get("/api/v1/notes", &token).await.status,
        StatusCode::OK
    );

    proxy.cut();
    // The first requests after the cut, and the ones after the app has noticed, alike.
    for _ in 0..3 {
        during_outage(&app, &token).await;
    }

    proxy.restore();
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..100 {
        status = app.get("/api/v1/notes", &token).await.status;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status,
        StatusCode::OK,
        "served again once the database is back"
    );
    let page = app.client.get(app.url(RESET_PAGE)).send().await.unwrap();
    assert_eq!(
        page.status(),
        StatusCode::NOT_FOUND,
        "the page reads the database again"
    );
}

/// SQLite's side of an outage: the file locked by another process (a backup, a migration) past
/// the busy timeout. A write is answered 503 with `Retry-After`, not 500, and succeeds again once
/// the lock is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_sqlite_database_is_a_503_until_it_is_released() {
    use sqlx::Connection;
    let app = crate::helpers::spawn_app(crate::common::Db::Sqlite).await;
    let token = app.user_with_token("locked@example.com").await;
    let mut holder = sqlx::SqliteConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let body = serde_json::json!({"name": "while locked"});
    let locked = app.post("/api/v1/pads", Some(&token), body.clone()).await;
    locked.problem(503);
    assert!(locked.header("retry-after").is_some(), "{locked:?}");
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut holder)
        .await
        .unwrap();
    let created = app.post("/api/v1/pads", Some(&token), body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
}
