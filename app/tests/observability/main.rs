//! Observability and operations against the real components: the `notejam` binary runs as a
//! process (as in production), a real OTLP collector (`oteltap`, from PyPI) receives its spans, a
//! real Prometheus (Debian's) scrapes its admin port, `promtool` checks the exposition, SIGTERM is
//! a real signal, and its database credentials come from Secrets Manager in moto.
//! `scripts/test.sh` installs the tools; a test that cannot find one fails and says which.

mod collector;
mod process;
mod prometheus;

mod database_secret;
mod metric_series;
mod metrics;
mod shutdown;
mod trace_export;
mod traces;
