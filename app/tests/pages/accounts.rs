//! Sign up, sign in, sign out, settings and the sign-in throttle.

use reqwest::StatusCode;

use crate::both_databases;
use crate::helpers::{Page, TestApp};

const REQUIRED: &str = "This field is required.";
const TOO_SHORT: &str = "Password must be at least 8 characters long.";

async fn signup_success(app: TestApp) {
    let r = app.signup("alice@example.com", "password123").await;
    assert_eq!(r.status, StatusCode::FOUND);
    let next = app.follow(&r, "/signin/").await;
    next.assert_flash("success", "Account is created. Now you can sign in.");
    // The flash shows once.
    assert!(app.get("/signin/").await.flashes().is_empty());
}

async fn signup_required_fields(app: TestApp) {
    let r = app.signup_repeating("", "", "").await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_errors(&[
        ("email", REQUIRED),
        ("password", REQUIRED),
        ("repeat_password", REQUIRED),
    ]);
}

async fn signup_invalid_email_keeps_values_but_not_passwords(app: TestApp) {
    let r = app.signup("not-an-email", "password123").await;
    r.assert_errors(&[("email", "Invalid email address.")]);
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
    r.assert_errors(&[("email", "User with this email is already signed up")]);
    // And the first account still signs in with any letter case.
    app.assert_signs_in("Bob@EXAMPLE.com", "password123").await;
}

async fn signup_passwords_differ(app: TestApp) {
    let r = app
        .signup_repeating("c@example.com", "password123", "password124")
        .await;
    r.assert_errors(&[("repeat_password", "Your passwords do not match")]);
}

async fn signup_password_too_short(app: TestApp) {
    let r = app.signup("d@example.com", "short").await;
    r.assert_errors(&[("password", TOO_SHORT)]);
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
    let home = app.follow(&r, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_flash("success", "You are signed in!");
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
        r.assert_flash("error", "Wrong email or password");
        assert_eq!(
            app.get("/").await.status,
            StatusCode::FOUND,
            "still signed out"
        );
    }
}

async fn signin_required_and_invalid(app: TestApp) {
    let r = app.signin("", "").await;
    r.assert_errors(&[("email", REQUIRED), ("password", REQUIRED)]);
    let r = app.signin("nope", "x").await;
    r.assert_errors(&[("email", "Invalid email address.")]);
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

    let r = change_password(&app, "wrong-one", "short", "different").await;
    r.assert_errors(&[
        ("old_password", "Incorrect old password"),
        ("new_password", TOO_SHORT),
    ]);
    let r = change_password(&app, "password123", "newpassword1", "newpassword2").await;
    r.assert_errors(&[("repeat_new_password", "Your passwords don't match")]);
    let r = change_password(&app, "", "", "").await;
    assert_eq!(r.field_errors().len(), 3);

    let r = change_password(&app, "password123", "newpassword1", "newpassword1").await;
    app.follow(&r, "/")
        .await
        .assert_flash("success", "Your password is successfully changed.");
    // The other browser's session ended with the old password.
    assert_eq!(other.get("/").await.status, StatusCode::FOUND);
    app.get("/signout/").await;
    app.assert_password_changed("h@example.com", "password123", "newpassword1")
        .await;
}

/// Posts the settings form: the old password, the new one and its repetition.
async fn change_password(app: &TestApp, old: &str, new: &str, repeat: &str) -> Page {
    app.post_form(
        "/settings/",
        &[
            ("old_password", old),
            ("new_password", new),
            ("repeat_new_password", repeat),
        ],
    )
    .await
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
    app.assert_signs_in("j@example.com", "password123").await;
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
