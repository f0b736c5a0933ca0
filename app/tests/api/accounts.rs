//! Sign up, tokens (issue, list, revoke, expiry, throttling), the current user, password change.

use notejam::domain::messages;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::{PASSWORD, Reply, TestApp, spawn_app_with};

async fn sign_up_then_get_a_token_then_me(app: TestApp) {
    let up = app.sign_up("  Ada@Example.COM ", PASSWORD).await;
    assert_eq!(up.status, StatusCode::CREATED, "{up:?}");
    assert_eq!(up.header("location"), Some("/api/v1/me"));
    assert_eq!(up.body["email"], "ada@example.com");
    assert!(up.body.get("password").is_none() && up.body.get("password_hash").is_none());

    let token = app.request_token("ADA@example.com", PASSWORD).await;
    assert_eq!(token.status, StatusCode::CREATED, "{token:?}");
    assert_eq!(token.body["token_type"], "Bearer");
    let secret = token.body["token"].as_str().unwrap();
    assert!(secret.starts_with("nj_") && secret.len() >= 46, "{secret}");

    let me = app.get("/api/v1/me", secret).await;
    assert_eq!(me.status, StatusCode::OK, "{me:?}");
    assert_eq!(me.body["email"], "ada@example.com");
    assert_eq!(me.body["id"], up.body["id"]);
}

async fn sign_up_uses_the_rules_and_words_of_the_pages(app: TestApp) {
    let empty = app.post("/api/v1/users", None, json!({})).await;
    assert_eq!(
        empty.field_errors(),
        json!({"email": [messages::REQUIRED], "password": [messages::REQUIRED]})
    );
    let bad = app.sign_up("not-an-email", "short").await;
    assert_eq!(
        bad.field_errors(),
        json!({"email": [messages::INVALID_EMAIL], "password": [messages::PASSWORD_TOO_SHORT]})
    );
    // Nothing was written by the failed attempts.
    assert!(
        app.request_token("not-an-email", "short")
            .await
            .status
            .is_client_error()
    );
    let ok = app.sign_up("ok@example.com", "12345678").await;
    assert_eq!(ok.status, StatusCode::CREATED, "{ok:?}");
}

async fn a_taken_email_is_409_whatever_its_case(app: TestApp) {
    assert_eq!(
        app.sign_up("taken@example.com", PASSWORD).await.status,
        StatusCode::CREATED
    );
    let again = app.sign_up("TAKEN@example.com", "another password").await;
    let problem = again.problem(409);
    assert_eq!(problem["errors"], json!({"email": [messages::EMAIL_TAKEN]}));
}

async fn wrong_credentials_are_401_and_repeated_failures_429(app: TestApp) {
    app.user_with_token("victim@example.com").await;
    let wrong = app
        .request_token("victim@example.com", "wrong password")
        .await;
    assert_eq!(wrong.problem(401)["detail"], messages::WRONG_CREDENTIALS);
    let unknown = app.request_token("nobody@example.com", PASSWORD).await;
    assert_eq!(unknown.problem(401)["detail"], messages::WRONG_CREDENTIALS);
    let missing = app
        .post(
            "/api/v1/tokens",
            None,
            json!({"email": "victim@example.com"}),
        )
        .await;
    assert_eq!(
        missing.field_errors(),
        json!({"password": [messages::REQUIRED]})
    );

    // The page's policy: 5 failures in the window, the first one above counts.
    for _ in 0..4 {
        app.request_token("victim@example.com", "wrong password")
            .await
            .problem(401);
    }
    let throttled = app.request_token("victim@example.com", PASSWORD).await;
    throttled.problem(429);
    let retry: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    // Another email is not affected.
    app.user_with_token("other@example.com").await;
}

async fn protected_operations_need_a_valid_token(app: TestApp) {
    let token = app.user_with_token("me@example.com").await;
    let pad = app.create_pad(&token, "Mine").await;
    let note = app.create_note(&token, "Mine", Some(pad)).await;
    let operations = [
        (Method::GET, "/api/v1/me".to_owned()),
        (Method::PUT, "/api/v1/me/password".to_owned()),
        (Method::GET, "/api/v1/tokens".to_owned()),
        (Method::DELETE, "/api/v1/tokens/1".to_owned()),
        (Method::GET, "/api/v1/pads".to_owned()),
        (Method::POST, "/api/v1/pads".to_owned()),
        (Method::GET, format!("/api/v1/pads/{pad}")),
        (Method::PATCH, format!("/api/v1/pads/{pad}")),
        (Method::DELETE, format!("/api/v1/pads/{pad}")),
        (Method::GET, "/api/v1/notes".to_owned()),
        (Method::POST, "/api/v1/notes".to_owned()),
        (Method::GET, format!("/api/v1/notes/{note}")),
        (Method::PUT, format!("/api/v1/notes/{note}")),
        (Method::PATCH, format!("/api/v1/notes/{note}")),
        (Method::DELETE, format!("/api/v1/notes/{note}")),
    ];
    let forged = format!("nj_{}", "A".repeat(43));
    // The user's own tokens, one expired and one revoked.
    let expired = app.request_token("me@example.com", PASSWORD).await;
    app.sql_execute(&format!(
        "UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE id = {}",
        expired.body["id"]
    ))
    .await;
    let revoked = app.request_token("me@example.com", PASSWORD).await;
    app.delete(
        &format!("/api/v1/tokens/{}", revoked.body["id"]),
        &token,
        None,
    )
    .await;
    let (expired, revoked) = (
        expired.body["token"].as_str().unwrap(),
        revoked.body["token"].as_str().unwrap(),
    );
    for (method, path) in &operations {
        for token in [
            None,
            Some("nonsense"),
            Some(forged.as_str()),
            Some(expired),
            Some(revoked),
        ] {
            let body = (method != Method::GET && method != Method::DELETE)
                .then(|| json!({"name": "x", "text": "y"}));
            let r = app.send(method.clone(), path, token, &[], body).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {token:?}: {r:?}"
            );
            r.problem(401);
        }
    }
    // Nothing changed.
    let still = app.get(&format!("/api/v1/notes/{note}"), &token).await;
    assert_eq!(still.status, StatusCode::OK);
    assert_eq!(still.body["name"], "Mine");
}

async fn an_expired_token_is_401(app: TestApp) {
    let token = app.user_with_token("late@example.com").await;
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);
    app.sql_execute("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00Z'")
        .await;
    app.get("/api/v1/me", &token).await.problem(401);
    // And it is no longer listed by a fresh token.
    let fresh = app.request_token("late@example.com", PASSWORD).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = app.get("/api/v1/tokens", &fresh).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1, "{listed:?}");
}

async fn tokens_are_listed_revoked_and_stored_only_as_hashes(app: TestApp) {
    let first = app.user_with_token("me@example.com").await;
    let second = app.request_token("me@example.com", PASSWORD).await;
    let second_id = second.body["id"].as_i64().unwrap();
    let second = second.body["token"].as_str().unwrap().to_owned();

    let stored = app.stored_token_hashes().await;
    assert_eq!(stored.len(), 2);
    for token in [&first, &second] {
        assert!(stored.contains(&Sha256::digest(token.as_bytes()).to_vec()));
        assert!(!stored.iter().any(|h| h == token.as_bytes()));
    }

    let listed = app.get("/api/v1/tokens", &first).await;
    let items = listed.body.as_array().unwrap();
    assert_eq!(items.len(), 2, "{listed:?}");
    assert!(items.iter().all(|t| t.get("token").is_none()));
    assert_eq!(items.iter().filter(|t| t["current"] == true).count(), 1);

    // Someone else cannot see it or revoke it: 404, and it still works.
    let other = app.user_with_token("other@example.com").await;
    let theirs = app.get("/api/v1/tokens", &other).await;
    assert_eq!(theirs.body.as_array().unwrap().len(), 1, "{theirs:?}");
    assert_ne!(theirs.body[0]["id"], json!(second_id));
    app.delete(&format!("/api/v1/tokens/{second_id}"), &other, None)
        .await
        .problem(404);
    assert_eq!(app.get("/api/v1/me", &second).await.status, StatusCode::OK);

    let revoked = app
        .delete(&format!("/api/v1/tokens/{second_id}"), &first, None)
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{revoked:?}");
    app.get("/api/v1/me", &second).await.problem(401);
    assert_eq!(app.get("/api/v1/me", &first).await.status, StatusCode::OK);
    app.delete(&format!("/api/v1/tokens/{second_id}"), &first, None)
        .await
        .problem(404);
}

async fn a_password_change_revokes_every_token(app: TestApp) {
    let token = app.user_with_token("me@example.com").await;
    let other_token = app.request_token("me@example.com", PASSWORD).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let wrong = app
        .put(
            "/api/v1/me/password",
            &token,
            None,
            json!({"old_password": "nope nope", "new_password": "1234"}),
        )
        .await;
    assert_eq!(
        wrong.field_errors(),
        json!({"old_password": [messages::WRONG_OLD_PASSWORD], "new_password": [messages::PASSWORD_TOO_SHORT]})
    );
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);

    let changed = app
        .put(
            "/api/v1/me/password",
            &token,
            None,
            json!({"old_password": PASSWORD, "new_password": "a new password"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{changed:?}");
    app.get("/api/v1/me", &token).await.problem(401);
    app.get("/api/v1/me", &other_token).await.problem(401);
    app.request_token("me@example.com", PASSWORD)
        .await
        .problem(401);
    assert_eq!(
        app.request_token("me@example.com", "a new password")
            .await
            .status,
        StatusCode::CREATED
    );
}

async fn a_password_change_outside_the_api_revokes_tokens_too(app: TestApp) {
    // A reset link or the settings page writes users.password_hash directly.
    let token = app.user_with_token("me@example.com").await;
    app.sql_execute("UPDATE users SET password_hash = password_hash || 'x'")
        .await;
    app.get("/api/v1/me", &token).await.problem(401);
}

/// A token expires after `--api-token-ttl` (30 days unless set).
async fn a_token_lives_as_long_as_configured(app: TestApp) {
    let lifetime = |reply: &Reply| {
        let at = |field: &str| {
            chrono::DateTime::parse_from_rfc3339(reply.body[field].as_str().unwrap()).unwrap()
        };
        at("expires_at") - at("created_at")
    };
    app.sign_up("me@example.com", PASSWORD).await;
    let token = app.request_token("me@example.com", PASSWORD).await;
    assert_eq!(lifetime(&token), chrono::Duration::days(30), "{token:?}");

    let short = spawn_app_with(app.db, &["--api-token-ttl", "2h"]).await;
    short.sign_up("me@example.com", PASSWORD).await;
    let token = short.request_token("me@example.com", PASSWORD).await;
    assert_eq!(lifetime(&token), chrono::Duration::hours(2), "{token:?}");
    let listed = short
        .get("/api/v1/tokens", token.body["token"].as_str().unwrap())
        .await;
    assert_eq!(listed.body[0]["expires_at"], token.body["expires_at"]);
}

crate::both_databases!(
    a_token_lives_as_long_as_configured,
    sign_up_then_get_a_token_then_me,
    sign_up_uses_the_rules_and_words_of_the_pages,
    a_taken_email_is_409_whatever_its_case,
    wrong_credentials_are_401_and_repeated_failures_429,
    protected_operations_need_a_valid_token,
    an_expired_token_is_401,
    tokens_are_listed_revoked_and_stored_only_as_hashes,
    a_password_change_revokes_every_token,
    a_password_change_outside_the_api_revokes_tokens_too,
);
