//! The files other parts rely on: the committed CRD, the baseline schema and its sample, the
//! example policy, and policy validation.

use std::path::{Path, PathBuf};

use notejam_autoscaler::baseline::{
    Baseline, ConnectionsSource, ThresholdSource, resolve_threshold,
};
use notejam_autoscaler::policy::ScalingPolicySpec;
use notejam_autoscaler::simulate::load_policy;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn committed_crd_matches_the_code() {
    let generated = notejam_autoscaler::policy::crd_yaml().unwrap();
    assert_eq!(
        read("k8s/base/autoscaler/crd.yaml"),
        generated,
        "k8s/base/autoscaler/crd.yaml is stale: run `notejam-autoscaler crd > k8s/base/autoscaler/crd.yaml`"
    );
}

fn baseline_validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&read("loadtest/baseline.schema.json")).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::draft202012::new(&schema)
        .expect("the baseline schema is itself a valid draft 2020-12 schema")
}

fn sample() -> serde_json::Value {
    serde_json::from_str(&read("autoscaler/tests/fixtures/baseline.json")).unwrap()
}

#[test]
fn sample_baseline_passes_the_schema() {
    let v = baseline_validator();
    let errors: Vec<String> = v
        .iter_errors(&sample())
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn schema_rejects_what_the_autoscaler_could_not_use() {
    let v = baseline_validator();
    let mut no_capacity = sample();
    no_capacity
        .as_object_mut()
        .unwrap()
        .remove("capacity_connections_per_pod");
    assert!(!v.is_valid(&no_capacity));
    let mut v2 = sample();
    v2["schema_version"] = 2.into();
    assert!(!v.is_valid(&v2));
    let mut zero = sample();
    zero["normal_connections_per_pod"] = 0.into();
    assert!(!v.is_valid(&zero));
    let mut bad_source = sample();
    bad_source["connections_source"] = "guess".into();
    assert!(!v.is_valid(&bad_source));
    let mut no_steps = sample();
    no_steps["steps"] = serde_json::json!([]);
    assert!(!v.is_valid(&no_steps));
}

#[test]
fn sample_baseline_is_read_and_sets_the_threshold() {
    let b = Baseline::parse(&read("autoscaler/tests/fixtures/baseline.json")).unwrap();
    assert_eq!(b.connections_source, ConnectionsSource::Server);
    assert_eq!(b.capacity_connections_per_pod, 60.0);
    let policy = load_policy(&repo("autoscaler/examples/policy.yaml")).unwrap();
    let conns = &policy.metrics[0];
    let t = resolve_threshold(conns, None, Some(&b)).unwrap();
    assert_eq!(t.source, ThresholdSource::Baseline);
    assert!((t.value - 42.0).abs() < 1e-9, "60 x 0.7, got {}", t.value);
    // History beats the baseline when it has a value; the fixed value is the last resort.
    let with_history = notejam_autoscaler::policy::MetricSpec {
        target: notejam_autoscaler::policy::TargetSpec {
            from_history: Some(notejam_autoscaler::policy::FromHistory {
                per_pod_query: "x".into(),
                slo_query: None,
                percentile: 0.95,
                window: "7d".into(),
                resolution: "5m".into(),
                utilization: 1.0,
                min_samples: 288,
            }),
            ..conns.target.clone()
        },
        ..conns.clone()
    };
    assert_eq!(
        resolve_threshold(&with_history, Some(35.0), Some(&b))
            .unwrap()
            .source,
        ThresholdSource::History
    );
    assert_eq!(
        resolve_threshold(&with_history, None, Some(&b))
            .unwrap()
            .source,
        ThresholdSource::Baseline
    );
    let fixed = resolve_threshold(&with_history, None, None).unwrap();
    assert_eq!((fixed.source, fixed.value), (ThresholdSource::Fixed, 40.0));
}

#[test]
fn client_side_connection_counts_are_flagged() {
    let mut s = sample();
    s["connections_source"] = "client".into();
    assert!(baseline_validator().is_valid(&s));
    let b = Baseline::parse(&s.to_string()).unwrap();
    let policy = load_policy(&repo("autoscaler/examples/policy.yaml")).unwrap();
    let t = resolve_threshold(&policy.metrics[0], None, Some(&b)).unwrap();
    assert!(t.note.contains("client-side"), "{}", t.note);
}

#[test]
fn example_policy_is_valid() {
    let policy = load_policy(&repo("autoscaler/examples/policy.yaml")).unwrap();
    let valid = policy.validate().expect("valid");
    // 400 connections - 20 reserved, 20 per pod.
    assert_eq!(valid.decision.database_cap, Some(19));
}

fn spec(yaml: &str) -> ScalingPolicySpec {
    serde_yaml::from_str(yaml).unwrap()
}

const GOOD: &str = r#"
targetRef: {name: notejam}
minReplicas: 2
maxReplicas: 10
metrics:
  - name: conns
    prometheus: {query: "sum(notejam_http_open_connections)"}
    target: {type: AverageValue, value: 40}
"#;

#[test]
fn bad_policies_say_what_is_wrong() {
    assert!(spec(GOOD).validate().is_ok());
    let cases = [
        (
            GOOD.replace("minReplicas: 2", "minReplicas: 12"),
            "minReplicas (12) is above maxReplicas (10)",
        ),
        (
            GOOD.replace("sum(notejam_http_open_connections)", ""),
            "the query is empty",
        ),
        (
            GOOD.replace("sum(notejam_http_open_connections)", "sum(x"),
            "the query has an unclosed '('",
        ),
        (
            GOOD.replace("value: 40", "value: 0"),
            "target value must be greater than 0",
        ),
        (
            GOOD.replace("value: 40", "value: -3"),
            "target value must be greater than 0",
        ),
        (
            GOOD.replace(
                "value: 40",
                "fromBaseline: {field: capacity_connections_per_pod}",
            ),
            "fromBaseline needs spec.baseline",
        ),
        (
            GOOD.replace("minReplicas: 2", "minReplicas: 0"),
            "minReplicas must be at least 1",
        ),
        (
            format!("{GOOD}databaseBudget: {{maxConnections: 100, poolSizePerPod: 60}}\n"),
            "below minReplicas",
        ),
        (
            format!("{GOOD}onMissing: {{action: Fallback}}\n"),
            "Fallback needs fallbackReplicas",
        ),
    ];
    for (yaml, want) in cases {
        let problems = spec(&yaml).validate().expect_err(want);
        assert!(
            problems.iter().any(|p| p.contains(want)),
            "{want:?} not in {problems:?}"
        );
    }
    let no_metrics = spec("targetRef: {name: x}\nminReplicas: 1\nmaxReplicas: 2\nmetrics: []\n");
    assert!(
        no_metrics
            .validate()
            .unwrap_err()
            .iter()
            .any(|p| p.contains("metrics is empty"))
    );
}

#[test]
fn the_overlay_policies_are_valid_and_database_cpu_only_guards() {
    for env in ["prod", "staging"] {
        let path = repo(&format!("k8s/overlays/{env}/scaling-policy.yaml"));
        let policy = load_policy(&path).unwrap();
        let valid = policy.validate().unwrap_or_else(|p| panic!("{env}: {p:?}"));
        let rds = valid
            .metrics
            .iter()
            .find(|m| {
                m.cloudwatch
                    .as_ref()
                    .is_some_and(|c| c.namespace == "AWS/RDS")
            })
            .expect("an RDS metric");
        assert!(rds.is_guard(), "{env}: RDS CPU must guard, not drive");
        assert!(valid.decision.panic.is_some(), "{env}: panic mode on");
    }
}

#[test]
fn validate_flags_a_value_metric_that_is_not_per_pod() {
    let rds = format!(
        "{GOOD}  - name: db\n    cloudwatch: {{namespace: AWS/RDS, metricName: CPUUtilization, statistic: Average}}\n    target: {{type: Value, value: 70}}\n"
    );
    let problems = spec(&rds).validate().unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("make it a guard")),
        "{problems:?}"
    );
    let elb_total = GOOD.replace(
        "prometheus: {query: \"sum(notejam_http_open_connections)\"}\n    target: {type: AverageValue, value: 40}",
        "cloudwatch: {namespace: AWS/ApplicationELB, metricName: RequestCount, statistic: Sum}\n    target: {type: Value, value: 40}",
    );
    let problems = spec(&elb_total).validate().unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("load balancer total")),
        "{problems:?}"
    );
    let sum_value = GOOD.replace("type: AverageValue", "type: Value");
    let problems = spec(&sum_value).validate().unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("sum or count over pods")),
        "{problems:?}"
    );
    // Per pod already: fine.
    let per_target = GOOD.replace(
        "prometheus: {query: \"sum(notejam_http_open_connections)\"}\n    target: {type: AverageValue, value: 40}",
        "cloudwatch: {namespace: AWS/ApplicationELB, metricName: RequestCountPerTarget, statistic: Sum}\n    target: {type: Value, value: 4000}",
    );
    assert!(spec(&per_target).validate().is_ok());
    // The same RDS metric as a guard is what the check asks for.
    let guard = rds.replace("  - name: db\n", "  - name: db\n    role: Guard\n");
    assert!(spec(&guard).validate().is_ok());
}
