//! The probe: one GET of a fixed path, validated by its status (200). Not a user journey: it
//! exists to measure the generator itself against a cheap endpoint (docs/performance-loadtest.md)
//! and for smoke checks. Weight 0 (the default) leaves it out.

use goose::prelude::*;

use super::page::{Expect, visit};

/// The path the probe requests, set once from `--probe-path` before the attack.
pub static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The probe's scenario.
pub fn scenario() -> Result<Scenario, GooseError> {
    Ok(scenario!("probe")
        .register_transaction(transaction!(arrive).set_on_start().set_name("arrive"))
        .register_transaction(transaction!(probe).set_name("probe")))
}

async fn arrive(_user: &mut GooseUser) -> TransactionResult {
    crate::recorder::current().user_started();
    Ok(())
}

/// GET the probe path; anything but 200 is an error.
pub async fn probe(user: &mut GooseUser) -> TransactionResult {
    let path = PATH.get().map(String::as_str).unwrap_or("/signin/");
    visit(user, "probe", "GET probe", path, None, Expect::ok()).await?;
    Ok(())
}
