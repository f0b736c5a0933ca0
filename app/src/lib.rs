//! Notejam: the reference note-taking app on poem + sqlx.
//!
//! `configuration` reads the settings, `startup` builds the server, `domain` holds the validated
//! types and rules, `storage` is the one data-access layer (PostgreSQL or SQLite), `web` serves the
//! HTML pages, `mail` sends password-reset mails.

pub mod admin;
pub mod api;
pub mod configuration;
pub mod domain;
pub mod error;
pub mod header_limits;
pub mod mail;
pub mod observability;
pub mod passwords;
pub mod service;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod web;
