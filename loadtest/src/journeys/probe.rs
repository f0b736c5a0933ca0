//! The probe: one GET of a fixed path, validated by its status (200). Not a user journey: it
//! exists to measure the generator itself against a cheap endpoint (docs/performance.md, "Load
//! generator") and for smoke checks. Weight 0 (the default) leaves it out.
//!
//! A probe needs no session, so its users share one HTTP client without a cookie jar (goose gives
//! each user its own client with one, which costs a cookie lookup per request and a Set-Cookie
//! parse per response) and without `Accept-Encoding`; its URL is parsed once, not per request.
//! Each user still holds its own keep-alive connection from the shared pool while it sends.

use goose::prelude::*;

use super::page::{Expect, visit};
use super::probe_target;

/// The probe's scenario.
pub fn scenario() -> Result<Scenario, GooseError> {
    Ok(scenario!("probe")
        .register_transaction(transaction!(arrive).set_on_start().set_name("arrive"))
        .register_transaction(transaction!(probe).set_name("probe")))
}

async fn arrive(user: &mut GooseUser) -> TransactionResult {
    if let Some(p) = probe_target::get() {
        user.client = p.client.clone();
    }
    crate::recorder::current().user_started();
    Ok(())
}

/// GET the probe path; anything but 200 is an error.
pub async fn probe(user: &mut GooseUser) -> TransactionResult {
    let path = probe_target::get()
        .map(|p| p.path.as_str())
        .unwrap_or("/signin/");
    visit(user, "probe", "GET probe", path, None, Expect::ok()).await?;
    Ok(())
}
