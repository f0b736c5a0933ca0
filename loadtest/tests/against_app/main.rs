//! The loadtest against the real app on PostgreSQL, started by each test: short loads on
//! 127.0.0.1 only, a few seconds each.
//! `run` (closed and open model, the probe), `gate` (thresholds, JUnit, what is refused before
//! any load) and `baseline` (the stepped ramp, shards and their merge).

#[path = "../support/mod.rs"]
mod support;

mod baseline;
mod gate;
mod run;
