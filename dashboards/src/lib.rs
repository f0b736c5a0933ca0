//! The dashboards' and rules' PromQL as syntax trees: every expression of the Grafana dashboards
//! (`grafana/*.json`) and of our PrometheusRule (`rules/notejam-rules.yaml`) parsed by
//! promql-parser, and the metrics each one selects, for the contract test in `tests/promql.rs`.
//! (`promtool check rules` in scripts/checks/manifests.sh parses them again with Prometheus's
//! own parser; `promtool test rules` runs the alerts.)

pub mod grafana;
pub mod promql;
pub mod rules;

use std::collections::BTreeSet;
use std::path::Path;

/// One PromQL expression and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// The file it came from.
    pub file: String,
    /// Where in it: `panel 3 'Title'`, `variable pod`, `rule notejam:x`, `alert NotejamDown`.
    pub place: String,
    /// The PromQL, with Grafana's variables replaced by values PromQL accepts.
    pub promql: String,
}

impl Query {
    /// `file: place`, for messages.
    pub fn location(&self) -> String {
        format!("{}: {}", self.file, self.place)
    }
}

/// Reading a dashboard, the rules or the contract failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}: {1}")]
    Read(String, std::io::Error),
    #[error("{0}: not JSON: {1}")]
    Json(String, serde_json::Error),
    #[error("{0}: not YAML: {1}")]
    Yaml(String, serde_yaml::Error),
    #[error("{0}: {1}")]
    Shape(String, String),
}

pub(crate) fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::Read(path.display().to_string(), e))
}

/// The metric names of the contract file (`metric-contract.txt`): one a line, `#` comments.
pub fn contract(path: &Path) -> Result<BTreeSet<String>, Error> {
    Ok(read(path)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect())
}

/// What is wrong with the metrics `query` selects: each name must be in `contract` (a histogram's
/// `_bucket`, `_count` and `_sum` series by the histogram's name) or be one of `recorded`.
pub fn unknown_metrics(
    query: &Query,
    contract: &BTreeSet<String>,
    recorded: &BTreeSet<String>,
) -> Result<Vec<String>, String> {
    let names = promql::metric_names(&query.promql)?;
    Ok(names
        .into_iter()
        .filter(|name| {
            let histogram = ["_bucket", "_count", "_sum"]
                .iter()
                .find_map(|s| name.strip_suffix(s));
            !(contract.contains(name)
                || histogram.is_some_and(|h| contract.contains(h))
                || recorded.contains(name))
        })
        .collect())
}
