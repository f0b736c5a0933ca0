//! Notes: create, read, replace, patch, delete with ETags; listing with pad, order, limit, page
//! and total; other users' notes are 404.

use notejam::domain::messages;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn note_lifecycle_with_etags(app: TestApp) {
    let token = app.user_with_token("me@example.com").await;
    let pad = app.create_pad(&token, "Recipes").await;
    let created = app
        .post_note(
            &token,
            json!({"name": " Pancakes ", "text": "Flour\r\nmilk", "pad_id": pad}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/notes/{id}").as_str())
    );
    assert_eq!(created.body["name"], "Pancakes");
    assert_eq!(created.body["text"], "Flour\nmilk");
    assert_eq!(created.body["pad_id"], pad);
    assert_eq!(created.body["pad_name"], "Recipes");
    let path = format!("/api/v1/notes/{id}");
    let v1 = created.etag();
    assert_eq!(app.get(&path, &token).await.etag(), v1);

    let patched = app
        .patch(&path, &token, Some(&v1), json!({"text": "Eggs too"}))
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{patched:?}");
    assert_eq!(patched.body["name"], "Pancakes");
    assert_eq!(patched.body["text"], "Eggs too");
    assert_eq!(patched.body["pad_id"], pad);
    let v2 = patched.etag();
    assert_ne!(v1, v2);

    // Two clients read v1; the second one's write is refused, not silently applied.
    app.put(
        &path,
        &token,
        Some(&v1),
        json!({"name": "Crêpes", "text": "thin"}),
    )
    .await
    .problem(412);
    app.patch(&path, &token, Some(&v1), json!({"name": "Crêpes"}))
        .await
        .problem(412);
    app.delete(&path, &token, Some(&v1)).await.problem(412);
    assert_eq!(app.get(&path, &token).await.body["text"], "Eggs too");

    let replaced = app
        .put(
            &path,
            &token,
            Some(&v2),
            json!({"name": "Crêpes", "text": "thin"}),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{replaced:?}");
    assert_eq!(
        replaced.body["pad_id"],
        Value::Null,
        "PUT without pad_id takes it out of the pad"
    );
    let v3 = replaced.etag();

    let back = app
        .patch(&path, &token, Some("*"), json!({"pad_id": pad}))
        .await;
    assert_eq!(back.body["pad_id"], pad);
    let out = app
        .patch(&path, &token, None, json!({"pad_id": null}))
        .await;
    assert_eq!(out.body["pad_id"], Value::Null);
    assert_ne!(out.etag(), v3);

    let deleted = app.delete(&path, &token, Some(&out.etag())).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");
    app.get(&path, &token).await.problem(404);
    app.delete(&path, &token, None).await.problem(404);
}

async fn note_fields_follow_the_rules_of_the_note_form(app: TestApp) {
    let token = app.user_with_token("me@example.com").await;
    let long = app
        .post_note(
            &token,
            json!({"name": "n".repeat(101), "text": "x".repeat(100_001), "pad_id": 123456}),
        )
        .await;
    assert_eq!(
        long.field_errors(),
        json!({"name": [messages::NAME_TOO_LONG], "text": [messages::TEXT_TOO_LONG], "pad_id": [messages::NOT_A_VALID_CHOICE]})
    );
    let id = app.create_note(&token, "kept", None).await;
    let path = format!("/api/v1/notes/{id}");
    // Absent, blank and null name and text are all missing.
    let both_required = json!({"name": [messages::REQUIRED], "text": [messages::REQUIRED]});
    for (method, path, body) in [
        (Method::POST, "/api/v1/notes", json!({})),
        (Method::PATCH, &path, json!({"name": " ", "text": "\n"})),
        (Method::PATCH, &path, json!({"name": null, "text": null})),
    ] {
        let r = app
            .write(method, path, &token, None, Some(body.clone()))
            .await;
        assert_eq!(r.field_errors(), both_required, "{body}");
    }
    let zero = app
        .put(
            &path,
            &token,
            None,
            json!({"name": "a", "text": "b", "pad_id": 0}),
        )
        .await;
    assert_eq!(
        zero.field_errors(),
        json!({"pad_id": [messages::NOT_A_VALID_CHOICE]})
    );
    let listed = app.get("/api/v1/notes", &token).await;
    assert_eq!(
        listed.body["total"], 1,
        "failed writes wrote nothing: {listed:?}"
    );
    assert_eq!(listed.body["items"][0]["name"], "kept");
}

async fn listing_filters_sorts_and_pages_with_the_total(app: TestApp) {
    let token = app.user_with_token("me@example.com").await;
    let pad = app.create_pad(&token, "P").await;
    for name in ["b", "D", "a", "c", "e"] {
        app.create_note(&token, name, Some(pad)).await;
    }
    app.create_note(&token, "loose", None).await;
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap().to_owned())
            .collect()
    };

    let all = app.get("/api/v1/notes", &token).await;
    assert_eq!(all.body["total"], 6);
    assert_eq!(all.body["limit"], 50);
    assert_eq!(all.body["next_page"], Value::Null);
    assert_eq!(
        names(&all.body),
        ["loose", "e", "c", "a", "D", "b"],
        "newest first by default"
    );

    let by_name = app
        .get(
            &format!("/api/v1/notes?pad={pad}&order=name&limit=2"),
            &token,
        )
        .await;
    assert_eq!(by_name.body["total"], 5);
    assert_eq!(names(&by_name.body), ["a", "b"]);
    assert_eq!(by_name.body["next_page"], 2);
    let page3 = app
        .get(
            &format!("/api/v1/notes?pad={pad}&order=name&limit=2&page=3"),
            &token,
        )
        .await;
    assert_eq!(names(&page3.body), ["e"]);
    assert_eq!(page3.body["next_page"], Value::Null);
    let beyond = app
        .get(&format!("/api/v1/notes?pad={pad}&limit=2&page=9"), &token)
        .await;
    assert_eq!(beyond.body["total"], 5);
    assert_eq!(names(&beyond.body), Vec::<String>::new());

    let desc = app.get("/api/v1/notes?order=-name&limit=3", &token).await;
    assert_eq!(names(&desc.body), ["loose", "e", "D"]);
    let oldest = app
        .get("/api/v1/notes?order=updated_at&limit=1", &token)
        .await;
    assert_eq!(names(&oldest.body), ["b"]);

    for bad in [
        "limit=0",
        "limit=101",
        "limit=x",
        "page=0",
        "order=NAME",
        "order=id",
        "pad=x",
    ] {
        let r = app.get(&format!("/api/v1/notes?{bad}"), &token).await;
        // The parameter is named in `errors`, like a body field.
        let param = bad.split('=').next().unwrap();
        assert!(r.field_errors()[param][0].is_string(), "{bad}: {r:?}");
    }
    app.get("/api/v1/notes?pad=999999", &token)
        .await
        .problem(404);

    // Another user sees none of them.
    let other = app.user_with_token("other@example.com").await;
    assert_eq!(app.get("/api/v1/notes", &other).await.body["total"], 0);
}

async fn other_users_notes_are_404_on_every_operation(app: TestApp) {
    let owner = app.user_with_token("owner@example.com").await;
    let intruder = app.user_with_token("intruder@example.com").await;
    let intruder_pad = app.create_pad(&intruder, "Theirs").await;
    let note = app.create_note(&owner, "Secret", None).await;
    let path = format!("/api/v1/notes/{note}");
    let etag = app.get(&path, &owner).await.etag();

    app.get(&path, &intruder).await.problem(404);
    let replace = json!({"name": "x", "text": "y"});
    let writes = vec![
        (Method::PUT, None, Some(replace.clone())),
        (Method::PUT, Some(etag.as_str()), Some(replace)),
        (Method::PATCH, None, Some(json!({"pad_id": intruder_pad}))),
        (Method::PATCH, Some("\"nope\""), Some(json!({"name": "x"}))),
        (Method::DELETE, None, None),
        (Method::DELETE, Some(etag.as_str()), None),
    ];
    app.assert_writes_not_found(&path, &intruder, writes).await;
    // The owner cannot move their note into the intruder's pad either.
    let moved = app
        .patch(&path, &owner, None, json!({"pad_id": intruder_pad}))
        .await;
    assert_eq!(
        moved.field_errors(),
        json!({"pad_id": [messages::NOT_A_VALID_CHOICE]})
    );

    let untouched = app.get(&path, &owner).await;
    assert_eq!(untouched.body["name"], "Secret");
    assert_eq!(untouched.etag(), etag);
}

crate::both_databases!(
    note_lifecycle_with_etags,
    note_fields_follow_the_rules_of_the_note_form,
    listing_filters_sorts_and_pages_with_the_total,
    other_users_notes_are_404_on_every_operation,
);
