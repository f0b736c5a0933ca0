//! JUnit XML for CircleCI's test results (`quick-junit`): one test case per threshold, or one
//! failing case saying why the gate could not run. quick-junit escapes the XML and drops what XML
//! cannot hold (terminal colour codes, other control characters).

use std::time::Duration;

use anyhow::Result;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::result::RunResult;
use crate::threshold::Verdict;

/// The report's and the suite's names (CircleCI shows them).
const REPORT: &str = "notejam-loadtest";

fn suite_name(target: &str) -> String {
    format!("loadtest thresholds: {target}")
}

fn failure(message: &str, kind: &str, description: String) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status
        .set_message(message)
        .set_type(kind)
        .set_description(description);
    status
}

fn xml(suite: TestSuite) -> Result<String> {
    let mut report = Report::new(REPORT);
    report.add_test_suite(suite);
    Ok(report.to_string()?)
}

/// JUnit XML: one test case per threshold (`classname="loadtest.thresholds"`), each timed by the
/// measured window; a passed one carries its detail as output, a failed one as its failure.
pub fn junit(run: &RunResult, verdicts: &[Verdict]) -> Result<String> {
    let time = Duration::from_secs_f64(run.duration_seconds.max(0.0));
    let mut suite = TestSuite::new(suite_name(&run.target));
    suite.set_time(time);
    if let Ok(started) = chrono::DateTime::parse_from_rfc3339(&run.started_at) {
        suite.set_timestamp(started);
    }
    for v in verdicts {
        let status = if v.passed {
            TestCaseStatus::success()
        } else {
            failure(
                &v.detail,
                "threshold",
                format!(
                    "{}: {} over {} requests ({} errors)",
                    v.threshold, v.detail, run.total.requests, run.total.errors
                ),
            )
        };
        let mut case = TestCase::new(v.threshold.as_str(), status);
        case.set_classname("loadtest.thresholds").set_time(time);
        if v.passed {
            case.set_system_out(v.detail.as_str());
        }
        suite.add_test_case(case);
    }
    xml(suite)
}

/// JUnit XML for a gate that could not run (exit 1): one failing test case
/// (`classname="loadtest.run" name="the load test ran"`) whose message is the reason's first line.
pub fn junit_error(target: &str, reason: &str) -> Result<String> {
    let first = reason.lines().next().unwrap_or(reason);
    let mut suite = TestSuite::new(suite_name(target));
    suite
        .set_time(Duration::ZERO)
        .set_timestamp(chrono::Utc::now().fixed_offset());
    let mut case = TestCase::new(
        "the load test ran",
        failure(
            first,
            "could-not-run",
            format!(
                "notejam-loadtest gate could not run the test (exit 1), so no threshold was judged: {reason}"
            ),
        ),
    );
    case.set_classname("loadtest.run").set_time(Duration::ZERO);
    suite.add_test_case(case);
    xml(suite)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::fixtures::shard;

    fn verdict(threshold: &str, passed: bool, detail: &str) -> Verdict {
        Verdict {
            threshold: threshold.into(),
            passed,
            actual: Some(1.0),
            limit: Some(2.0),
            unit: "ms",
            detail: detail.into(),
        }
    }

    /// (name, classname, failure message) of each test case, as an XML parser reads them.
    fn cases(doc: &roxmltree::Document) -> Vec<(String, String, Option<String>)> {
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|c| {
                let failure = c
                    .children()
                    .find(|f| f.has_tag_name("failure"))
                    .map(|f| f.attribute("message").unwrap_or_default().to_string());
                let attr = |a| c.attribute(a).unwrap_or_default().to_string();
                (attr("name"), attr("classname"), failure)
            })
            .collect()
    }

    #[test]
    fn one_case_per_threshold_with_its_failures_counted() {
        let run = shard(0, 1, "2026-11-28T12:00:00.000Z", false);
        let hostile = r#"p95{request=GET /<script>&"'}<1s"#;
        let xml = junit(
            &run,
            &[
                verdict("p95<300ms", true, "passed: 1.000 ms (limit 300.000 ms)"),
                verdict(hostile, false, "FAILED: \u{1b}[31mred\u{1b}[0m & <b>"),
                verdict("errors<1%", true, "passed: 0.000%"),
            ],
        )
        .unwrap();
        let doc = roxmltree::Document::parse(&xml).expect("the JUnit file is well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        assert_eq!(root.attribute("name"), Some("notejam-loadtest"));
        assert_eq!(
            (root.attribute("tests"), root.attribute("failures")),
            (Some("3"), Some("1"))
        );
        let suite = root
            .children()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap();
        assert_eq!(
            suite.attribute("name"),
            Some("loadtest thresholds: http://127.0.0.1:1")
        );
        assert_eq!(
            (suite.attribute("tests"), suite.attribute("failures")),
            (Some("3"), Some("1"))
        );
        assert_eq!(suite.attribute("time"), Some("10.000"));
        assert_eq!(
            cases(&doc),
            vec![
                ("p95<300ms".into(), "loadtest.thresholds".into(), None),
                (
                    hostile.into(),
                    "loadtest.thresholds".into(),
                    // The colour codes are gone; the rest reads back as it was.
                    Some("FAILED: red & <b>".into())
                ),
                ("errors<1%".into(), "loadtest.thresholds".into(), None),
            ]
        );
        assert!(
            !xml.contains('\u{1b}') && !xml.contains("<script>"),
            "{xml}"
        );
    }

    #[test]
    fn a_run_that_could_not_run_is_one_failing_case_with_the_reason() {
        let xml = junit_error(
            "http://127.0.0.1:9",
            "cannot reach the target http://127.0.0.1:9/signin/: connection refused\nmore",
        )
        .unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(
            cases(&doc),
            vec![(
                "the load test ran".into(),
                "loadtest.run".into(),
                Some(
                    "cannot reach the target http://127.0.0.1:9/signin/: connection refused".into()
                )
            )]
        );
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(failure.attribute("type"), Some("could-not-run"));
        assert!(
            failure
                .text()
                .unwrap()
                .ends_with("connection refused\nmore")
        );
    }
}
