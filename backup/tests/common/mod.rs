//! Shared by the integration tests: a moto server of their own on a free loopback port.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_rds::Client;
use aws_sdk_rds::config::{BehaviorVersion, Credentials, Region};

/// A running `moto_server` (from `$MOTO_SERVER` or `PATH`), killed on drop.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bin = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin} (pip install 'moto[server]'): {e}"));
        let moto = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on port {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    pub fn rds(&self) -> Client {
        let config = aws_sdk_rds::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .build();
        Client::from_conf(config)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates the database; moto records an automated snapshot for it at once, as RDS does after
/// its first backup window.
pub async fn create_database(rds: &Client, identifier: &str) {
    rds.create_db_instance()
        .db_instance_identifier(identifier)
        .engine("postgres")
        .engine_version("16.4")
        .db_instance_class("db.t4g.micro")
        .allocated_storage(20)
        .master_username("notejam")
        .master_user_password("emulator-only-password")
        .backup_retention_period(7)
        .storage_encrypted(true)
        .send()
        .await
        .expect("create the database in moto");
}
