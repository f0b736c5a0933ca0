//! JUnit XML for CircleCI's test results: one test case per threshold, or one failing case
//! saying why the gate could not run.

use std::fmt::Write as _;

use super::escape::esc;
use crate::result::RunResult;
use crate::threshold::Verdict;

/// JUnit XML: one test case per threshold, for CircleCI's test results.
pub fn junit(run: &RunResult, verdicts: &[Verdict]) -> String {
    let failures = verdicts.iter().filter(|v| !v.passed).count();
    let mut o = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"notejam-loadtest\" tests=\"{}\" failures=\"{failures}\">\n  <testsuite name=\"loadtest thresholds: {}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{:.3}\" timestamp=\"{}\">\n",
        verdicts.len(),
        esc(&run.target),
        verdicts.len(),
        run.duration_seconds,
        esc(&run.started_at)
    );
    for v in verdicts {
        let _ = write!(
            o,
            "    <testcase classname=\"loadtest.thresholds\" name=\"{}\" time=\"{:.3}\">",
            esc(&v.threshold),
            run.duration_seconds
        );
        if v.passed {
            let _ = writeln!(o, "<system-out>{}</system-out></testcase>", esc(&v.detail));
        } else {
            let _ = writeln!(
                o,
                "<failure message=\"{}\" type=\"threshold\">{}</failure></testcase>",
                esc(&v.detail),
                esc(&format!(
                    "{}: {} over {} requests ({} errors)",
                    v.threshold, v.detail, run.total.requests, run.total.errors
                ))
            );
        }
    }
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
}

/// JUnit XML for a gate that could not run (exit 1): one failing test case with the reason.
pub fn junit_error(target: &str, reason: &str) -> String {
    let first = reason.lines().next().unwrap_or(reason);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"notejam-loadtest\" tests=\"1\" failures=\"1\">\n  <testsuite name=\"loadtest thresholds: {}\" tests=\"1\" failures=\"1\" errors=\"0\" time=\"0.000\" timestamp=\"{}\">\n    <testcase classname=\"loadtest.run\" name=\"the load test ran\" time=\"0.000\"><failure message=\"{}\" type=\"could-not-run\">{}</failure></testcase>\n  </testsuite>\n</testsuites>\n",
        esc(target),
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        esc(first),
        esc(&format!(
            "notejam-loadtest gate could not run the test (exit 1), so no threshold was judged: {reason}"
        ))
    )
}
