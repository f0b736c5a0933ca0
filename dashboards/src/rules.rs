//! The expressions of our PrometheusRule (Prometheus Operator's object around a rule file) and
//! the series its recording rules make.

use std::collections::BTreeSet;
use std::path::Path;

use serde_yaml::Value;

use crate::{Error, Query, read};

/// The rule file's rules, each as (recorded name or alert name, is a recording rule, expr).
fn rules(path: &Path) -> Result<Vec<(String, bool, String)>, Error> {
    let file = path.display().to_string();
    let doc: Value =
        serde_yaml::from_str(&read(path)?).map_err(|e| Error::Yaml(file.clone(), e))?;
    let groups = doc["spec"]["groups"]
        .as_sequence()
        .ok_or_else(|| Error::Shape(file.clone(), "no spec.groups".into()))?;
    let mut out = Vec::new();
    for rule in groups
        .iter()
        .flat_map(|g| g["rules"].as_sequence().into_iter().flatten())
    {
        let expr = rule["expr"].as_str().map(str::to_string);
        let (name, recorded) = match (rule["record"].as_str(), rule["alert"].as_str()) {
            (Some(r), _) => (r.to_string(), true),
            (None, Some(a)) => (a.to_string(), false),
            _ => {
                return Err(Error::Shape(
                    file,
                    "a rule with neither record nor alert".into(),
                ));
            }
        };
        let expr = expr.ok_or_else(|| Error::Shape(file.clone(), format!("{name}: no expr")))?;
        out.push((name, recorded, expr));
    }
    Ok(out)
}

/// The names the recording rules of the file at `path` record.
pub fn recorded(path: &Path) -> Result<BTreeSet<String>, Error> {
    Ok(rules(path)?
        .into_iter()
        .filter(|(_, recorded, _)| *recorded)
        .map(|(name, ..)| name)
        .collect())
}

/// Every rule's expression, as a query.
pub fn queries(path: &Path) -> Result<Vec<Query>, Error> {
    Ok(rules(path)?
        .into_iter()
        .map(|(name, recorded, expr)| Query {
            file: path.display().to_string(),
            place: format!("{} {name}", if recorded { "rule" } else { "alert" }),
            promql: expr,
        })
        .collect())
}
