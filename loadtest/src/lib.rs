//! `notejam-loadtest`: journeys against Notejam on goose, exact percentiles, the stepped-ramp
//! baseline, the CI gate and the merge of shards. `main.rs` parses the flags ([`cli`]) and runs
//! the command ([`commands`]); loadtest/README.md draws how the modules depend on each other.

pub mod attack;
pub mod baseline;
pub mod baseline_settings;
pub mod cli;
pub mod commands;
pub mod journeys;
pub mod preflight;
pub mod progress;
pub mod prometheus;
pub mod recorder;
pub mod report;
pub mod result;
pub mod threshold;
