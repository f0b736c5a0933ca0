//! The CloudWatch source against the moto AWS emulator (PyPI `moto[server]`), started by this
//! test: PutMetricData, then our GetMetricData reader. moto has no percentile statistics and no
//! metric math, so only plain statistics are exercised (and the policy only allows those).

mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatch::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension as CwDimension, MetricDatum, StandardUnit};
use notejam_autoscaler::policy::{CloudWatchMetric, Dimension};
use notejam_autoscaler::sources::{CloudWatchSource, Reading, SourceError};
use support::{Service, free_port, start_moto};

const ELB: &str = "AWS/ApplicationELB";

fn client(url: &str) -> aws_sdk_cloudwatch::Client {
    let conf = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .endpoint_url(url)
        .build();
    aws_sdk_cloudwatch::Client::from_conf(conf)
}

fn metric(namespace: &str, name: &str, dim: (&str, &str), statistic: &str) -> CloudWatchMetric {
    CloudWatchMetric {
        namespace: namespace.into(),
        metric_name: name.into(),
        dimensions: vec![Dimension {
            name: dim.0.into(),
            value: dim.1.into(),
        }],
        statistic: statistic.into(),
        period_seconds: 60,
        lookback_periods: 5,
    }
}

/// RDS `CPUUtilization` (Average) of one database instance.
fn rds_cpu(instance: &str) -> CloudWatchMetric {
    let dim = ("DBInstanceIdentifier", instance);
    metric("AWS/RDS", "CPUUtilization", dim, "Average")
}

async fn put(c: &aws_sdk_cloudwatch::Client, m: &CloudWatchMetric, at: i64, value: f64) {
    let d = &m.dimensions[0];
    c.put_metric_data()
        .namespace(&m.namespace)
        .metric_data(
            MetricDatum::builder()
                .metric_name(&m.metric_name)
                .dimensions(CwDimension::builder().name(&d.name).value(&d.value).build())
                .timestamp(DateTime::from_secs(at))
                .value(value)
                .unit(StandardUnit::Count)
                .build(),
        )
        .send()
        .await
        .expect("PutMetricData against moto");
}

/// `put` of each point: (seconds after `base`, value).
async fn put_each(
    c: &aws_sdk_cloudwatch::Client,
    m: &CloudWatchMetric,
    base: i64,
    points: &[(i64, f64)],
) {
    for &(offset, value) in points {
        put(c, m, base + offset, value).await;
    }
}

/// A fresh moto, a CloudWatch client to put data into it, and our source reading it.
async fn against_moto() -> (Service, aws_sdk_cloudwatch::Client, CloudWatchSource) {
    let moto = start_moto().await;
    let c = client(&moto.url);
    let src = CloudWatchSource::new(c.clone(), Duration::from_secs(10));
    (moto, c, src)
}

fn now() -> (SystemTime, i64) {
    let now = SystemTime::now();
    (
        now,
        now.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64,
    )
}

#[tokio::test]
async fn reads_the_newest_complete_period_and_reports_missing_and_stale() {
    let (_moto, c, src) = against_moto().await;
    let (now, secs) = now();
    let current_period = secs / 60 * 60;

    // ELB requests per target: two complete periods, and a partial one that must be ignored.
    let target_group = ("TargetGroup", "targetgroup/notejam/abc");
    let elb = metric(ELB, "RequestCountPerTarget", target_group, "Sum");
    let points = [
        (-120 + 5, 100.0),
        (-120 + 20, 50.0),
        (-60 + 5, 300.0),
        (-60 + 30, 100.0),
    ];
    put_each(&c, &elb, current_period, &points).await;
    put(&c, &elb, current_period + 1, 99_999.0).await;
    let r = src.read(&elb, now, 180).await.unwrap();
    assert_eq!(
        r,
        Reading::Value(400.0),
        "Sum of the newest complete period, not the filling one"
    );

    // ELB latency: Average.
    let balancer = ("LoadBalancer", "app/notejam/abc");
    let latency = metric(ELB, "TargetResponseTime", balancer, "Average");
    let points = [(-60 + 1, 0.2), (-60 + 2, 0.4)];
    put_each(&c, &latency, current_period, &points).await;
    let r = src.read(&latency, now, 180).await.unwrap();
    let v = r.value().expect("a value");
    assert!((v - 0.3).abs() < 1e-9, "{v}");

    // RDS connections and CPU: Maximum and Average.
    let instance = ("DBInstanceIdentifier", "notejam-prod");
    let conns = metric("AWS/RDS", "DatabaseConnections", instance, "Maximum");
    let points = [(-180 + 10, 80.0), (-180 + 40, 120.0)];
    put_each(&c, &conns, current_period, &points).await;
    assert_eq!(
        src.read(&conns, now, 300).await.unwrap(),
        Reading::Value(120.0)
    );
    // The same datapoint with a tighter staleness limit is stale, never a value.
    let r = src.read(&conns, now, 60).await.unwrap();
    assert!(matches!(r, Reading::Stale(_)), "{r:?}");

    let cpu = rds_cpu("notejam-prod");
    put(&c, &cpu, current_period - 60 + 3, 35.0).await;
    assert_eq!(
        src.read(&cpu, now, 180).await.unwrap(),
        Reading::Value(35.0)
    );

    // Missing, never a value: nothing in the look-back window (a datapoint far in the past does
    // not count), or data only in the still-filling period.
    for (instance, at) in [
        ("notejam-quiet", current_period - 3600),
        ("notejam-fresh", current_period + 1),
    ] {
        let cpu = rds_cpu(instance);
        put(&c, &cpu, at, 50.0).await;
        let r = src.read(&cpu, now, 180).await.unwrap();
        assert!(matches!(r, Reading::Missing(_)), "{instance}: {r:?}");
    }
}

#[tokio::test]
async fn an_unreachable_endpoint_is_unavailable_not_zero() {
    let port = free_port();
    let src = CloudWatchSource::new(
        client(&format!("http://127.0.0.1:{port}")),
        Duration::from_secs(20),
    );
    let m = rds_cpu("x");
    let err = src.read(&m, SystemTime::now(), 180).await.unwrap_err();
    assert!(
        matches!(err, SourceError::Unavailable(_) | SourceError::Timeout(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_range_read_answers_at_each_instant_what_a_live_read_would_have() {
    let (_moto, c, src) = against_moto().await;
    let (_, secs) = now();
    let base = secs / 60 * 60 - 3600;
    let cpu = rds_cpu("notejam-range");
    // One datapoint a minute for 20 minutes, then nothing for 10 (the source goes quiet).
    for i in 0..20 {
        put(&c, &cpu, base + i * 60 + 10, 30.0 + i as f64).await;
    }
    let times: Vec<i64> = (0..40).map(|k| base + 30 + k * 45).collect();
    let ranged = src.read_range(&cpu, &times, 180).await.unwrap();
    assert_eq!(ranged.len(), times.len());
    for (t, r) in times.iter().zip(&ranged) {
        let live = src
            .read(&cpu, UNIX_EPOCH + Duration::from_secs(*t as u64), 180)
            .await
            .unwrap();
        assert_eq!(r, &live, "at {t}");
    }
    // Early on the value is the last complete minute's; after the data stops it goes stale, then missing.
    assert_eq!(
        ranged[2],
        Reading::Value(31.0),
        "at +120 s: the minute 60..120"
    );
    assert!(ranged.iter().any(|r| matches!(r, Reading::Stale(_))));
    assert!(matches!(ranged.last().unwrap(), Reading::Missing(_)));
}
