//! PostgreSQL credentials from AWS Secrets Manager: the RDS-managed master secret, a JSON object
//! with `username` and `password`. RDS rotates that password (every 7 days by default), so the app
//! reads the secret again every `NOTEJAM_DATABASE_SECRET_REFRESH` and hands what it finds to the
//! pool: connections opened after a rotation use the new password. Open connections stay valid
//! (PostgreSQL checks a password only when a connection starts).
//!
//! AWS credentials and region come from the SDK's default chain: in EKS, the pod's identity (the
//! `app` role of `terraform/modules/identities`, which may only read this one secret).

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::DisplayErrorContext;

use secrecy::{ExposeSecret, SecretString};

/// A database user name and password.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub username: String,
    pub password: SecretString,
}

impl PartialEq for Credentials {
    fn eq(&self, other: &Self) -> bool {
        self.username == other.username
            && self.password.expose_secret() == other.password.expose_secret()
    }
}

/// Why the secret gave no credentials. Never shows the secret's value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read the database secret {arn} (NOTEJAM_DATABASE_SECRET_ARN): {detail}")]
    Read { arn: String, detail: String },
    #[error(
        "the database secret {arn} (NOTEJAM_DATABASE_SECRET_ARN) is not a JSON object with the string fields username and password"
    )]
    Malformed { arn: String },
}

/// The secret and a client that reads it.
#[derive(Debug, Clone)]
pub struct DatabaseSecret {
    client: Client,
    arn: String,
}

impl DatabaseSecret {
    /// A reader of the secret `arn`, with the SDK's default configuration from the environment;
    /// the region is the secret's own (pods have no instance metadata to ask for one).
    pub async fn new(arn: &str) -> Self {
        let region = arn.split(':').nth(3).unwrap_or_default().to_owned();
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(region))
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(Duration::from_secs(10))
                    .build(),
            )
            .load()
            .await;
        Self {
            client: Client::new(&config),
            arn: arn.to_owned(),
        }
    }

    /// The credentials the secret holds now.
    pub async fn read(&self) -> Result<Credentials, SecretError> {
        #[derive(serde::Deserialize)]
        struct Fields {
            username: String,
            password: String,
        }
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.arn)
            .send()
            .await
            .map_err(|e| SecretError::Read {
                arn: self.arn.clone(),
                detail: DisplayErrorContext(&e).to_string(),
            })?;
        let malformed = || SecretError::Malformed {
            arn: self.arn.clone(),
        };
        let fields: Fields = serde_json::from_str(out.secret_string().ok_or_else(malformed)?)
            .map_err(|_| malformed())?;
        if fields.username.is_empty() {
            return Err(malformed());
        }
        Ok(Credentials {
            username: fields.username,
            password: SecretString::from(fields.password),
        })
    }
}
