//! Sign up, sign in, sign out, settings and the sign-in throttle.

use reqwest::StatusCode;

use crate::both_databases;
use crate::helpers::TestApp;

const REQUIRED: &str = "This field is required.";

async fn signup_success(app: TestApp) {
    let r = app.signup("alice@example.com", "password123").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location.as_deref(), Some("/signin/"));
    let next = app.get("/signin/").await;
    assert_eq!(
        next.flashes(),
        vec![(
            "success".into(),
            "Account is created. Now you can sign in.".into()
        )]
    );
    // The flash shows once.
    assert!(app.get("/signin/").await.flashes().is_empty());
}

async fn signup_required_fields(app: TestApp) {
    let r = app
        .post_form(
            "/signup/",
            &[("email", ""), ("password", ""), ("repeat_password", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.field_errors(),
        vec![
            ("email".into(), vec![REQUIRED.into()]),
            ("password".into(), vec![REQUIRED.into()]),
            ("repeat_password".into(), vec![REQUIRED.into()]),
        ]
    );
}

async fn signup_invalid_email_keeps_values_but_not_passwords(app: TestApp) {
    let r = app
        .post_form(
            "/signup/",
            &[
                ("email", "not-an-email"),
                ("password", "password123"),
                ("repeat_password", "password123"),
            ],
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("email".into(), vec!["Invalid email address.".into()])]
    );
    assert!(r.body.contains(r#"value="not-an-email""#));
    assert!(
        !r.body.contains("password123"),
        "passwords are never echoed"
    );
}

async fn signup_email_taken_in_any_case(app: TestApp) {
    assert_eq!(
        app.signup("bob@example.com", "password123").await.status,
        StatusCode::FOUND
    );
    let r = app.signup("BOB@Example.com", "password123").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.field_errors(),
        vec![(
            "email".into(),
            vec!["User with this email is already signed up".into()]
        )]
    );
    // And the first account still signs in with any letter case.
    assert_eq!(
        app.signin("Bob@EXAMPLE.com", "password123")
            .await
            .location
            .as_deref(),
        Some("/")
    );
}

async fn signup_passwords_differ(app: TestApp) {
    let r = app
        .post_form(
            "/signup/",
            &[
                ("email", "c@example.com"),
                ("password", "password123"),
                ("repeat_password", "password124"),
            ],
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![(
            "repeat_password".into(),
            vec!["Your passwords do not match".into()]
        )]
    );
}

async fn signup_password_too_short(app: TestApp) {
    let r = app
        .post_form(
            "/signup/",
            &[
                ("email", "d@example.com"),
                ("password", "short"),
                ("repeat_password", "short"),
            ],
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![(
            "password".into(),
            vec!["Password must be at least 8 characters long.".into()]
        )]
    );
    // Nothing was written: the address is still free.
    assert_eq!(
        app.signup("d@example.com", "password123").await.status,
        StatusCode::FOUND
    );
}

async fn signin_success_and_signout(app: TestApp) {
    app.signup("e@example.com", "password123").await;
    let r = app.signin("e@example.com", "password123").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location.as_deref(), Some("/"));
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(
        home.flashes(),
        vec![("success".into(), "You are signed in!".into())]
    );
    assert!(home.body.contains("e@example.com"));
    assert_eq!(home.heading(), "All notes (0)");
    let out = app.get("/signout/").await;
    assert_eq!(out.location.as_deref(), Some("/signin/"));
    assert_eq!(
        app.get("/").await.location.as_deref(),
        Some("/signin/?next=%2F")
    );
}

async fn signin_wrong_password_or_unknown_email(app: TestApp) {
    app.signup("f@example.com", "password123").await;
    for (email, password) in [
        ("f@example.com", "wrong-password"),
        ("nobody@example.com", "password123"),
    ] {
        let r = app.signin(email, password).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.flashes(),
            vec![("error".into(), "Wrong email or password".into())]
        );
        assert_eq!(
            app.get("/").await.status,
            StatusCode::FOUND,
            "still signed out"
        );
    }
}

async fn signin_required_and_invalid(app: TestApp) {
    let r = app
        .post_form("/signin/", &[("email", ""), ("password", "")])
        .await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("email".into(), vec![REQUIRED.into()]),
            ("password".into(), vec![REQUIRED.into()])
        ]
    );
    let r = app
        .post_form("/signin/", &[("email", "nope"), ("password", "x")])
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("email".into(), vec!["Invalid email address.".into()])]
    );
}

async fn signin_honours_local_next_only(app: TestApp) {
    app.signup("g@example.com", "password123").await;
    let pad_redirect = app.get("/pads/create/").await;
    assert_eq!(
        pad_redirect.location.as_deref(),
        Some("/signin/?next=%2Fpads%2Fcreate%2F")
    );
    let r = app
        .submit(
            "/signin/?next=%2Fpads%2Fcreate%2F",
            "/signin/?next=%2Fpads%2Fcreate%2F",
            &[("email", "g@example.com"), ("password", "password123")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/pads/create/"));
    app.get("/signout/").await;
    for evil in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let path = format!("/signin/?next={}", urlencode(evil));
        let r = app
            .submit(
                &path,
                &path,
                &[("email", "g@example.com"), ("password", "password123")],
            )
            .await;
        assert_eq!(r.location.as_deref(), Some("/"), "next={evil}");
        app.get("/signout/").await;
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn anonymous_users_are_sent_to_signin(app: TestApp) {
    for path in [
        "/",
        "/settings/",
        "/pads/create/",
        "/pads/1/",
        "/pads/1/edit/",
        "/pads/1/delete/",
        "/notes/create/",
        "/notes/1/",
        "/notes/1/edit/",
        "/notes/1/delete/",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::FOUND, "{path}");
        let expected = format!("/signin/?next={}", urlencode(path));
        assert_eq!(r.location.as_deref(), Some(expected.as_str()), "{path}");
    }
    let r = app.get("/notes/create/?pad=3").await;
    assert_eq!(
        r.location.as_deref(),
        Some("/signin/?next=%2Fnotes%2Fcreate%2F%3Fpad%3D3")
    );
}

async fn settings_change_password(app: TestApp) {
    app.signed_in_user("h@example.com").await;
    let other = app.another_browser();
    other.signin("h@example.com", "password123").await;
    assert_eq!(other.get("/").await.status, StatusCode::OK);

    let r = app
        .post_form(
            "/settings/",
            &[
                ("old_password", "wrong-one"),
                ("new_password", "short"),
                ("repeat_new_password", "different"),
            ],
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("old_password".into(), vec!["Incorrect old password".into()]),
            (
                "new_password".into(),
                vec!["Password must be at least 8 characters long.".into()]
            ),
        ]
    );
    let r = app
        .post_form(
            "/settings/",
            &[
                ("old_password", "password123"),
                ("new_password", "newpassword1"),
                ("repeat_new_password", "newpassword2"),
            ],
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![(
            "repeat_new_password".into(),
            vec!["Your passwords don't match".into()]
        )]
    );
    let r = app
        .post_form(
            "/settings/",
            &[
                ("old_password", ""),
                ("new_password", ""),
                ("repeat_new_password", ""),
            ],
        )
        .await;
    assert_eq!(r.field_errors().len(), 3);

    let r = app
        .post_form(
            "/settings/",
            &[
                ("old_password", "password123"),
                ("new_password", "newpassword1"),
                ("repeat_new_password", "newpassword1"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/"));
    assert_eq!(
        app.get("/").await.flashes(),
        vec![(
            "success".into(),
            "Your password is successfully changed.".into()
        )]
    );
    // The other browser's session ended with the old password.
    assert_eq!(other.get("/").await.status, StatusCode::FOUND);
    app.get("/signout/").await;
    assert_eq!(
        app.signin("h@example.com", "password123").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.signin("h@example.com", "newpassword1")
            .await
            .location
            .as_deref(),
        Some("/")
    );
}

async fn failed_signins_are_throttled(app: TestApp) {
    app.signup("i@example.com", "password123").await;
    for _ in 0..5 {
        assert_eq!(
            app.signin("i@example.com", "wrong-password").await.status,
            StatusCode::OK
        );
    }
    let r = app.signin("i@example.com", "password123").await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let flash = &r.flashes()[0];
    assert_eq!(flash.0, "error");
    assert!(
        flash.1.starts_with("Too many failed sign-in attempts"),
        "{flash:?}"
    );
    // Another address is not affected.
    app.signup("j@example.com", "password123").await;
    assert_eq!(
        app.signin("j@example.com", "password123")
            .await
            .location
            .as_deref(),
        Some("/")
    );
}

both_databases!(
    signup_success,
    signup_required_fields,
    signup_invalid_email_keeps_values_but_not_passwords,
    signup_email_taken_in_any_case,
    signup_passwords_differ,
    signup_password_too_short,
    signin_success_and_signout,
    signin_wrong_password_or_unknown_email,
    signin_required_and_invalid,
    signin_honours_local_next_only,
    anonymous_users_are_sent_to_signin,
    settings_change_password,
    failed_signins_are_throttled,
);
