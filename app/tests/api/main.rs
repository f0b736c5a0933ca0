//! The JSON API suite, run against a real server on port 0 with a fresh database: every test runs
//! twice, once on PostgreSQL and once on SQLite (see `both_databases!`).

#[path = "../common/mod.rs"]
mod common;
mod helpers;

mod accounts;
mod bad_input;
mod both_doors;
mod concurrency;
mod db_proxy;
mod document;
mod header_limits;
mod notes;
mod outage;
mod pads;
