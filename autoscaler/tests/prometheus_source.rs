//! The Prometheus source against a real Prometheus (Debian `prometheus`), started by this test,
//! scraping an exporter whose values the test sets.

mod support;

use std::time::{Duration, Instant};

use notejam_autoscaler::baseline::history_query;
use notejam_autoscaler::policy::FromHistory;
use notejam_autoscaler::sources::{PrometheusSource, Reading, SourceError};

async fn poll(src: &PrometheusSource, q: &str, want: impl Fn(&Reading) -> bool) -> Reading {
    let start = Instant::now();
    loop {
        let r = src.query(q).await.expect("query");
        if want(&r) {
            return r;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{q}: still {r:?} after 20 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn reads_scalar_and_vector_results_and_reports_empty_and_stale_as_missing() {
    let exporter = Exporter::start(
        "notejam_http_open_connections 42\nsplit{pod=\"a\"} 1\nsplit{pod=\"b\"} 2\n",
    )
    .await;
    let prom = start_prometheus(&exporter.addr).await;
    let src = PrometheusSource::new(&prom.url, Duration::from_secs(5)).unwrap();

    // First scrape lands a few seconds after start.
    let r = poll(&src, "sum(notejam_http_open_connections)", |r| {
        r.value().is_some()
    })
    .await;
    assert_eq!(r, Reading::Value(42.0));

    // Scalar results.
    assert_eq!(
        src.query("scalar(sum(notejam_http_open_connections)) * 2")
            .await
            .unwrap(),
        Reading::Value(84.0)
    );

    // An empty vector is missing, never zero.
    let r = src.query("sum(no_such_metric)").await.unwrap();
    assert!(matches!(r, Reading::Missing(_)), "{r:?}");

    // NaN is missing too.
    let r = src.query("0/0").await.unwrap();
    assert!(matches!(r, Reading::Missing(_)), "{r:?}");

    // Several series are ambiguous: the policy must aggregate.
    let err = src.query("split").await.unwrap_err();
    assert!(matches!(err, SourceError::Ambiguous(2)), "{err:?}");
    assert!(err.is_policy_error());

    // An unparsable query is a policy problem, reported as such.
    let err = src.query("sum(rate(x[5m]").await.unwrap_err();
    assert!(matches!(err, SourceError::BadQuery(_)), "{err:?}");

    // The value follows the exporter.
    exporter.set("notejam_http_open_connections 7\n");
    poll(&src, "sum(notejam_http_open_connections)", |r| {
        *r == Reading::Value(7.0)
    })
    .await;

    // The history-derived threshold query is valid PromQL and yields a number.
    // As a policy gives it (percentile 0.95 and utilization 1 by default).
    let h: FromHistory = serde_yaml::from_str(
        "{perPodQuery: 'sum(notejam_http_open_connections) / 1', sloQuery: 'vector(0.1) < 0.3', \
          window: 1m, resolution: 1s, minSamples: 5}",
    )
    .unwrap();
    assert_eq!((h.percentile, h.utilization), (0.95, 1.0));
    let r = poll(&src, &history_query(&h), |r| r.value().is_some()).await;
    let v = r.value().unwrap();
    assert!((7.0..=42.0).contains(&v), "{v}");
    // Too little history to trust (a minute at 1 s holds at most 60 samples): missing, and the
    // baseline takes over, as on a new cluster.
    let thin = FromHistory {
        min_samples: 1000,
        ..h.clone()
    };
    assert!(matches!(
        src.query(&history_query(&thin)).await.unwrap(),
        Reading::Missing(_)
    ));
    // When the SLO never held there is no history: missing, and the baseline takes over.
    let h = FromHistory {
        slo_query: Some("vector(0.5) < 0.3".into()),
        ..h
    };
    assert!(matches!(
        src.query(&history_query(&h)).await.unwrap(),
        Reading::Missing(_)
    ));

    // A series that vanishes from the scrape goes stale at once in Prometheus: missing for us.
    exporter.set("other 1\n");
    let r = poll(&src, "sum(notejam_http_open_connections)", |r| {
        matches!(r, Reading::Missing(_))
    })
    .await;
    assert!(matches!(r, Reading::Missing(_)));
}

#[tokio::test]
async fn a_silent_server_times_out() {
    // A listener that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let src = PrometheusSource::new(&url, Duration::from_millis(300)).unwrap();
    let started = Instant::now();
    let err = src.query("up").await.unwrap_err();
    assert!(matches!(err, SourceError::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(!err.is_policy_error());
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    let port = free_port();
    let src =
        PrometheusSource::new(&format!("http://127.0.0.1:{port}"), Duration::from_secs(2)).unwrap();
    let err = src.query("up").await.unwrap_err();
    assert!(matches!(err, SourceError::Unavailable(_)), "{err:?}");
}

use support::{Exporter, free_port, start_prometheus, start_prometheus_with_history};

#[tokio::test]
async fn the_forecast_query_reads_the_coming_horizon_one_season_ago() {
    use notejam_autoscaler::forecast::{combine, forecast_query};
    use std::fmt::Write as _;
    // History around the same time yesterday and last week: 100 connections, and a peak four to
    // seven minutes ahead of "now" (500 yesterday, 300 last week). The queries run at real time,
    // after Prometheus has started; the peak is far enough ahead that a 45 s horizon still ends
    // before it when that takes over three minutes (with the peak a minute ahead, a start that
    // took some 25 s on a busy machine once let the 45 s window reach it).
    let now = chrono::Utc::now().timestamp() / 15 * 15;
    let mut om = String::from("# TYPE conns gauge\n");
    for (season, peak) in [(7 * 86_400, 300.0), (86_400, 500.0)] {
        for k in -80i64..=80 {
            let t = now - season + k * 15;
            let v = if (240..=400).contains(&(k * 15)) {
                peak
            } else {
                100.0
            };
            writeln!(om, "conns {v} {t}").unwrap();
        }
    }
    om.push_str("# EOF\n");
    let prom = start_prometheus_with_history(&om).await;
    let src = PrometheusSource::new(&prom.url, Duration::from_secs(5)).unwrap();
    let peak = |season: u64, horizon: u32| {
        let q = forecast_query("sum(conns)", season, horizon, "15s");
        let src = src.clone();
        async move { src.query(&q).await.unwrap().value() }
    };
    assert_eq!(peak(86_400, 300).await, Some(500.0));
    assert_eq!(peak(7 * 86_400, 300).await, Some(300.0));
    // A horizon that ends before the peak sees only the quiet load.
    assert_eq!(peak(86_400, 45).await, Some(100.0));
    // Two days ago there is nothing: no forecast, not zero.
    assert_eq!(peak(2 * 86_400, 300).await, None);
    let (expected, _) = combine(&[
        ("1d".into(), peak(86_400, 300).await),
        ("7d".into(), peak(7 * 86_400, 300).await),
    ]);
    assert_eq!(expected, Some(300.0));
}
