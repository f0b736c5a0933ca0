//! Forgot password: a one-time link by mail (captured by a real SMTP server), then reset.

use reqwest::StatusCode;

use crate::helpers::{Db, Page, TestApp, spawn_app_with};
use crate::smtp_sink::SmtpSink;

async fn app_with_mail(db: Db) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let url = format!("smtp://127.0.0.1:{}", sink.port);
    let app = spawn_app_with(
        db,
        &[
            "--smtp-url",
            &url,
            "--base-url",
            "http://notejam.test:8080/",
        ],
    )
    .await;
    (app, sink)
}

/// Decodes a quoted-printable body (RFC 2045), as a mail client does.
fn decode_quoted_printable(mail: &str) -> String {
    let joined = mail.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("a UTF-8 mail")
}

fn link_in(mail: &str) -> String {
    let mail = decode_quoted_printable(mail);
    let start = mail
        .find("http://notejam.test:8080/reset-password/")
        .expect("the link is in the mail");
    let link: String = mail[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link.trim_start_matches("http://notejam.test:8080")
        .to_owned()
}

const CHECK_INBOX: &str = "Check your inbox for a link to reset your password";

/// Posts the forgot-password form.
async fn forgot_password(app: &TestApp, email: &str) -> Page {
    app.post_form("/forgot-password/", &[("email", email)])
        .await
}

/// Posts the reset form at `link`: the new password and its repetition.
async fn reset(app: &TestApp, link: &str, new: &str, repeat: &str) -> Page {
    app.post_form(
        link,
        &[("new_password", new), ("repeat_new_password", repeat)],
    )
    .await
}

async fn reset_flow(db: Db) {
    let (app, mut sink) = app_with_mail(db).await;
    app.signup("forgetful@example.com", "password123").await;

    let r = forgot_password(&app, "Forgetful@Example.com").await;
    app.follow(&r, "/signin/")
        .await
        .assert_flash("success", CHECK_INBOX);

    let mail = sink.next_mail().await;
    assert!(mail.contains("To: forgetful@example.com"), "{mail}");
    assert!(
        mail.contains("Subject: Reset your Notejam password"),
        "{mail}"
    );
    let link = link_in(&mail);

    let form = app.get(&link).await;
    assert_eq!(form.status, StatusCode::OK, "{link}");
    let r = reset(&app, &link, "brand-new-pass", "other-pass").await;
    r.assert_errors(&[("repeat_new_password", "Your passwords don't match")]);
    let r = reset(&app, &link, "short", "short").await;
    r.assert_errors(&[(
        "new_password",
        "Password must be at least 8 characters long.",
    )]);

    let r = reset(&app, &link, "brand-new-pass", "brand-new-pass").await;
    app.follow(&r, "/signin/")
        .await
        .assert_flash("success", "Your password is successfully changed.");

    // The link is used up; the new password works, the old one does not.
    assert_eq!(app.get(&link).await.status, StatusCode::NOT_FOUND);
    app.assert_password_changed("forgetful@example.com", "password123", "brand-new-pass")
        .await;
}

async fn unknown_email_gets_the_same_answer_and_no_mail(db: Db) {
    let (app, mut sink) = app_with_mail(db).await;
    let r = forgot_password(&app, "ghost@example.com").await;
    app.follow(&r, "/signin/")
        .await
        .assert_flash("success", CHECK_INBOX);
    assert!(
        sink.stays_empty(500).await,
        "no mail for an unknown address"
    );
    let r = forgot_password(&app, "").await;
    r.assert_errors(&[("email", "This field is required.")]);
    let r = forgot_password(&app, "nope").await;
    r.assert_errors(&[("email", "Invalid email address.")]);
}

async fn a_second_link_voids_nothing_but_one_use_voids_all(db: Db) {
    let (app, mut sink) = app_with_mail(db).await;
    app.signup("twice@example.com", "password123").await;
    forgot_password(&app, "twice@example.com").await;
    let first = link_in(&sink.next_mail().await);
    forgot_password(&app, "twice@example.com").await;
    let second = link_in(&sink.next_mail().await);
    assert_ne!(first, second);
    assert_eq!(app.get(&first).await.status, StatusCode::OK);
    reset(&app, &second, "brand-new-pass", "brand-new-pass").await;
    assert_eq!(
        app.get(&first).await.status,
        StatusCode::NOT_FOUND,
        "using one link voids the others"
    );
    assert_eq!(
        app.get("/reset-password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

crate::both_databases!(
    db: reset_flow,
    unknown_email_gets_the_same_answer_and_no_mail,
    a_second_link_voids_nothing_but_one_use_voids_all,
);
