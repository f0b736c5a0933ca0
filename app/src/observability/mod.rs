//! Telemetry of the running service: Prometheus metrics (the names are a contract with the
//! dashboards and the autoscaler), the HTTP middleware that measures and traces every request,
//! the connection-counting listener, and fault injection for drills.

pub mod connections;
pub mod faults;
pub mod http;
pub mod metrics;
