//! Request headers are capped in size and count: beyond the cap a request is answered 431 with
//! a message (problem+json on the API), never served.

use reqwest::StatusCode;

use crate::helpers::TestApp;

async fn send_with_headers(
    app: &TestApp,
    path: &str,
    headers: &[(String, String)],
) -> (StatusCode, String, String) {
    let mut req = app.client.get(app.url(path));
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let resp = req
        .send()
        .await
        .expect("an answer, not a dropped connection");
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, resp.text().await.unwrap())
}

async fn a_huge_header_is_431_on_both_doors(app: TestApp) {
    let huge = vec![("x-padding".to_owned(), "a".repeat(70 * 1024))];
    let (status, content_type, body) = send_with_headers(&app, "/api/v1/me", &huge).await;
    assert_eq!(
        status,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "{body}"
    );
    assert_eq!(content_type, "application/problem+json");
    assert!(body.contains("header"), "{body}");
    let (status, _, body) = send_with_headers(&app, "/signin/", &huge).await;
    assert_eq!(
        status,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "{body}"
    );
    assert!(body.contains("header"), "{body}");
    // Ordinary requests still pass.
    let (status, _, _) =
        send_with_headers(&app, "/signin/", &[("x-small".into(), "a".repeat(2000))]).await;
    assert_eq!(status, StatusCode::OK);
}

async fn too_many_headers_are_431(app: TestApp) {
    let many: Vec<(String, String)> = (0..80)
        .map(|i| (format!("x-h{i}"), "v".to_owned()))
        .collect();
    let (status, _, body) = send_with_headers(&app, "/signin/", &many).await;
    assert_eq!(
        status,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "{body}"
    );
    let (status, content_type, _) = send_with_headers(&app, "/api/v1/me", &many).await;
    assert_eq!(status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(content_type, "application/problem+json");
    let some: Vec<(String, String)> = (0..30)
        .map(|i| (format!("x-h{i}"), "v".to_owned()))
        .collect();
    assert_eq!(
        send_with_headers(&app, "/signin/", &some).await.0,
        StatusCode::OK
    );
}

crate::both_databases!(a_huge_header_is_431_on_both_doors, too_many_headers_are_431);
