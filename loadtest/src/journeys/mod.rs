//! The user journeys, as goose scenarios. Each step is a small async function named for what
//! the user does, and every response is validated (status, where it landed, expected content):
//! a wrong page is an error, never a success.

pub mod anonymous;
pub mod api;
pub mod api_call;
pub mod browser;
pub mod page;
pub mod probe;
pub mod probe_target;
pub mod request;

use goose::prelude::*;

/// Journey weights, from the flags.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Weights {
    pub anonymous: usize,
    pub browser: usize,
    pub api: usize,
    pub probe: usize,
}

impl Weights {
    pub fn as_map(&self) -> std::collections::BTreeMap<String, f64> {
        [
            ("anonymous".to_string(), self.anonymous as f64),
            ("browser".to_string(), self.browser as f64),
            ("api".to_string(), self.api as f64),
            ("probe".to_string(), self.probe as f64),
        ]
        .into_iter()
        .filter(|(_, w)| *w > 0.0)
        .collect()
    }
}

/// The goose scenarios for these weights (a weight of 0 leaves the journey out).
pub fn scenarios(weights: &Weights) -> Result<Vec<Scenario>, GooseError> {
    let mut out = Vec::new();
    if weights.anonymous > 0 {
        out.push(anonymous::scenario()?.set_weight(weights.anonymous)?);
    }
    if weights.browser > 0 {
        out.push(browser::scenario()?.set_weight(weights.browser)?);
    }
    if weights.api > 0 {
        out.push(api::scenario()?.set_weight(weights.api)?);
    }
    if weights.probe > 0 {
        out.push(probe::scenario()?.set_weight(weights.probe)?);
    }
    Ok(out)
}
