//! Bad input gets a clear 4xx (or a form error) and loses nothing; never a 500.

use reqwest::StatusCode;

use crate::both_databases;
use crate::helpers::TestApp;

const FORM: &str = "application/x-www-form-urlencoded";

async fn huge_bodies_are_413(app: TestApp) {
    app.signed_in_user("huge@example.com").await;
    let token = app.get("/notes/create/").await.csrf_token();
    let body = format!(
        "csrf_token={token}&name=big&pad=0&text={}",
        "a".repeat(3 * 1024 * 1024)
    );
    let r = app.post_body("/notes/create/", FORM, body).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.get("/").await.heading(), "All notes (0)");
    // A text just over the limit of 100,000 characters is a form error, not a 413.
    let long = "b".repeat(100_001);
    let r = app
        .post_form(
            "/notes/create/",
            &[("name", "long"), ("text", &long), ("pad", "0")],
        )
        .await;
    r.assert_errors(&[("text", "Field cannot be longer than 100000 characters.")]);
}

async fn non_utf8_forms_are_400(app: TestApp) {
    app.signed_in_user("bytes@example.com").await;
    let token = app.get("/pads/create/").await.csrf_token();
    for body in [
        format!("csrf_token={token}&name=%FF%FE"),
        format!("csrf_token={token}&name=a%00b"),
    ] {
        let r = app.post_body("/pads/create/", FORM, body.clone()).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        assert!(
            r.text().await.unwrap().contains("The form data"),
            "a clear message"
        );
    }
    let raw: Vec<u8> = [
        format!("csrf_token={token}&name=").into_bytes(),
        vec![0xC3, 0x28],
    ]
    .concat();
    let r = app.post_body("/pads/create/", FORM, raw).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        app.get("/").await.texts("nav.sidebar li a").is_empty(),
        "nothing written"
    );
}

async fn other_content_types_are_415(app: TestApp) {
    app.signed_in_user("json@example.com").await;
    let r = app
        .post_body("/pads/create/", "application/json", r#"{"name":"x"}"#)
        .await;
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

async fn absurd_and_non_numeric_ids_are_404(app: TestApp) {
    app.signed_in_user("ids@example.com").await;
    for id in [
        "abc",
        "0",
        "-5",
        "1.5",
        "99999999999999999999999999",
        "9223372036854775807",
        "%20",
    ] {
        for path in [
            format!("/notes/{id}/"),
            format!("/notes/{id}/edit/"),
            format!("/pads/{id}/"),
            format!("/pads/{id}/delete/"),
        ] {
            let r = app.get(&path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
            assert!(
                r.body.contains("does not exist"),
                "a plain error page for {path}"
            );
        }
    }
    let token = app.get("/pads/create/").await.csrf_token();
    assert_eq!(
        app.post_raw("/notes/abc/delete/", &[("csrf_token", &token)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/reset-password/not-a-token/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/no/such/page/").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn unknown_order_values_fall_back(app: TestApp) {
    app.signed_in_user("order@example.com").await;
    app.create_note("only", "t", 0).await;
    for order in ["'; DROP TABLE notes; --", "name%00", "", "-", "NAME"] {
        let r = app.get(&format!("/?order={order}")).await;
        assert_eq!(r.status, StatusCode::OK, "order={order}");
        assert_eq!(r.note_names(), vec!["only"]);
    }
}

async fn paths_without_trailing_slash_redirect(app: TestApp) {
    for (path, to) in [
        ("/signin", "/signin/"),
        ("/signup", "/signup/"),
        ("/pads/create", "/pads/create/"),
        ("/notes/5", "/notes/5/"),
    ] {
        let r = app.get(path).await;
        assert!(
            matches!(
                r.status,
                StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
            ),
            "{path}: {}",
            r.status
        );
        assert_eq!(r.location.as_deref(), Some(to));
    }
    let r = app.get("/signin?next=%2Fpads%2F").await;
    assert_eq!(
        r.location.as_deref(),
        Some("/signin/?next=%2Fpads%2F"),
        "the query is kept"
    );
}

async fn wrong_methods_are_405(app: TestApp) {
    let r = app.client.delete(app.url("/signin/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let r = app.client.post(app.url("/signout/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
}

both_databases!(
    huge_bodies_are_413,
    non_utf8_forms_are_400,
    other_content_types_are_415,
    absurd_and_non_numeric_ids_are_404,
    unknown_order_values_fall_back,
    paths_without_trailing_slash_redirect,
    wrong_methods_are_405,
);
