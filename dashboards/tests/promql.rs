//! The metric contract, checked on syntax trees: every PromQL expression of the Grafana
//! dashboards and of our PrometheusRule parses (promql-parser), and every metric it selects is
//! one the platform promises (`metric-contract.txt`: shared/platform.md and the exporters we run)
//! or one our recording rules make. A dashboard panel on a renamed metric shows "No data"
//! forever; this test names the panel instead.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use notejam_dashboards::{Query, contract, grafana, rules, unknown_metrics};

fn here(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

const RULES: &str = "rules/notejam-rules.yaml";

fn dashboards() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(here("grafana"))
        .expect("dashboards/grafana")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn every_query() -> Vec<Query> {
    let mut all = rules::queries(&here(RULES)).expect("the rules");
    for d in dashboards() {
        // (notejam-aws.json is CloudWatch's alone: no PromQL.)
        all.extend(grafana::queries(&d).expect("a dashboard"));
    }
    all
}

fn problems(
    queries: &[Query],
    contract: &BTreeSet<String>,
    recorded: &BTreeSet<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for q in queries {
        match unknown_metrics(q, contract, recorded) {
            Ok(unknown) => out.extend(
                unknown
                    .into_iter()
                    .map(|m| format!("{}: metric {m} is not in the contract", q.location())),
            ),
            Err(e) => out.push(format!("{}: does not parse: {e}", q.location())),
        }
    }
    out
}

#[test]
fn every_dashboard_and_rule_expression_parses_and_selects_only_contract_metrics() {
    let contract = contract(&here("metric-contract.txt")).unwrap();
    let recorded = rules::recorded(&here(RULES)).unwrap();
    let queries = every_query();
    assert!(dashboards().len() >= 4, "the four dashboards are read");
    let of_dashboards = queries.iter().filter(|q| q.file.ends_with(".json")).count();
    assert!(
        of_dashboards >= 63,
        "only {of_dashboards} dashboard expressions"
    );
    let found = problems(&queries, &contract, &recorded);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn every_recording_rule_a_dashboard_names_exists() {
    let recorded = rules::recorded(&here(RULES)).unwrap();
    assert!(
        recorded.iter().all(|r| r.starts_with("notejam:")),
        "{recorded:?}"
    );
    let used: BTreeSet<String> = every_query()
        .iter()
        .flat_map(|q| notejam_dashboards::promql::metric_names(&q.promql).unwrap())
        .filter(|m| m.starts_with("notejam:"))
        .collect();
    let missing: Vec<&String> = used.difference(&recorded).collect();
    assert!(missing.is_empty(), "named but never recorded: {missing:?}");
}

#[test]
fn a_renamed_metric_or_a_broken_expression_is_named_with_its_panel() {
    let contract = contract(&here("metric-contract.txt")).unwrap();
    let recorded = rules::recorded(&here(RULES)).unwrap();
    let query = |place: &str, expr: &str| Query {
        file: "grafana/made-up.json".into(),
        place: place.into(),
        promql: grafana::to_promql(expr),
    };
    let found = problems(
        &[
            query(
                "panel 1 \"Renamed\"",
                "sum(rate(notejam_http_requests_total[$__rate_interval]))",
            ),
            query(
                "panel 2 \"Histogram\"",
                "histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket[5m])))",
            ),
            query(
                "panel 3 \"Typo\"",
                "sum(rate(http_server_active_requests[5m])",
            ),
            query("panel 4 \"Rule\"", "notejam:no_such_rule:ratio_rate5m"),
        ],
        &contract,
        &recorded,
    );
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].contains("panel 1") && found[0].contains("notejam_http_requests_total"));
    assert!(found[1].contains("panel 3") && found[1].contains("does not parse"));
    assert!(found[2].contains("panel 4") && found[2].contains("notejam:no_such_rule"));
}
