//! Pads: create, list, read, rename with ETags, delete with their notes; other users' pads are 404.

use notejam::domain::messages;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

async fn pad_lifecycle_with_etags(app: TestApp) {
    let token = app.user_with_token("me@example.com").await;
    let created = app
        .post("/api/v1/pads", Some(&token), json!({"name": "  Work  "}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.body["name"], "Work");
    let id = created.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/pads/{id}");
    assert_eq!(created.header("location"), Some(path.as_str()));
    let first_etag = created.etag();

    app.create_pad(&token, "alpha").await;
    let list = app.get("/api/v1/pads", &token).await;
    assert_eq!(list.body["total"], 2);
    let names: Vec<_> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, [json!("alpha"), json!("Work")]);

    let read = app.get(&path, &token).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.etag(), first_etag);

    let renamed = app
        .patch(&path, &token, Some(&first_etag), json!({"name": "Office"}))
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{renamed:?}");
    assert_eq!(renamed.body["name"], "Office");
    let second_etag = renamed.etag();
    assert_ne!(second_etag, first_etag);

    // A client still holding the first ETag cannot overwrite the rename.
    let stale = app
        .patch(&path, &token, Some(&first_etag), json!({"name": "Lost"}))
        .await;
    stale.problem(412);
    app.delete(&path, &token, Some(&first_etag))
        .await
        .problem(412);
    assert_eq!(app.get(&path, &token).await.body["name"], "Office");

    let invalid = app
        .patch(&path, &token, None, json!({"name": "x".repeat(101)}))
        .await;
    assert_eq!(
        invalid.field_errors(),
        json!({"name": [messages::NAME_TOO_LONG]})
    );
    let blank = app
        .post("/api/v1/pads", Some(&token), json!({"name": "   "}))
        .await;
    assert_eq!(blank.field_errors(), json!({"name": [messages::REQUIRED]}));

    // Deleting the pad deletes its notes.
    let note = app.create_note(&token, "inside", Some(id)).await;
    let outside = app.create_note(&token, "outside", None).await;
    let deleted = app.delete(&path, &token, Some(&second_etag)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");
    app.get(&path, &token).await.problem(404);
    app.get(&format!("/api/v1/notes/{note}"), &token)
        .await
        .problem(404);
    assert_eq!(
        app.get(&format!("/api/v1/notes/{outside}"), &token)
            .await
            .status,
        StatusCode::OK
    );
    app.delete(&path, &token, None).await.problem(404);
}

async fn other_users_pads_are_404_on_every_operation(app: TestApp) {
    let owner = app.user_with_token("owner@example.com").await;
    let intruder = app.user_with_token("intruder@example.com").await;
    let pad = app.create_pad(&owner, "Private").await;
    let etag = app.get(&format!("/api/v1/pads/{pad}"), &owner).await.etag();
    let path = format!("/api/v1/pads/{pad}");

    app.get(&path, &intruder).await.problem(404);
    let rename = Some(json!({"name": "Mine now"}));
    let writes = vec![
        (Method::PATCH, None, rename.clone()),
        (Method::PATCH, Some(etag.as_str()), rename.clone()),
        (Method::PATCH, Some("\"v999\""), rename),
        (Method::DELETE, None, None),
        (Method::DELETE, Some("\"zzz\""), None),
    ];
    app.assert_writes_not_found(&path, &intruder, writes).await;
    app.get(&format!("/api/v1/notes?pad={pad}"), &intruder)
        .await
        .problem(404);
    let into = app
        .post_note(&intruder, json!({"name": "n", "text": "t", "pad_id": pad}))
        .await;
    assert_eq!(
        into.field_errors(),
        json!({"pad_id": [messages::NOT_A_VALID_CHOICE]})
    );
    assert_eq!(app.get("/api/v1/pads", &intruder).await.body["total"], 0);

    let untouched = app.get(&path, &owner).await;
    assert_eq!(untouched.body["name"], "Private");
    assert_eq!(untouched.etag(), etag);
}

crate::both_databases!(
    pad_lifecycle_with_etags,
    other_users_pads_are_404_on_every_operation
);
