//! notejam-autoscaler: scales the Notejam Deployment from Prometheus and CloudWatch metrics,
//! with per-pod targets derived from load-test baselines or production history.
//!
//! - [`decision`]: the pure HPA-style decision (property-tested, replayed by `simulate`).
//! - [`policy`]: the `ScalingPolicy` custom resource and its validation.
//! - [`baseline`]: the load-test baseline file and threshold derivation.
//! - [`forecast`]: the expected load from the same time in earlier seasons (a floor only).
//! - [`simulate`]: trace (or Prometheus history) replay beside the plain HPA.
//! - [`evaluate`]: the decision of a policy file now, from live sources.
//! - [`corpus`]: seeded traces of every kind of day, for the benchmark and the dominance tests.
//! - [`step`]: the record of one decision cycle that both print.
//! - [`sources`]: Prometheus and CloudWatch readers.
//! - [`controller`], [`leader`], [`metrics`], [`admin`]: the in-cluster controller.

pub mod admin;
pub mod baseline;
pub mod cli;
pub mod controller;
pub mod corpus;
pub mod decision;
pub mod evaluate;
pub mod forecast;
pub mod leader;
pub mod metrics;
pub mod policy;
pub mod simulate;
pub mod sources;
pub mod step;
pub mod telemetry;
