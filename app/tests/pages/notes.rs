//! Notes: create, view, edit, delete, pads, sorting, pagination, smart dates, other users.

use reqwest::StatusCode;

use crate::both_databases;
use crate::helpers::TestApp;

async fn create_view_edit_delete(app: TestApp) {
    app.signed_in_user("notes@example.com").await;
    let pad = app.create_pad("Ideas").await;

    let form = app.get(&format!("/notes/create/?pad={pad}")).await;
    assert!(
        form.body
            .contains(&format!(r#"<option value="{pad}" selected>Ideas</option>"#)),
        "?pad pre-selects"
    );

    let r = app
        .post_form(
            "/notes/create/",
            &[
                ("name", "First"),
                ("text", "Line one\r\nLine two"),
                ("pad", &pad.to_string()),
            ],
        )
        .await;
    assert_eq!(
        r.location,
        Some(format!("/pads/{pad}/")),
        "back to the note's pad"
    );
    let pad_page = app.get(&format!("/pads/{pad}/")).await;
    pad_page.assert_flash("success", "Note is successfully created");
    assert_eq!(pad_page.heading(), "Ideas (1)");
    assert_eq!(pad_page.note_names(), vec!["First"]);
    assert!(
        pad_page.texts("table.notes th.pad").is_empty(),
        "no Pad column on a pad page"
    );
    let id = app.latest_note_id().await;

    let view = app.get(&format!("/notes/{id}/")).await;
    assert_eq!(view.heading(), "First");
    assert!(view.body.contains("Line one\nLine two"));
    let edited = view.texts("p.hidden-text")[0].clone();
    assert!(edited.starts_with("Last edited at Today at "), "{edited}");
    assert!(view.body.contains(&format!(r#"href="/notes/{id}/edit/""#)));
    assert!(
        view.texts("a.delete-note")
            .contains(&"Delete it".to_owned())
    );

    let edit = app.get(&format!("/notes/{id}/edit/")).await;
    assert!(edit.body.contains(r#"value="First""#), "pre-filled");
    let r = app
        .post_form(
            &format!("/notes/{id}/edit/"),
            &[
                ("name", "First, edited"),
                ("text", "new text"),
                ("pad", "0"),
            ],
        )
        .await;
    // No pad now: back to all notes.
    let home = app.follow(&r, "/").await;
    home.assert_flash("success", "Note is successfully updated");
    assert_eq!(home.texts("table.notes td.pad"), vec!["No pad"]);
    assert_eq!(
        app.get(&format!("/pads/{pad}/")).await.heading(),
        "Ideas (0)"
    );

    let home = app
        .delete_confirmed(&format!("/notes/{id}/delete/"), "First, edited")
        .await;
    home.assert_flash("success", "Note is successfully deleted");
    assert_eq!(home.heading(), "All notes (0)");
    assert!(home.body.contains("Create your first note."));
    assert_eq!(
        app.get(&format!("/notes/{id}/")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn note_fields_required_and_limited(app: TestApp) {
    app.signed_in_user("noteval@example.com").await;
    let r = app
        .post_form(
            "/notes/create/",
            &[("name", ""), ("text", "  "), ("pad", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_errors(&[
        ("name", "This field is required."),
        ("text", "This field is required."),
    ]);
    let long = "n".repeat(101);
    let r = app
        .post_form("/notes/create/", &[("name", &long), ("text", "ok")])
        .await;
    r.assert_errors(&[("name", "Field cannot be longer than 100 characters.")]);
    assert_eq!(
        app.get("/").await.heading(),
        "All notes (0)",
        "nothing half-written"
    );
    // A missing pad field means "No pad".
    assert_eq!(
        app.post_form("/notes/create/", &[("name", "x"), ("text", "y")])
            .await
            .status,
        StatusCode::FOUND
    );
}

async fn note_cannot_go_into_another_users_pad(app: TestApp) {
    app.signed_in_user("padowner@example.com").await;
    let foreign = app.create_pad("Theirs").await;
    let me = app.another_user("me@example.com").await;
    for pad in [
        foreign.to_string(),
        "999999".into(),
        "abc".into(),
        "-1".into(),
    ] {
        let r = me
            .post_form(
                "/notes/create/",
                &[("name", "x"), ("text", "y"), ("pad", &pad)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "pad={pad}");
        assert_eq!(
            r.field_errors(),
            vec![("pad".into(), vec!["Not a valid choice".into()])],
            "pad={pad}"
        );
    }
    assert!(
        !me.get(&format!("/notes/create/?pad={foreign}"))
            .await
            .body
            .contains("Theirs")
    );
    let mine = me.create_note("Mine", "text", 0).await;
    let r = me
        .post_form(
            &format!("/notes/{mine}/edit/"),
            &[("name", "x"), ("text", "y"), ("pad", &foreign.to_string())],
        )
        .await;
    r.assert_errors(&[("pad", "Not a valid choice")]);
    assert_eq!(me.get("/").await.heading(), "All notes (1)");
    assert_eq!(
        app.get(&format!("/pads/{foreign}/")).await.heading(),
        "Theirs (0)"
    );
}

async fn another_users_note_is_404_everywhere(app: TestApp) {
    app.signed_in_user("noteowner@example.com").await;
    let id = app.create_note("Secret", "my secret text", 0).await;
    let intruder = app.another_user("noteintruder@example.com").await;
    for path in [
        format!("/notes/{id}/"),
        format!("/notes/{id}/edit/"),
        format!("/notes/{id}/delete/"),
    ] {
        let r = intruder.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "GET {path}");
        assert!(!r.body.contains("my secret text"));
    }
    let token = intruder.get("/notes/create/").await.csrf_token();
    for path in [format!("/notes/{id}/edit/"), format!("/notes/{id}/delete/")] {
        let r = intruder
            .post_raw(
                &path,
                &[
                    ("csrf_token", &token),
                    ("name", "pwned"),
                    ("text", "pwned"),
                    ("pad", "0"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    assert_eq!(app.get(&format!("/notes/{id}/")).await.heading(), "Secret");
}

async fn sorting_by_each_order_and_fallback(app: TestApp) {
    app.signed_in_user("sort@example.com").await;
    for name in ["banana", "Apple", "cherry"] {
        app.create_note(name, "text", 0).await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let names = |order: &'static str| {
        let app = &app;
        async move { app.get(&format!("/?order={order}")).await.note_names() }
    };
    assert_eq!(names("name").await, vec!["Apple", "banana", "cherry"]);
    assert_eq!(names("-name").await, vec!["cherry", "banana", "Apple"]);
    assert_eq!(names("updated_at").await, vec!["banana", "Apple", "cherry"]);
    assert_eq!(
        names("-updated_at").await,
        vec!["cherry", "Apple", "banana"]
    );
    assert_eq!(
        names("bogus").await,
        vec!["cherry", "Apple", "banana"],
        "unknown order falls back to newest first"
    );
    assert_eq!(
        app.get("/").await.note_names(),
        vec!["cherry", "Apple", "banana"]
    );
    let page = app.get("/").await;
    let links = [
        "?order=name",
        "?order=-name",
        "?order=updated_at",
        "?order=-updated_at",
    ];
    let missing: Vec<&str> = links
        .into_iter()
        .filter(|link| !page.body.contains(link))
        .collect();
    assert!(missing.is_empty(), "sort links missing: {missing:?}");
}

async fn pagination_keeps_order_and_total(app: TestApp) {
    app.signed_in_user("many@example.com").await;
    let pad = app.create_pad("Bulk").await;
    // 55 notes straight through the data layer (the pages are exercised elsewhere).
    let settings = crate::common::settings_for(&app.database_url, &[]);
    let storage = notejam::storage::Storage::connect(&settings.database)
        .await
        .unwrap();
    let user = storage
        .user_by_email(&notejam::domain::Email::parse("many@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    for i in 0..55 {
        let changes = notejam::storage::NoteChanges {
            pad_id: Some(pad),
            name: notejam::domain::NoteName::parse(&format!("note {i:02}")).unwrap(),
            text: notejam::domain::NoteText::parse("t").unwrap(),
        };
        storage.create_note(user.id, &changes).await.unwrap();
    }
    let first = app.get("/?order=name").await;
    assert_eq!(first.heading(), "All notes (55)");
    assert_eq!(first.note_names().len(), 50);
    assert_eq!(first.note_names()[0], "note 00");
    assert!(
        first.body.contains("/?order=name&amp;page=2"),
        "next link keeps order"
    );
    let second = app.get("/?order=name&page=2").await;
    assert_eq!(second.heading(), "All notes (55)");
    assert_eq!(
        second.note_names(),
        vec!["note 50", "note 51", "note 52", "note 53", "note 54"]
    );
    assert!(second.body.contains("/?order=name&amp;page=1"));
    let pad_page = app.get(&format!("/pads/{pad}/?order=-name&page=2")).await;
    assert_eq!(pad_page.heading(), "Bulk (55)");
    assert_eq!(
        pad_page.note_names(),
        vec!["note 04", "note 03", "note 02", "note 01", "note 00"]
    );
    assert_eq!(app.get("/?page=3").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/?page=abc").await.note_names().len(),
        50,
        "a non-numeric page is the first"
    );
}

/// Many edit forms posted at once: each is answered with a redirect to the pad its own write
/// chose, and the note ends as one of the writes, whole (name, text and pad of the same writer).
async fn concurrent_edits_each_answer_with_their_own_write(app: TestApp) {
    const WRITERS: usize = 40;
    app.signed_in_user("racer@example.com").await;
    let pads = [app.create_pad("A").await, app.create_pad("B").await];
    let id = app.create_note("start", "text", 0).await;
    let edit = format!("/notes/{id}/edit/");
    let token = app.get(&edit).await.csrf_token();
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..WRITERS {
        let pad = pads[i % 2].to_string();
        let request = app.client.post(app.url(&edit)).form(&[
            ("csrf_token", token.as_str()),
            ("name", &format!("writer {i}")),
            ("text", &format!("text of writer {i} in pad {pad}")),
            ("pad", &pad),
        ]);
        writes.spawn(async move { (pad, request.send().await.expect("sent")) });
    }
    for (pad, reply) in writes.join_all().await {
        assert_eq!(reply.status(), StatusCode::FOUND);
        assert_eq!(
            reply.headers()["location"].to_str().unwrap(),
            format!("/pads/{pad}/"),
            "the redirect follows this writer's pad"
        );
    }
    let note = app.get(&format!("/notes/{id}/")).await;
    let name = note.heading();
    let writer = name.strip_prefix("writer ").expect("a writer's name");
    let pad = pads[writer.parse::<usize>().unwrap() % 2];
    assert!(
        note.body
            .contains(&format!("text of writer {writer} in pad {pad}")),
        "name and text of one write: {}",
        note.body
    );
}

both_databases!(
    create_view_edit_delete,
    concurrent_edits_each_answer_with_their_own_write,
    note_fields_required_and_limited,
    note_cannot_go_into_another_users_pad,
    another_users_note_is_404_everywhere,
    sorting_by_each_order_and_fallback,
    pagination_keeps_order_and_total,
);
