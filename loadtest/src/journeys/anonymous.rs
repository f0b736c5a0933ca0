//! The anonymous visitor: lands on the sign-in page, looks at sign-up, is sent to sign in when
//! opening the notes, fetches the stylesheet, and fumbles a sign-up form (a field error).

use goose::prelude::*;

use super::page::{Expect, visit};

const J: &str = "anonymous";

/// The anonymous visitor's scenario.
pub fn scenario() -> Result<Scenario, GooseError> {
    Ok(scenario!("anonymous")
        .register_transaction(transaction!(arrive).set_on_start().set_name("arrive"))
        .register_transaction(transaction!(visit_site).set_name("visit")))
}

/// Counts the visitor as a running user (for the connections chart).
pub async fn arrive(_user: &mut GooseUser) -> TransactionResult {
    crate::recorder::current().user_started();
    Ok(())
}

/// One visit, every page validated.
pub async fn visit_site(user: &mut GooseUser) -> TransactionResult {
    visit(
        user,
        J,
        "GET /signin/",
        "/signin/",
        None,
        Expect::ok()
            .containing("<title>Sign in")
            .containing(r#"name="csrf_token""#),
    )
    .await?;
    let signup = visit(
        user,
        J,
        "GET /signup/",
        "/signup/",
        None,
        Expect::ok()
            .containing("<title>Sign up")
            .containing(r#"name="repeat_password""#),
    )
    .await?;
    // The notes need a session: the site sends the visitor to sign in first.
    visit(
        user,
        J,
        "GET / (signed out)",
        "/",
        None,
        Expect::ok()
            .landing("/signin/?next=%2F")
            .containing("<title>Sign in"),
    )
    .await?;
    visit(
        user,
        J,
        "GET /static/css/style.css",
        "/static/css/style.css",
        None,
        Expect::ok(),
    )
    .await?;
    // A sign-up with passwords that differ: the form comes back with exactly that error.
    let token = signup.csrf_token().unwrap_or_default();
    visit(
        user,
        J,
        "POST /signup/ (mismatch)",
        "/signup/",
        Some(&[
            ("csrf_token", &token),
            ("email", "visitor@example.com"),
            ("password", "password123"),
            ("repeat_password", "password124"),
        ]),
        Expect::ok()
            .containing(r#"<ul class="errorlist" data-field="repeat_password"><li>Your passwords do not match</li></ul>"#),
    )
    .await?;
    Ok(())
}
