//! The OpenAPI document and the interactive docs.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;

async fn the_document_describes_every_operation_with_its_statuses(app: TestApp) {
    let r = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerToken"]["scheme"],
        "bearer"
    );

    // The statuses of the error responses the operations share (see `api::problem`), each
    // after the operation's own success status.
    const AUTH: &[&str] = &["401", "500", "503"];
    const READ: &[&str] = &["401", "404", "500", "503"];
    const CREATE: &[&str] = &["400", "401", "413", "415", "422", "500", "503"];
    const UPDATE: &[&str] = &[
        "400", "401", "404", "412", "413", "415", "422", "500", "503",
    ];
    const DELETE: &[&str] = &["401", "404", "412", "500", "503"];
    const LIST: &[&str] = &["401", "404", "422", "500", "503"];
    const SIGN_UP: &[&str] = &["400", "409", "413", "415", "422", "500", "503"];
    const SIGN_IN: &[&str] = &["400", "401", "413", "415", "422", "429", "500", "503"];
    let expected: &[(&str, &str, &str, &[&str])] = &[
        ("/users", "post", "201", SIGN_UP),
        ("/tokens", "post", "201", SIGN_IN),
        ("/tokens", "get", "200", AUTH),
        ("/tokens/{id}", "delete", "204", READ),
        ("/me", "get", "200", AUTH),
        ("/me/password", "put", "204", CREATE),
        ("/pads", "get", "200", AUTH),
        ("/pads", "post", "201", CREATE),
        ("/pads/{id}", "get", "200", READ),
        ("/pads/{id}", "patch", "200", UPDATE),
        ("/pads/{id}", "delete", "204", DELETE),
        ("/notes", "get", "200", LIST),
        ("/notes", "post", "201", CREATE),
        ("/notes/{id}", "get", "200", READ),
        ("/notes/{id}", "put", "200", UPDATE),
        ("/notes/{id}", "patch", "200", UPDATE),
        ("/notes/{id}", "delete", "204", DELETE),
    ];
    let mut count = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        count += ops.as_object().unwrap().len();
        for (method, op) in ops.as_object().unwrap() {
            let statuses: Vec<&str> = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let want = expected
                .iter()
                .find(|(p, m, _, _)| p == path && m == method)
                .unwrap_or_else(|| panic!("undocumented in this test: {method} {path}"));
            let mut sorted = statuses.clone();
            sorted.sort();
            let want: Vec<&str> = [want.2].into_iter().chain(want.3.iter().copied()).collect();
            assert_eq!(sorted, want, "{method} {path}");
            assert!(op["summary"].is_string(), "{method} {path} has a summary");
            for (status, resp) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let media = &resp["content"]["application/problem+json"];
                    assert!(
                        media.is_object(),
                        "{method} {path} {status} is problem+json"
                    );
                    // Each error status shows an example of itself.
                    assert_eq!(
                        media["example"]["status"].to_string(),
                        *status,
                        "{method} {path} {status}: {media}"
                    );
                    assert!(
                        media["example"]["detail"].is_string(),
                        "{method} {path} {status}"
                    );
                }
            }
            let secured = op.get("security").is_some();
            assert_eq!(
                secured,
                statuses.contains(&"401") && !(path == "/tokens" && method == "post"),
                "{method} {path}"
            );
        }
    }
    assert_eq!(count, expected.len());
    // Request schemas carry the domain's rules and examples.
    let note_input = &doc["components"]["schemas"]["NoteInput"];
    assert_eq!(note_input["required"], serde_json::json!(["name", "text"]));
    assert_eq!(note_input["properties"]["name"]["maxLength"], 100);
    assert_eq!(note_input["properties"]["text"]["maxLength"], 100_000);
    assert!(note_input["example"].is_object());
    assert_eq!(note_input["properties"]["pad_id"]["nullable"], true);
    assert_eq!(
        doc["components"]["schemas"]["NoteOut"]["properties"]["pad_id"]["nullable"],
        true
    );
    assert!(doc["components"]["schemas"]["Problem"]["example"]["errors"].is_object());
    // Every object schema, request or response, has an example.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if schema["type"] == "object" {
            assert!(
                schema["example"].is_object(),
                "schema {name} has no example"
            );
        }
    }
    let unauthorized = &doc["paths"]["/me"]["get"]["responses"]["401"]["content"]["application/problem+json"]
        ["example"];
    assert_eq!(unauthorized["title"], "Unauthorized", "{unauthorized}");
    let conflict = &doc["paths"]["/users"]["post"]["responses"]["409"]["content"]["application/problem+json"]
        ["example"];
    assert!(conflict["errors"]["email"].is_array(), "{conflict}");
}

async fn the_interactive_docs_load(app: TestApp) {
    let r = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers().get("content-security-policy").is_none(),
        "the pages' CSP would block Swagger UI"
    );
    let body = r.text().await.unwrap();
    assert!(body.contains("swagger"), "{body}");
}

crate::both_databases!(
    the_document_describes_every_operation_with_its_statuses,
    the_interactive_docs_load
);
