//! A threshold, parsed: what it measures, over which requests, and against what limit.

use std::fmt;

/// A parse error, with the expression and what was wrong.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("malformed threshold {expr:?}: {why}")]
pub struct ThresholdError {
    pub expr: String,
    pub why: String,
}

/// What a threshold measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    Percentile(f64),
    Max,
    Mean,
    Errors,
    Rps,
    Requests,
}

/// How the measured value compares with the limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

/// Which requests a threshold judges.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    All,
    Journey(String),
    Request(String),
}

/// What the measured value is compared with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Limit {
    /// Milliseconds, a fraction, requests/s or a count, by metric.
    Absolute(f64),
    /// A factor of the baseline's figure.
    Baseline(f64),
}

/// A parsed threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    pub expr: String,
    pub metric: Metric,
    pub scope: Scope,
    pub op: Op,
    pub limit: Limit,
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expr)
    }
}
