//! Forgot password: a one-time link by mail (captured by a real SMTP server), then reset.

use reqwest::StatusCode;

use crate::helpers::{Db, TestApp, spawn_app_with};
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

async fn reset_flow(db: Db) {
    let (app, mut sink) = app_with_mail(db).await;
    app.signup("forgetful@example.com", "password123").await;

    let r = app
        .post_form("/forgot-password/", &[("email", "Forgetful@Example.com")])
        .await;
    assert_eq!(r.location.as_deref(), Some("/signin/"));
    let page = app.get("/signin/").await;
    assert_eq!(
        page.flashes(),
        vec![(
            "success".into(),
            "Check your inbox for a link to reset your password".into()
        )]
    );

    let mail = sink.next_mail().await;
    assert!(mail.contains("To: forgetful@example.com"), "{mail}");
    assert!(
        mail.contains("Subject: Reset your Notejam password"),
        "{mail}"
    );
    let link = link_in(&mail);

    let form = app.get(&link).await;
    assert_eq!(form.status, StatusCode::OK, "{link}");
    let r = app
        .post_form(
            &link,
            &[
                ("new_password", "brand-new-pass"),
                ("repeat_new_password", "other-pass"),
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
            &link,
            &[("new_password", "short"), ("repeat_new_password", "short")],
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![(
            "new_password".into(),
            vec!["Password must be at least 8 characters long.".into()]
        )]
    );

    let r = app
        .post_form(
            &link,
            &[
                ("new_password", "brand-new-pass"),
                ("repeat_new_password", "brand-new-pass"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/signin/"));
    assert_eq!(
        app.get("/signin/").await.flashes(),
        vec![(
            "success".into(),
            "Your password is successfully changed.".into()
        )]
    );

    // The link is used up; the new password works, the old one does not.
    assert_eq!(app.get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.signin("forgetful@example.com", "password123")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.signin("forgetful@example.com", "brand-new-pass")
            .await
            .location
            .as_deref(),
        Some("/")
    );
}

async fn unknown_email_gets_the_same_answer_and_no_mail(db: Db) {
    let (app, mut sink) = app_with_mail(db).await;
    let r = app
        .post_form("/forgot-password/", &[("email", "ghost@example.com")])
        .await;
    assert_eq!(r.location.as_deref(), Some("/signin/"));
    assert_eq!(
        app.get("/signin/").await.flashes(),
        vec![(
            "success".into(),
            "Check your inbox for a link to reset your password".into()
        )]
    );
    assert!(
        sink.stays_empty(500).await,
        "no mail for an unknown address"
    );
    let r = app.post_form("/forgot-password/", &[("email", "")]).await;
    assert_eq!(
        r.field_errors(),
        vec![("email".into(), vec!["This field is required.".into()])]
    );
    let r = app
        .post_form("/forgot-password/", &[("email", "nope")])
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("email".into(), vec!["Invalid email address.".into()])]
    );
}

async fn a_second_link_voids_nothing_but_one_use_voids_all(db: Db) {
    let (app, mut sink) = app_with_mail(db).await;
    app.signup("twice@example.com", "password123").await;
    app.post_form("/forgot-password/", &[("email", "twice@example.com")])
        .await;
    let first = link_in(&sink.next_mail().await);
    app.post_form("/forgot-password/", &[("email", "twice@example.com")])
        .await;
    let second = link_in(&sink.next_mail().await);
    assert_ne!(first, second);
    assert_eq!(app.get(&first).await.status, StatusCode::OK);
    app.post_form(
        &second,
        &[
            ("new_password", "brand-new-pass"),
            ("repeat_new_password", "brand-new-pass"),
        ],
    )
    .await;
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
