//! Outgoing mail over SMTP with lettre; without `NOTEJAM_SMTP_URL` mails are logged instead.

use secrecy::ExposeSecret;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::configuration::MailSettings;

/// Sends mails in the background so a request never waits on (or reveals timing of) SMTP.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> anyhow::Result<Self> {
        let transport = match &settings.smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| anyhow::anyhow!("invalid NOTEJAM_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(10)))
                    .build(),
            ),
            None => None,
        };
        Ok(Self {
            transport,
            from: settings.from.clone(),
        })
    }

    /// Queues a plain-text mail; failures are logged, never shown to the requester.
    pub fn send_in_background(&self, to: &str, subject: &str, body: String) {
        let to_box: Mailbox = match to.parse() {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(error = %e, "recipient address does not parse");
                return;
            }
        };
        let message = match Message::builder()
            .from(self.from.clone())
            .to(to_box)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.clone())
        {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(error = %e, "mail could not be built");
                return;
            }
        };
        match self.transport.clone() {
            Some(transport) => {
                let subject = subject.to_owned();
                tokio::spawn(async move {
                    match transport.send(message).await {
                        Ok(_) => tracing::info!(%subject, "mail sent"),
                        Err(e) => tracing::error!(error = %e, %subject, "mail could not be sent"),
                    }
                });
            }
            None => {
                // Development mode (no SMTP server configured): the design says mails are logged.
                tracing::warn!(mail_to = %to, mail_subject = %subject, mail_body = %body, "NOTEJAM_SMTP_URL is not set: mail logged instead of sent");
            }
        }
    }
}
