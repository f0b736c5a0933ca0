//! `run`: every step validated and counted as the app counted it, a fixed rate, the probe.

use std::path::Path;

use crate::support::*;

/// `run` against `app` with `words`, in `dir`, its reports in `dir/r`: it ended with exit code
/// `code`; its result.
fn run_reported(app: &App, words: &str, dir: &Path, code: i32) -> serde_json::Value {
    let out = app
        .command("run")
        .words(words)
        .flag("--report-dir", dir.join("r"))
        .run_in(dir);
    assert_exit(&out, code);
    read_json(&dir.join("r/result.json"))
}

#[test]
fn run_validates_every_step_and_reports_counts_that_match_the_app() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    // Goose's own counts too, to cross-check ours.
    let r = run_reported(
        &app,
        "--users 6 --run-time 12s --quiet --goose-metrics",
        dir.path(),
        0,
    );
    let reports = dir.path().join("r");
    let total = &r["total"];
    assert!(total["requests"].as_u64().unwrap() > 20, "{total:#}");
    assert_eq!(total["errors"], 0, "failures: {:#}", r["failures"]);
    // Both journeys ran, and every browser step was exercised and validated.
    for name in [
        "GET /signin/",
        "POST /signup/ (mismatch)",
        "GET / (signed out)",
        "POST /signup/",
        "POST /signin/",
        "POST /pads/create/",
        "POST /notes/create/",
        "GET /pads/{id}/?order=name",
        "POST /notes/{id}/edit/",
        "POST /notes/{id}/delete/",
        "POST /pads/{id}/delete/",
        "POST /api/v1/tokens",
        "POST /api/v1/notes",
        "PATCH /api/v1/notes/{id}",
        "DELETE /api/v1/pads/{id}",
    ] {
        assert!(
            r["requests"][name]["requests"].as_u64().unwrap_or(0) > 0,
            "{name} never ran: {:#}",
            r["requests"]
        );
    }
    // Our count of every request sent is goose's count.
    assert_eq!(r["goose_counts"][0], r["requests_sent"], "{r:#}");
    // And the app's own metrics count the same HTTP exchanges: ours, the redirects our clients
    // followed, and the preflight's two (the sign-in page and the OpenAPI document).
    let (_, metrics) = http_get(&format!("{}/metrics", app.admin)).expect("/metrics answers");
    let served: f64 = metrics
        .lines()
        .filter(|l| l.starts_with("http_server_request_duration_seconds_count{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    let ours = r["requests_sent"].as_u64().unwrap() + r["redirects_followed"].as_u64().unwrap() + 2;
    assert_eq!(
        served as u64, ours,
        "the app counted {served}, we sent {ours}"
    );
    // The app agrees: one user row per successful sign-up we counted, and nothing left over
    // from finished loops beyond the loops still running when the run stopped.
    let count = |name: &str| r["requests"][name]["requests"].as_u64().unwrap();
    let signups = count("POST /signup/") + count("POST /api/v1/users");
    assert_eq!(
        app.sql("SELECT count(*) FROM users WHERE email LIKE 'lt-%'"),
        signups.to_string()
    );
    // Every loop deletes what it created: at most one pad per user is left (a loop cut off).
    let pads_left: u64 = app.sql("SELECT count(*) FROM pads").parse().unwrap();
    assert!(pads_left <= 6, "{pads_left} pads left by 6 users");
    // Percentiles are exact to the microsecond, not goose's rounded milliseconds.
    // (Whole microseconds up to float rounding: 1.001 ms * 1000 is 1000.9999999999999.)
    let p50_us = total["latency_ms"]["p50"].as_f64().unwrap() * 1000.0;
    assert!(
        p50_us > 0.0 && (p50_us - p50_us.round()).abs() < 1e-6,
        "{p50_us}"
    );
    let md = std::fs::read_to_string(reports.join("report.md")).unwrap();
    assert!(
        md.contains("| **all** |") && md.contains("`POST /notes/create/`"),
        "{md}"
    );
    let html = std::fs::read_to_string(reports.join("report.html")).unwrap();
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "throughput, latency and connection charts"
    );
}

#[test]
fn a_fixed_rate_run_sends_at_that_rate_and_measures_from_the_schedule() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    // The cheap probe, so 8 users keep up with the schedule even on a busy machine.
    let words = format!("--users 8 --rate 20 --run-time 4s --quiet {ONLY_THE_PROBE}");
    let r = run_reported(&app, &words, dir.path(), 0);
    assert_eq!(r["method"]["coordinated_omission_correction"], "scheduled");
    let n = r["total"]["requests"].as_u64().unwrap();
    // 20 req/s for 4 s; a request scheduled late still counts in its own slot.
    assert!((60..=82).contains(&n), "{n} requests at 20 req/s for 4 s");
}

#[test]
fn the_probe_validates_its_status() {
    let app = App::start();
    let dir = tempfile::tempdir().unwrap();
    let words = "--users 2 --run-time 2s --quiet --probe-path /no-such-page/";
    // Every request failed: exit 1, and the report says why.
    let r = run_reported(&app, &format!("{words} {ONLY_THE_PROBE}"), dir.path(), 1);
    assert!(r["total"]["requests"].as_u64().unwrap() > 0, "{r:#}");
    assert_eq!(r["total"]["errors"], r["total"]["requests"]);
    assert!(
        r["failures"]["GET probe: status 404, expected 200"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "{:#}",
        r["failures"]
    );
    assert!(
        r["goose_counts"].is_null(),
        "goose's counts are off by default"
    );
}
