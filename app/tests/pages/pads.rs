//! Pads: create, view, rename, delete (with its notes), validation, other users.

use reqwest::StatusCode;

use crate::both_databases;
use crate::helpers::TestApp;

async fn create_view_rename_delete(app: TestApp) {
    app.signed_in_user("pads@example.com").await;
    let r = app.post_form("/pads/create/", &[("name", "Work")]).await;
    let home = app.follow(&r, "/").await;
    home.assert_flash("success", "Pad is successfully created");
    assert_eq!(home.texts("nav.sidebar li a"), vec!["Work"]);
    let id = app.create_pad("Home").await;

    let pad = app.get(&format!("/pads/{id}/")).await;
    assert_eq!(pad.status, StatusCode::OK);
    assert_eq!(pad.heading(), "Home (0)");
    assert!(pad.body.contains("Create first note in the pad."));
    assert!(
        pad.body
            .contains(&format!(r#"href="/notes/create/?pad={id}""#))
    );
    assert!(pad.body.contains(&format!(r#"href="/pads/{id}/edit/""#)));

    let edit = app.get(&format!("/pads/{id}/edit/")).await;
    assert!(
        edit.body.contains(&format!(r#"href="/pads/{id}/delete/""#)),
        "a Delete pad link"
    );
    assert!(edit.body.contains("Delete pad"));
    let r = app
        .post_form(&format!("/pads/{id}/edit/"), &[("name", "House")])
        .await;
    let renamed = app.follow(&r, &format!("/pads/{id}/")).await;
    renamed.assert_flash("success", "Pad is successfully updated");
    assert_eq!(renamed.heading(), "House (0)");

    let home = app
        .delete_confirmed(&format!("/pads/{id}/delete/"), "House")
        .await;
    home.assert_flash("success", "Pad is successfully deleted");
    assert_eq!(home.texts("nav.sidebar li a"), vec!["Work"]);
    assert_eq!(
        app.get(&format!("/pads/{id}/")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn deleting_a_pad_deletes_its_notes(app: TestApp) {
    app.signed_in_user("cascade@example.com").await;
    let pad = app.create_pad("Doomed").await;
    let keep = app.create_note("Keep me", "no pad", 0).await;
    let gone = app.create_note("In the pad", "text", pad).await;
    // All notes: a Pad column, linked to the pad or "No pad"; a pad's page has no such column.
    let home = app.get("/").await;
    assert_eq!(home.texts("table.notes td.pad"), vec!["Doomed", "No pad"]);
    assert!(
        home.body
            .contains(&format!(r#"<a href="/pads/{pad}/">Doomed</a></td>"#))
    );
    let in_pad = app.get(&format!("/pads/{pad}/")).await;
    assert_eq!(in_pad.texts("table.notes td.note a"), vec!["In the pad"]);
    assert!(in_pad.texts("table.notes td.pad").is_empty());
    assert!(in_pad.texts("table.notes th.pad").is_empty());
    app.post_form(&format!("/pads/{pad}/delete/"), &[]).await;
    assert_eq!(
        app.get(&format!("/notes/{gone}/")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/notes/{keep}/")).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/").await.heading(), "All notes (1)");
}

async fn pad_name_required_and_max_100(app: TestApp) {
    app.signed_in_user("padval@example.com").await;
    let r = app.post_form("/pads/create/", &[("name", "   ")]).await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_errors(&[("name", "This field is required.")]);
    let long = "x".repeat(101);
    let r = app.post_form("/pads/create/", &[("name", &long)]).await;
    r.assert_errors(&[("name", "Field cannot be longer than 100 characters.")]);
    assert!(r.body.contains(&long), "the value is kept");
    assert!(
        app.get("/").await.texts("nav.sidebar li a").is_empty(),
        "nothing was created"
    );
    let ok = "y".repeat(100);
    assert_eq!(
        app.post_form("/pads/create/", &[("name", &ok)])
            .await
            .status,
        StatusCode::FOUND
    );
    let id = app.create_pad("Rename me").await;
    let r = app
        .post_form(&format!("/pads/{id}/edit/"), &[("name", "")])
        .await;
    r.assert_errors(&[("name", "This field is required.")]);
}

async fn another_users_pad_is_404_everywhere(app: TestApp) {
    app.signed_in_user("owner@example.com").await;
    let id = app.create_pad("Private").await;
    let intruder = app.another_user("intruder@example.com").await;
    for path in [
        format!("/pads/{id}/"),
        format!("/pads/{id}/edit/"),
        format!("/pads/{id}/delete/"),
    ] {
        assert_eq!(
            intruder.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    // POSTs with the intruder's own valid CSRF token.
    let token = intruder.get("/pads/create/").await.csrf_token();
    for path in [format!("/pads/{id}/edit/"), format!("/pads/{id}/delete/")] {
        let r = intruder
            .post_raw(&path, &[("csrf_token", &token), ("name", "Mine now")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    // Unchanged for the owner.
    assert_eq!(
        app.get(&format!("/pads/{id}/")).await.heading(),
        "Private (0)"
    );
    assert!(!intruder.get("/").await.body.contains("Private"));
}

both_databases!(
    create_view_rename_delete,
    deleting_a_pad_deletes_its_notes,
    pad_name_required_and_max_100,
    another_users_pad_is_404_everywhere
);
