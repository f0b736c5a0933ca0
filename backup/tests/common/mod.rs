//! Shared by the integration tests: a moto server of their own on a free loopback port.

#![allow(dead_code)]

use aws_sdk_rds::Client;
use aws_sdk_rds::config::{BehaviorVersion, Credentials, Region};
use notejam_testkit::Server;

/// A running `moto_server` (from `$MOTO_SERVER` or `PATH`), killed on drop.
pub struct Moto {
    _server: Server,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Self {
        let server = notejam_testkit::moto();
        Self {
            endpoint: server.url.clone(),
            _server: server,
        }
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
