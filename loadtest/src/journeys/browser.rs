//! The browser user: signs up and signs in once, then in a loop browses the notes, creates a
//! pad and a note in it, sorts and pages the lists, views, edits and deletes the note, and
//! deletes the pad. It carries the session cookie and reads the CSRF token from each form
//! before posting it, like a browser. Every user makes its own account and data, so the
//! journey runs against a fresh or a busy environment alike.

use goose::prelude::*;
use rand::Rng;

use super::page::{Expect, fill_in, link_id, visit};
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
    fill_in(
        user,
        J,
        "/signup/",
        "/signup/",
        Expect::ok(),
        &[
            ("email", &session.email),
            ("password", &session.password),
            ("repeat_password", &session.password),
        ],
        Expect::ok()
            .landing("/signin/")
            .containing("Account is created. Now you can sign in."),
    )
    .await?;
    fill_in(
        user,
        J,
        "/signin/",
        "/signin/",
        Expect::ok(),
        &[("email", &session.email), ("password", &session.password)],
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
    let home = fill_in(
        user,
        J,
        "/pads/create/",
        "/pads/create/",
        Expect::ok(),
        &[("name", &pad_name)],
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
    let pad_id_s = pad_id.to_string();
    let pad_page = fill_in(
        user,
        J,
        "/notes/create/",
        &create_path,
        Expect::ok().containing(format!(r#"<option value="{pad_id}" selected"#)),
        &[
            ("name", &note_name),
            ("text", &note_text),
            ("pad", &pad_id_s),
        ],
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
    let edited = format!("{note_text}, edited");
    fill_in(
        user,
        J,
        "/notes/{id}/edit/",
        &edit_path,
        Expect::ok().containing(note_text.as_str()),
        &[("name", &note_name), ("text", &edited), ("pad", &pad_id_s)],
        Expect::ok()
            .landing(&pad_path)
            .containing("Note is successfully updated"),
    )
    .await?;
    fill_in(
        user,
        J,
        "/notes/{id}/delete/",
        &format!("{note_path}delete/"),
        Expect::ok().containing(format!("Are you sure you want to delete {note_name}?")),
        &[],
        Expect::ok()
            .landing(&pad_path)
            .containing("Note is successfully deleted"),
    )
    .await?;

    // And the pad.
    fill_in(
        user,
        J,
        "/pads/{id}/delete/",
        &format!("{pad_path}delete/"),
        Expect::ok().containing(format!("Are you sure you want to delete {pad_name}?")),
        &[],
        Expect::ok()
            .landing("/")
            .containing("Pad is successfully deleted"),
    )
    .await?;
    Ok(())
}
