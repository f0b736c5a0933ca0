//! PromQL through promql-parser: the metric names an expression selects, read from its syntax
//! tree (selectors inside functions, aggregations, binary operations and subqueries alike).

use std::collections::BTreeSet;

use promql_parser::parser::{self, Expr};
use promql_parser::util::{ExprVisitor, walk_expr};

struct Selected(BTreeSet<String>);

impl ExprVisitor for Selected {
    type Error = String;

    fn pre_visit(&mut self, expr: &Expr) -> Result<bool, String> {
        let selector = match expr {
            Expr::VectorSelector(vs) => Some(vs),
            Expr::MatrixSelector(ms) => Some(&ms.vs),
            _ => None,
        };
        if let Some(vs) = selector {
            // `{__name__="x"}` selects x as surely as `x` does.
            let by_label = vs
                .matchers
                .matchers
                .iter()
                .filter(|m| m.name == "__name__")
                .map(|m| m.value.clone());
            match &vs.name {
                Some(name) => {
                    self.0.insert(name.clone());
                }
                None => self.0.extend(by_label),
            }
        }
        Ok(true)
    }
}

/// The metric names `promql` selects, or the parser's error.
pub fn metric_names(promql: &str) -> Result<BTreeSet<String>, String> {
    let expr = parser::parse(promql)?;
    let mut selected = Selected(BTreeSet::new());
    walk_expr(&mut selected, &expr)?;
    Ok(selected.0)
}

#[cfg(test)]
mod tests {
    use super::metric_names;

    #[test]
    fn every_selector_of_the_tree_is_found() {
        let names = metric_names(
            r#"sum by (le) (rate(a_bucket{job="x"}[5m])) / on() group_left max_over_time(b[1h:5m])
               or vector(0) > bool scalar(c) and {__name__="d"}"#,
        )
        .unwrap();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(names, ["a_bucket", "b", "c", "d"]);
    }

    #[test]
    fn a_syntax_error_is_an_error() {
        assert!(metric_names("sum(rate(x[5m])").is_err());
        assert!(
            metric_names("rate(x)").is_err(),
            "rate needs a range vector"
        );
    }
}
