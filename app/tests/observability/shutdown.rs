//! Graceful shutdown: after SIGTERM `/readyz` answers 503 at once, a slow in-flight request still
//! completes, and the process exits 0.

use std::time::Duration;

use crate::process::{App, status_of};

#[tokio::test]
async fn sigterm_drains_in_flight_requests_then_exits_zero() {
    let mut app = App::start(&[
        ("NOTEJAM_FAULT_INJECTION", "true"),
        ("NOTEJAM_SHUTDOWN_GRACE", "10s"),
    ])
    .await;
    let client = reqwest::Client::new();
    // Make /signin/ slow (1.5 s) so a request is in flight when the signal lands.
    app.set_faults(r#"[{"route": "/signin/", "latency_ms": 1500, "duration_s": 60}]"#)
        .await;
    let slow = tokio::spawn({
        let url = app.url("/signin/");
        async move { reqwest::get(url).await.map(|r| r.status()) }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let readyz = format!("{}/readyz", app.admin);
    assert_eq!(status_of(&client, readyz.clone()).await, 200);

    let status = std::process::Command::new("kill")
        .args(["-TERM", &app.process.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ready = client.get(readyz).send().await.unwrap();
    assert_eq!(ready.status(), 503, "not ready while draining");
    assert_eq!(ready.text().await.unwrap(), "draining");

    assert_eq!(
        slow.await
            .unwrap()
            .expect("the in-flight request completes")
            .as_u16(),
        200
    );
    let exit = tokio::time::timeout(Duration::from_secs(15), app.process.child.wait())
        .await
        .expect("the process exits")
        .unwrap();
    assert_eq!(
        exit.code(),
        Some(0),
        "exit 0 after draining:\n{}",
        app.process.output().join("\n")
    );
    assert!(
        app.process
            .output()
            .iter()
            .any(|l| l.contains("shutdown requested: draining"))
    );
}

#[tokio::test]
async fn fault_endpoints_are_off_by_default() {
    let app = App::start(&[]).await;
    let r = app
        .put_faults(r#"[{"route":"*","error_rate":1.0,"duration_s":60}]"#)
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        status_of(&reqwest::Client::new(), app.url("/signin/")).await,
        200
    );
}

#[tokio::test]
async fn bad_faults_are_refused_with_the_reason() {
    let app = App::start(&[("NOTEJAM_FAULT_INJECTION", "true")]).await;
    let r = app
        .put_faults(r#"[{"route":"/x/","error_rate":3,"duration_s":60}]"#)
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("error_rate"));
    assert_eq!(app.put_faults("not json").await.status(), 400);
}
