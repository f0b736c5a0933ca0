//! The PromQL of a Grafana dashboard: every panel target (nested rows included), query variable
//! and annotation whose datasource is Prometheus, with Grafana's variables replaced by values
//! PromQL accepts (`$__rate_interval` a duration, any other variable a regex matching anything).

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::{Error, Query, read};

static SUBSTITUTIONS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"\$__rate_interval|\$\{__rate_interval\}", "1m"),
        (r"\$__interval|\$\{__interval\}", "1m"),
        (r"\$__range|\$\{__range\}", "1h"),
        (r"\$\{?\w+(:\w+)?\}?", ".*"),
    ]
    .into_iter()
    .map(|(p, r)| (Regex::new(p).expect("a valid pattern"), r))
    .collect()
});

// Grafana's query functions of a variable: only the PromQL inside is PromQL.
static WRAPPERS: LazyLock<[Regex; 2]> = LazyLock::new(|| {
    [
        Regex::new(r"(?s)^\s*label_values\((.*),\s*\w+\)\s*$").expect("a valid pattern"),
        Regex::new(r"(?s)^\s*query_result\((.*)\)\s*$").expect("a valid pattern"),
    ]
});

/// `expr` with Grafana's variables replaced, and a variable's `label_values(...)` unwrapped.
pub fn to_promql(expr: &str) -> String {
    let inner = WRAPPERS
        .iter()
        .find_map(|w| w.captures(expr).map(|c| c[1].to_string()))
        .unwrap_or_else(|| expr.to_string());
    SUBSTITUTIONS.iter().fold(inner, |e, (pattern, value)| {
        pattern.replace_all(&e, *value).into_owned()
    })
}

fn is_prometheus(datasource: Option<&Value>) -> bool {
    datasource
        .and_then(|d| d.get("type"))
        .and_then(Value::as_str)
        == Some("prometheus")
}

fn panels(list: &[Value], out: &mut Vec<Value>) {
    for p in list {
        out.push(p.clone());
        if let Some(children) = p.get("panels").and_then(Value::as_array) {
            panels(children, out);
        }
    }
}

/// Every Prometheus query of the dashboard at `path`.
pub fn queries(path: &Path) -> Result<Vec<Query>, Error> {
    let file = path.display().to_string();
    let d: Value = serde_json::from_str(&read(path)?).map_err(|e| Error::Json(file.clone(), e))?;
    let mut found = Vec::new();
    let mut push = |place: String, expr: &str| {
        found.push(Query {
            file: file.clone(),
            place,
            promql: to_promql(expr),
        })
    };
    let mut all = Vec::new();
    panels(
        d["panels"].as_array().map_or(&[][..], Vec::as_slice),
        &mut all,
    );
    for p in &all {
        for t in p["targets"].as_array().into_iter().flatten() {
            let ds = t.get("datasource").or_else(|| p.get("datasource"));
            if let (true, Some(expr)) = (is_prometheus(ds), t["expr"].as_str()) {
                push(
                    format!("panel {} {:?}", p["id"], p["title"].as_str().unwrap_or("")),
                    expr,
                );
            }
        }
    }
    for v in d["templating"]["list"].as_array().into_iter().flatten() {
        let query = v["query"].get("query").unwrap_or(&v["query"]);
        if v["type"] == "query"
            && is_prometheus(v.get("datasource"))
            && let Some(expr) = query.as_str()
        {
            push(
                format!("variable {}", v["name"].as_str().unwrap_or("")),
                expr,
            );
        }
    }
    for a in d["annotations"]["list"].as_array().into_iter().flatten() {
        if let (true, Some(expr)) = (is_prometheus(a.get("datasource")), a["expr"].as_str()) {
            push(
                format!("annotation {:?}", a["name"].as_str().unwrap_or("")),
                expr,
            );
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::to_promql;

    #[test]
    fn grafana_variables_become_promql() {
        assert_eq!(
            to_promql(r#"rate(x{pod=~"$pod", ns="${namespace}"}[$__rate_interval])"#),
            r#"rate(x{pod=~".*", ns=".*"}[1m])"#
        );
        assert_eq!(
            to_promql("label_values(up{job=\"a\"}, pod)"),
            "up{job=\"a\"}"
        );
    }
}
