//! The controller's Kubernetes calls (get Deployment, patch scale, status, Events, HPA, Lease)
//! in named scenarios against kube's tower-test mock API server.
//!
//! No Kubernetes API server runs on this machine, so these tests check the requests the
//! controller makes and how it reacts to the answers; they do not prove a real cluster accepts
//! them (the CRD and RBAC are checked offline elsewhere).
//! One module a concern: `mock` (the mock API server, the usual cluster, the fake metric
//! reader, the scenarios' policies and contexts), `scenario` (one reconcile, and readers of the
//! recorded calls, status, Events and metrics), `scaling` (scale mode, dry run, conditions,
//! errors, standby), `targets` (baseline and history targets), `tune` (forecast, guard, tune
//! mode, forgetting a policy), `leases` (leader election) and `admin`.

mod admin;
mod leases;
mod mock;
mod scaling;
mod scenario;
mod targets;
mod tune;
