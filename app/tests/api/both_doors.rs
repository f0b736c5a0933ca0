//! One user, both doors: what the API writes the pages show, and the other way round; a page edit
//! changes the ETag an API client holds.

use reqwest::{Client, StatusCode, redirect};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

/// A browser-like client: keeps cookies, follows no redirects.
fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

/// A browser-like client signed in through the sign-in page.
async fn browser_signed_in(app: &TestApp, email: &str) -> Client {
    let browser = browser();
    let status = submit(
        app,
        &browser,
        "/signin/",
        &[("email", email), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(status, StatusCode::FOUND, "signed in through the page");
    browser
}

async fn csrf(browser: &Client, url: &str) -> String {
    let body = browser.get(url).send().await.unwrap().text().await.unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let start = body
        .find(marker)
        .unwrap_or_else(|| panic!("no CSRF token in {url}"))
        + marker.len();
    body[start..start + body[start..].find('"').unwrap()].to_owned()
}

async fn the_same_pads_and_notes_through_pages_and_api(app: TestApp) {
    let token = app.user_with_token("both@example.com").await;
    let pad = app.create_pad(&token, "Shared pad").await;
    let note = app.create_note(&token, "Shared note", Some(pad)).await;
    let etag = app
        .get(&format!("/api/v1/notes/{note}"), &token)
        .await
        .etag();

    let browser = browser_signed_in(&app, "both@example.com").await;
    let page = browser
        .get(app.url(&format!("/pads/{pad}/")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Shared pad (1)") && html.contains("Shared note"),
        "{html}"
    );

    // Edited on the page: the API shows it, and the ETag the API client held is now stale.
    let pad_value = pad.to_string();
    let status = submit(
        &app,
        &browser,
        &format!("/notes/{note}/edit/"),
        &[
            ("name", "Edited on the page"),
            ("text", "new text"),
            ("pad", pad_value.as_str()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let seen = app.get(&format!("/api/v1/notes/{note}"), &token).await;
    assert_eq!(seen.body["name"], "Edited on the page");
    assert_ne!(seen.etag(), etag);
    app.patch(
        &format!("/api/v1/notes/{note}"),
        &token,
        Some(&etag),
        json!({"text": "overwrite"}),
    )
    .await
    .problem(412);

    // Created on the page: the API lists it.
    let status = submit(
        &app,
        &browser,
        "/pads/create/",
        &[("name", "From the page")],
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let pads = app.get("/api/v1/pads", &token).await;
    assert_eq!(pads.body["total"], 2);
    assert!(
        pads.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "From the page")
    );
}

/// Posts a page form with its CSRF token (read from `form_page`); returns the status.
async fn submit(
    app: &TestApp,
    browser: &Client,
    form_page: &str,
    fields: &[(&str, &str)],
) -> StatusCode {
    let url = app.url(form_page);
    let token = csrf(browser, &url).await;
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    browser
        .post(&url)
        .form(&form)
        .send()
        .await
        .unwrap()
        .status()
}

/// Notes written and pads renamed on the pages show through the API (with new ETags); deletes
/// through either door are deletes for both, the pad's notes with it.
async fn writes_and_deletes_through_either_door(app: TestApp) {
    let token = app.user_with_token("both@example.com").await;
    let browser = browser_signed_in(&app, "both@example.com").await;
    let pad = app.create_pad(&token, "Kitchen").await;
    let pad_etag = app.get(&format!("/api/v1/pads/{pad}"), &token).await.etag();
    let pad_value = pad.to_string();

    // A note created on the page.
    let status = submit(
        &app,
        &browser,
        "/notes/create/",
        &[
            ("name", "Written on the page"),
            ("text", "soup"),
            ("pad", &pad_value),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let listed = app.get(&format!("/api/v1/notes?pad={pad}"), &token).await;
    assert_eq!(listed.body["total"], 1, "{listed:?}");
    assert_eq!(listed.body["items"][0]["name"], "Written on the page");
    assert_eq!(listed.body["items"][0]["pad_name"], "Kitchen");
    let page_note = listed.body["items"][0]["id"].as_i64().unwrap();

    // The pad renamed on the page: a new name and a new ETag through the API.
    let status = submit(
        &app,
        &browser,
        &format!("/pads/{pad}/edit/"),
        &[("name", "Cellar")],
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let renamed = app.get(&format!("/api/v1/pads/{pad}"), &token).await;
    assert_eq!(renamed.body["name"], "Cellar");
    assert_ne!(renamed.etag(), pad_etag);
    app.delete(&format!("/api/v1/pads/{pad}"), &token, Some(&pad_etag))
        .await
        .problem(412);

    // A note deleted on the page is gone from the API.
    let status = submit(&app, &browser, &format!("/notes/{page_note}/delete/"), &[]).await;
    assert_eq!(status, StatusCode::FOUND);
    app.get(&format!("/api/v1/notes/{page_note}"), &token)
        .await
        .problem(404);

    // A pad deleted through the API takes its notes with it, on the pages too.
    let api_note = app.create_note(&token, "In the cellar", Some(pad)).await;
    let r = app
        .delete(
            &format!("/api/v1/pads/{pad}"),
            &token,
            Some(&renamed.etag()),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    for gone in [format!("/pads/{pad}/"), format!("/notes/{api_note}/")] {
        let page = browser.get(app.url(&gone)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{gone}");
    }
    let home = browser
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !home.contains("In the cellar") && !home.contains("Cellar"),
        "{home}"
    );
}

/// One throttle for both doors: failed sign-ins on the page count towards the API's 429, so a
/// password guesser gains nothing by switching doors.
async fn failed_signins_on_the_page_throttle_the_api(app: TestApp) {
    app.sign_up("victim@example.com", PASSWORD).await;
    let browser = browser();
    for attempt in 0..5 {
        let status = submit(
            &app,
            &browser,
            "/signin/",
            &[
                ("email", "victim@example.com"),
                ("password", "wrong password"),
            ],
        )
        .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "attempt {attempt}: the form again, with its error"
        );
    }
    let r = app.request_token("victim@example.com", PASSWORD).await;
    r.problem(429);
    assert!(r.header("retry-after").is_some(), "{r:?}");
}

crate::both_databases!(
    the_same_pads_and_notes_through_pages_and_api,
    writes_and_deletes_through_either_door,
    failed_signins_on_the_page_throttle_the_api
);
