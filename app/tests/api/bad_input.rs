//! Bad requests get problem+json with the right status, never a 500, an HTML page or a redirect.

use reqwest::{Method, StatusCode};
use serde_json::json;

use notejam::domain::messages;

use notejam::api::problem;

use crate::helpers::{Reply, TestApp, read};

async fn malformed_bodies_and_media_types(app: TestApp) {
    let token = app.user_with_token("me@example.com").await;
    let raw = |body: &'static str, content_type: &'static str| {
        app.client
            .post(app.url("/api/v1/pads"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let r = raw("{not json", "application/json").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = raw("{\"name\": 5}", "application/json").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = raw("[]", "application/json").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = raw("name=x", "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = app
        .client
        .post(app.url("/api/v1/pads"))
        .bearer_auth(&token)
        .body("{\"name\": \"x\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "no content type"
    );
    assert_eq!(
        app.get("/api/v1/pads", &token).await.body["total"],
        0,
        "nothing was written"
    );
}

/// PostgreSQL cannot store a NUL inside text; a NUL in any field is a 422 on both databases, and
/// the stored pad or note is left as it was. (Schemathesis found the 500 this used to be.)
async fn a_nul_character_is_a_field_error_not_a_500(app: TestApp) {
    let token = app.user_with_token("me@example.com").await;
    let pad = app.create_pad(&token, "Work").await;
    let note = app.create_note(&token, "Plan", Some(pad)).await;
    let expected = json!([messages::NUL_CHARACTER]);

    let (pad_path, note_path) = (
        format!("/api/v1/pads/{pad}"),
        format!("/api/v1/notes/{note}"),
    );
    let writes = [
        (
            Method::POST,
            "/api/v1/pads",
            json!({"name": "a\0b"}),
            "name",
        ),
        (
            Method::PATCH,
            pad_path.as_str(),
            json!({"name": "\u{11}[\0>"}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/notes",
            json!({"name": "n", "text": "t\0"}),
            "text",
        ),
        (
            Method::PATCH,
            note_path.as_str(),
            json!({"name": "\0"}),
            "name",
        ),
    ];
    for (method, path, body, field) in writes {
        let r = app.write(method, path, &token, None, Some(body)).await;
        assert_eq!(r.field_errors()[field], expected, "{path}");
    }

    let pads = app.get("/api/v1/pads", &token).await.body;
    assert_eq!(pads["total"], 1, "{pads}");
    assert_eq!(pads["items"][0]["name"], "Work", "{pads}");
    let stored = app.get(&format!("/api/v1/notes/{note}"), &token).await.body;
    assert_eq!(stored["name"], "Plan", "{stored}");
    assert_eq!(app.get("/api/v1/notes", &token).await.body["total"], 1);
}

async fn a_body_over_one_mebibyte_is_413(app: TestApp) {
    let token = app.user_with_token("me@example.com").await;
    let huge = json!({"name": "big", "text": "x".repeat(1024 * 1024 + 10)});
    let r = app.post("/api/v1/notes", Some(&token), huge.clone()).await;
    r.problem(413);
    // Sent in chunks, without a Content-Length, on a raw connection.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap();
    let head = format!(
        "POST /api/v1/notes HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let bytes = serde_json::to_vec(&huge).unwrap();
    for chunk in bytes.chunks(64 * 1024) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if conn.write_all(&framed).await.is_err() {
            break; // the server may answer and close before the whole body is sent
        }
    }
    let _ = conn.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 64];
    let n = conn.read(&mut answer).await.unwrap();
    let status_line = String::from_utf8_lossy(&answer[..n]).to_string();
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");
    assert_eq!(app.get("/api/v1/notes", &token).await.body["total"], 0);
}

/// The reply to a request being sent.
async fn sent(
    request: impl std::future::Future<Output = reqwest::Result<reqwest::Response>>,
) -> Reply {
    read(request.await.expect("the request is sent")).await
}

/// Every operation that reads a JSON body refuses one over 1 MiB (413), one that is not JSON
/// (415), and names each field of the wrong JSON type in a 422; none of them writes anything.
async fn every_body_operation_refuses_what_it_cannot_read(app: TestApp) {
    let token = app.user_with_token("me@example.com").await;
    let pad = app.create_pad(&token, "Work").await;
    let note = app.create_note(&token, "Plan", Some(pad)).await;
    let before = app.get(&format!("/api/v1/notes/{note}"), &token).await;
    let operations = [
        (Method::POST, "/api/v1/users".to_owned(), "email"),
        (Method::POST, "/api/v1/tokens".to_owned(), "email"),
        (
            Method::PUT,
            "/api/v1/me/password".to_owned(),
            "new_password",
        ),
        (Method::POST, "/api/v1/pads".to_owned(), "name"),
        (Method::PATCH, format!("/api/v1/pads/{pad}"), "name"),
        (Method::POST, "/api/v1/notes".to_owned(), "name"),
        (Method::PUT, format!("/api/v1/notes/{note}"), "text"),
        (Method::PATCH, format!("/api/v1/notes/{note}"), "text"),
    ];
    let huge = "x".repeat(1024 * 1024 + 1);
    for (method, path, field) in &operations {
        let raw = |body: String, content_type: &'static str| {
            app.client
                .request(method.clone(), app.url(path))
                .bearer_auth(&token)
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let r = sent(raw(
            format!("{{\"{field}\": \"{huge}\"}}"),
            "application/json",
        ))
        .await;
        r.problem(413);
        let r = sent(raw(
            format!("{field}=x"),
            "application/x-www-form-urlencoded",
        ))
        .await;
        r.problem(415);
        let r = sent(raw(
            format!("{{\"{field}\": 5, \"pad_id\": \"x\"}}"),
            "application/json",
        ))
        .await;
        assert_eq!(
            r.field_errors()[*field],
            json!([problem::MUST_BE_STRING]),
            "{method} {path}: {r:?}"
        );
        if path.contains("/notes") {
            assert_eq!(
                r.field_errors()["pad_id"],
                json!([problem::MUST_BE_INTEGER_OR_NULL]),
                "{method} {path}"
            );
        }
        let r = sent(raw("[1, 2]".to_owned(), "application/json")).await;
        assert_eq!(
            r.problem(422)["detail"],
            problem::NOT_AN_OBJECT,
            "{method} {path}"
        );
    }
    // Nothing was written, and the password still works.
    let after = app.get(&format!("/api/v1/notes/{note}"), &token).await;
    assert_eq!(after.etag(), before.etag());
    assert_eq!(after.body, before.body);
    assert_eq!(
        app.get("/api/v1/pads", &token).await.body["items"][0]["name"],
        "Work"
    );
    assert_eq!(app.get("/api/v1/notes", &token).await.body["total"], 1);
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);
    // A DELETE's body is not read, so its size does not matter.
    let r = read(
        app.client
            .delete(app.url(&format!("/api/v1/notes/{note}")))
            .bearer_auth(&token)
            .body(huge.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
}

async fn odd_paths_and_methods_are_problems_not_pages(app: TestApp) {
    let token = app.user_with_token("me@example.com").await;
    for path in [
        "/api/v1/notes/abc",
        "/api/v1/notes/99999999999999999999999",
        "/api/v1/pads/-",
        "/api/v1/nothing",
        "/api/v1",
        "/api",
    ] {
        let r = app.get(path, &token).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {r:?}");
        assert_eq!(
            r.header("content-type"),
            Some("application/problem+json"),
            "{path}"
        );
        assert!(
            r.header("location").is_none(),
            "no trailing-slash redirect for {path}"
        );
    }
    let r = app
        .send(Method::PATCH, "/api/v1/tokens", Some(&token), &[], None)
        .await;
    r.problem(405);
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = app
        .send(Method::POST, "/api/v1/notes/1", Some(&token), &[], None)
        .await;
    r.problem(405);
    assert_eq!(r.header("allow"), Some("DELETE, GET, PATCH, PUT"));
    // The pages keep their own behaviour.
    let page = app.client.get(app.url("/signin")).send().await.unwrap();
    assert!(page.status().is_redirection());
}

crate::both_databases!(
    malformed_bodies_and_media_types,
    a_nul_character_is_a_field_error_not_a_500,
    a_body_over_one_mebibyte_is_413,
    every_body_operation_refuses_what_it_cannot_read,
    odd_paths_and_methods_are_problems_not_pages,
);
