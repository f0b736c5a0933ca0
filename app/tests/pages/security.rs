//! CSRF, escaping, the session cookie and security headers.

use reqwest::StatusCode;

use crate::both_databases;
use crate::helpers::TestApp;

async fn posts_without_a_valid_csrf_token_are_403(app: TestApp) {
    // Anonymous forms.
    for path in ["/signup/", "/signin/", "/forgot-password/"] {
        app.get(path).await; // the session now holds a token
        let fields = [
            ("email", "x@example.com"),
            ("password", "password123"),
            ("repeat_password", "password123"),
        ];
        let r = app.post_raw(path, &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "missing token on {path}");
        assert!(r.body.contains("This form has expired"), "a clear message");
        let forged = [&[("csrf_token", "forged")], &fields[..2]].concat();
        let r = app.post_raw(path, &forged).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "wrong token on {path}");
    }
    assert_eq!(
        app.signin("x@example.com", "password123").await.status,
        StatusCode::OK,
        "the forged sign-up created nothing"
    );
    // Signed-in forms, with a token from another browser's session.
    app.signed_in_user("csrf@example.com").await;
    let pad = app.create_pad("P").await;
    let note = app.create_note("N", "t", pad).await;
    let other = app.another_browser();
    let foreign_token = other.get("/signin/").await.csrf_token();
    for path in [
        "/pads/create/".to_owned(),
        format!("/pads/{pad}/edit/"),
        format!("/pads/{pad}/delete/"),
        "/notes/create/".to_owned(),
        format!("/notes/{note}/edit/"),
        format!("/notes/{note}/delete/"),
        "/settings/".to_owned(),
    ] {
        let r = app
            .post_raw(
                &path,
                &[("csrf_token", &foreign_token), ("name", "x"), ("text", "y")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        app.get(&format!("/notes/{note}/")).await.heading(),
        "N",
        "nothing changed"
    );
    assert_eq!(app.get(&format!("/pads/{pad}/")).await.heading(), "P (1)");
}

async fn names_and_text_are_escaped(app: TestApp) {
    app.signed_in_user("xss@example.com").await;
    let evil = r#"<script>alert("x")</script>"#;
    let pad = app.create_pad(evil).await;
    let note = app
        .create_note(evil, &format!("{evil} & <b>bold</b>"), pad)
        .await;
    for path in [
        "/".to_owned(),
        format!("/pads/{pad}/"),
        format!("/notes/{note}/"),
        format!("/notes/{note}/edit/"),
        format!("/pads/{pad}/delete/"),
    ] {
        let page = app.get(&path).await;
        assert!(!page.body.contains("<script>"), "{path} must escape");
        assert!(
            page.body.contains("&lt;script&gt;"),
            "{path} shows the text"
        );
    }
    let view = app.get(&format!("/notes/{note}/")).await;
    assert!(view.body.contains("&amp; &lt;b&gt;bold&lt;/b&gt;"));
}

async fn session_cookie_and_headers(app: TestApp) {
    let r = app.get("/signin/").await;
    let cookie = r
        .headers
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("notejam_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "not Secure unless configured: {cookie}"
    );
    assert!(
        !cookie.contains("csrf"),
        "the cookie is encrypted, its content unreadable: {cookie}"
    );
    assert_eq!(r.headers.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert!(
        r.headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
}

async fn a_tampered_session_cookie_is_ignored(app: TestApp) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .get(app.url("/"))
        .header("cookie", "notejam_session=%7B%22uid%22%3A1%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FOUND,
        "a forged plain-text session signs nobody in"
    );
}

async fn sessions_survive_a_restart(app: TestApp) {
    app.signed_in_user("restart@example.com").await;
    // A second server (another replica, or the same after a restart) with the same key and database.
    let second =
        notejam::startup::Application::build(crate::common::settings_for(&app.database_url, &[]))
            .await
            .unwrap();
    let address = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped(std::future::pending()));
    let moved = app.pointed_at(address);
    let home = moved.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("restart@example.com"));
}

async fn static_files_are_cached_and_versioned(app: TestApp) {
    let page = app.get("/signin/").await;
    let href = page
        .html()
        .select(&scraper::Selector::parse(r#"link[rel="stylesheet"]"#).unwrap())
        .filter_map(|l| l.value().attr("href").map(str::to_owned))
        .find(|h| h.contains("style.css"))
        .expect("the stylesheet is linked");
    assert!(href.contains("?v="), "{href}");
    let css = app.get(&href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(
        css.headers.get("cache-control").unwrap(),
        "public, max-age=31536000, immutable"
    );
    let etag = css
        .headers
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let again = app
        .client
        .get(app.url(&href))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let skeleton = app.get("/static/vendor/skeleton.css").await;
    assert!(
        skeleton.body.contains("Skeleton V2.0.4") && skeleton.body.contains("MIT"),
        "vendored with its header"
    );
    assert_eq!(
        app.get("/static/css/nope.css").await.status,
        StatusCode::NOT_FOUND
    );
}

both_databases!(
    posts_without_a_valid_csrf_token_are_403,
    names_and_text_are_escaped,
    session_cookie_and_headers,
    a_tampered_session_cookie_is_ignored,
    sessions_survive_a_restart,
    static_files_are_cached_and_versioned,
);
