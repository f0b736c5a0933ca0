//! The Notejam page suite, run against a real server on port 0 with a fresh database: every test
//! runs twice, once on PostgreSQL and once on SQLite (see `both_databases!`).

#[path = "../common/mod.rs"]
mod common;
mod helpers;

mod accounts;
mod bad_input;
mod notes;
mod pads;
mod password_reset;
mod security;
mod smtp_sink;
