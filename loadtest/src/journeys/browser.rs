//! The browser user: signs up and signs in once, then in a loop browses the notes, creates a
//! pad and a note in it, sorts and pages the lists, views, edits and deletes the note, and
//! deletes the pad. It carries the session cookie and reads the CSRF token from each form
//! before posting it, like a browser. Every user makes its own account and data, so the
//! journey runs against a fresh or a busy environment alike.

use goose::prelude::*;
use rand::Rng;

use super::page::{Expect, Page, link_id, visit};
use crate::recorder;

const J: &str = "browser";

/// What the user's browser keeps between steps.
#[derive(Debug, Clone)]
pub struct Session {
    pub email: String,
    pub password: String,
    /// Unique per user, so its pads and notes are found by name.
    pub tag: String,
    pub loops: u64,
}

/// The browser user's scenario.
pub fn scenario() -> Result<Scenario, GooseError> {
    Ok(scenario!("browser")
        .register_transaction(
            transaction!(sign_up_and_sign_in)
                .set_on_start()
                .set_name("sign up and sign in"),
        )
        .register_transaction(transaction!(work_with_notes).set_name("work with notes")))
}

fn token(page: &Page) -> Result<String, Box<goose::goose::TransactionError>> {
    page.csrf_token()
        .ok_or_else(|| "the form has no csrf_token".to_string().into())
}

/// Signs up with a fresh address, then signs in.
pub async fn sign_up_and_sign_in(user: &mut GooseUser) -> TransactionResult {
    recorder::current().user_started();
    let tag = format!("{:016x}", rand::rng().random::<u64>());
    let session = Session {
        email: format!("lt-{tag}@example.com"),
        password: format!("pw-{tag}"),
        tag,
        loops: 0,
    };
    let form = visit(user, J, "GET /signup/", "/signup/", None, Expect::ok()).await?;
    let t = token(&form)?;
    visit(
        user,
        J,
        "POST /signup/",
        "/signup/",
        Some(&[
            ("csrf_token", &t),
            ("email", &session.email),
            ("password", &session.password),
            ("repeat_password", &session.password),
        ]),
        Expect::ok()
            .landing("/signin/")
            .containing("Account is created. Now you can sign in."),
    )
    .await?;
    let form = visit(user, J, "GET /signin/", "/signin/", None, Expect::ok()).await?;
    let t = token(&form)?;
    visit(
        user,
        J,
        "POST /signin/",
        "/signin/",
        Some(&[
            ("csrf_token", &t),
            ("email", &session.email),
            ("password", &session.password),
        ]),
        Expect::ok()
            .landing("/")
            .containing("You are signed in!")
            .containing(session.email.as_str()),
    )
    .await?;
    user.set_session_data(session);
    Ok(())
}

/// One loop of everyday work over the user's own pads and notes.
pub async fn work_with_notes(user: &mut GooseUser) -> TransactionResult {
    let Some(session) = user.get_session_data_mut::<Session>() else {
        return Err("not signed in: the sign-in step failed earlier"
            .to_string()
            .into());
    };
    session.loops += 1;
    let n = session.loops;
    let pad_name = format!("Pad {} {n}", session.tag);
    let note_name = format!("Note {} {n}", session.tag);
    let note_text = format!("Written under load by {} (loop {n})", session.tag);

    // The list of all notes.
    visit(
        user,
        J,
        "GET /",
        "/",
        None,
        Expect::ok().containing("<title>All notes ("),
    )
    .await?;

    // A new pad.
    let form = visit(
        user,
        J,
        "GET /pads/create/",
        "/pads/create/",
        None,
        Expect::ok(),
    )
    .await?;
    let t = token(&form)?;
    let home = visit(
        user,
        J,
        "POST /pads/create/",
        "/pads/create/",
        Some(&[("csrf_token", &t), ("name", &pad_name)]),
        Expect::ok()
            .landing("/")
            .containing("Pad is successfully created"),
    )
    .await?;
    let pad_id = link_id(&home.body, "/pads/", &pad_name)
        .ok_or_else(|| format!("the new pad {pad_name:?} is not in the sidebar"))?;
    let pad_path = format!("/pads/{pad_id}/");
    visit(
        user,
        J,
        "GET /pads/{id}/",
        &pad_path,
        None,
        Expect::ok()
            .containing(format!("<title>{pad_name} (0)"))
            .containing("Create first note in the pad."),
    )
    .await?;

    // A note in it.
    let create_path = format!("/notes/create/?pad={pad_id}");
    let form = visit(
        user,
        J,
        "GET /notes/create/",
        &create_path,
        None,
        Expect::ok().containing(format!(r#"<option value="{pad_id}" selected"#)),
    )
    .await?;
    let t = token(&form)?;
    let pad_id_s = pad_id.to_string();
    let pad_page = visit(
        user,
        J,
        "POST /notes/create/",
        "/notes/create/",
        Some(&[
            ("csrf_token", &t),
            ("name", &note_name),
            ("text", &note_text),
            ("pad", &pad_id_s),
        ]),
        Expect::ok()
            .landing(&pad_path)
            .containing("Note is successfully created"),
    )
    .await?;
    let note_id = link_id(&pad_page.body, "/notes/", &note_name)
        .ok_or_else(|| format!("the new note {note_name:?} is not in its pad"))?;

    // Sorting and paging.
    visit(
        user,
        J,
        "GET /pads/{id}/?order=name",
        &format!("{pad_path}?order=name"),
        None,
        Expect::ok().containing("Notes, sorted by name"),
    )
    .await?;
    visit(
        user,
        J,
        "GET /?order=-updated_at&page=1",
        "/?order=-updated_at&page=1",
        None,
        Expect::ok().containing(format!("\">{note_name}</a>")),
    )
    .await?;

    // View, edit, delete the note.
    let note_path = format!("/notes/{note_id}/");
    visit(
        user,
        J,
        "GET /notes/{id}/",
        &note_path,
        None,
        Expect::ok()
            .containing(format!("<title>{note_name}"))
            .containing(note_text.as_str()),
    )
    .await?;
    let edit_path = format!("{note_path}edit/");
    let form = visit(
        user,
        J,
        "GET /notes/{id}/edit/",
        &edit_path,
        None,
        Expect::ok().containing(note_text.as_str()),
    )
    .await?;
    let t = token(&form)?;
    let edited = format!("{note_text}, edited");
    visit(
        user,
        J,
        "POST /notes/{id}/edit/",
        &edit_path,
        Some(&[
            ("csrf_token", &t),
            ("name", &note_name),
            ("text", &edited),
            ("pad", &pad_id_s),
        ]),
        Expect::ok()
            .landing(&pad_path)
            .containing("Note is successfully updated"),
    )
    .await?;
    let delete_path = format!("{note_path}delete/");
    let form = visit(
        user,
        J,
        "GET /notes/{id}/delete/",
        &delete_path,
        None,
        Expect::ok().containing(format!("Are you sure you want to delete {note_name}?")),
    )
    .await?;
    let t = token(&form)?;
    visit(
        user,
        J,
        "POST /notes/{id}/delete/",
        &delete_path,
        Some(&[("csrf_token", &t)]),
        Expect::ok()
            .landing(&pad_path)
            .containing("Note is successfully deleted"),
    )
    .await?;

    // And the pad.
    let delete_path = format!("{pad_path}delete/");
    let form = visit(
        user,
        J,
        "GET /pads/{id}/delete/",
        &delete_path,
        None,
        Expect::ok().containing(format!("Are you sure you want to delete {pad_name}?")),
    )
    .await?;
    let t = token(&form)?;
    visit(
        user,
        J,
        "POST /pads/{id}/delete/",
        &delete_path,
        Some(&[("csrf_token", &t)]),
        Expect::ok()
            .landing("/")
            .containing("Pad is successfully deleted"),
    )
    .await?;
    Ok(())
}
