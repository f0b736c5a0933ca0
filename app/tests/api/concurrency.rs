//! Concurrent unconditional writes: every answer carries exactly the row its own write made (the
//! name it sent, and an ETag no other answer has), never another writer's.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, read};

/// Writers at once on one resource.
const WRITERS: usize = 120;

/// Sends `WRITERS` writes of `method` to `path` at once, writer `i` setting the name `{prefix} {i}`,
/// and checks that each answer has that name and that all ETags differ.
async fn each_answer_is_its_own_write(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: impl Fn(&str) -> Value,
) {
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..WRITERS {
        let name = format!("writer {i}");
        let request = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth(token)
            .json(&body(&name));
        writes.spawn(async move { (name, read(request.send().await.expect("sent")).await) });
    }
    let replies = writes.join_all().await;
    let mut etags = HashSet::new();
    let mut wrong = Vec::new();
    for (name, reply) in &replies {
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        if reply.body["name"] != json!(name) {
            wrong.push(format!("sent {name:?}, answered {}", reply.body["name"]));
        }
        etags.insert(reply.etag());
    }
    assert!(
        wrong.is_empty(),
        "{} of {WRITERS} answers carried another writer's row ({} distinct ETags), e.g. {:?}",
        wrong.len(),
        etags.len(),
        &wrong[..wrong.len().min(3)]
    );
    assert_eq!(etags.len(), WRITERS, "one distinct ETag per write");
    // The last write is what a read sees, with the highest ETag of all.
    let now = app.get(path, token).await;
    assert!(etags.contains(&now.etag()), "{now:?}");
}

async fn concurrent_note_writes_each_answer_with_their_own_write(app: TestApp) {
    let token = app.user_with_token("racer@example.com").await;
    let id = app.create_note(&token, "start", None).await;
    let path = format!("/api/v1/notes/{id}");
    let patch = |name: &str| json!({"name": name});
    each_answer_is_its_own_write(&app, &token, Method::PATCH, &path, patch).await;
    let replace = |name: &str| json!({"name": name, "text": format!("text of {name}")});
    each_answer_is_its_own_write(&app, &token, Method::PUT, &path, replace).await;
}

async fn concurrent_pad_renames_each_answer_with_their_own_write(app: TestApp) {
    let token = app.user_with_token("racer@example.com").await;
    let id = app.create_pad(&token, "start").await;
    let path = format!("/api/v1/pads/{id}");
    each_answer_is_its_own_write(
        &app,
        &token,
        Method::PATCH,
        &path,
        |name| json!({"name": name}),
    )
    .await;
}

crate::both_databases!(
    concurrent_note_writes_each_answer_with_their_own_write,
    concurrent_pad_renames_each_answer_with_their_own_write,
);
