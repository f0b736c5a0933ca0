//! notejam-autoscaler: scales the Notejam Deployment from Prometheus and CloudWatch metrics,
//! with per-pod targets derived from load-test baselines or production history.
//!
//! - [`decision`]: the pure HPA-style decision (property-tested, replayed by `simulate`).
//! - [`policy`]: the `ScalingPolicy` custom resource and its validation.
//! - [`baseline`]: the load-test baseline file and threshold derivation.
//! - [`simulate`]: trace replay beside the plain HPA.

pub mod baseline;
pub mod cli;
pub mod decision;
pub mod policy;
pub mod simulate;
pub mod sources;
pub mod telemetry;
