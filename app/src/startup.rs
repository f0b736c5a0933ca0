//! Building and running the server: the public listener (site and API) and the admin listener
//! (health and metrics), with graceful shutdown.
//!
//! [`Application::build`] binds both listeners itself, so tests bind port 0 and read the real
//! ports; [`Application::run_until_stopped`] is the only way in.

use secrecy::ExposeSecret;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use poem::endpoint::BoxEndpoint;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::web::cookie::CookieKey;
use poem::{EndpointExt, Server};
use tokio::sync::watch;

use crate::admin::Health;
use crate::configuration::Settings;
use crate::mail::Mailer;
use crate::observability::connections::CountingAcceptor;
use crate::observability::faults::Faults;
use crate::observability::http::HttpObservability;
use crate::service::{Policy, Service};
use crate::storage::{SigninThrottle, Storage};
use crate::web::state::AppState;
use crate::web::templates::Templates;

/// A built, bound, not yet running server.
pub struct Application {
    public: CountingAcceptor<TcpAcceptor>,
    admin: TcpAcceptor,
    site: BoxEndpoint<'static>,
    health: Health,
    storage: Storage,
    shutdown_grace: Duration,
}

impl Application {
    /// Connects to the database, migrates it (unless disabled), and binds the listeners.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let metrics = crate::observability::metrics::install();
        let storage = Storage::connect(&settings.database)
            .await
            .context("cannot connect to the database (DATABASE_URL)")?;
        if settings.migrate {
            storage
                .migrate()
                .await
                .context("cannot apply the database migrations")?;
        }
        storage.keep_credentials_fresh(settings.database.secret_refresh);
        storage.watch_reachability();
        let key = match &settings.secret_key {
            Some(secret) => CookieKey::derive_from(secret.expose_secret().as_bytes()),
            None => {
                tracing::warn!(
                    "NOTEJAM_SECRET_KEY is not set: using a random key, so sessions end when the process restarts"
                );
                CookieKey::generate()
            }
        };
        let service = Service::new(
            storage.clone(),
            Mailer::new(&settings.mail)?,
            Policy {
                throttle: SigninThrottle::default(),
                token_ttl: chrono::Duration::from_std(settings.api_token_ttl)?,
                base_url: settings.base_url.clone(),
            },
        );
        let state = AppState {
            service: service.clone(),
            templates: Arc::new(Templates::load().context("cannot compile the templates")?),
        };
        if settings.mail.smtp_url.is_none() {
            tracing::warn!("NOTEJAM_SMTP_URL is not set: mails are logged instead of sent");
        }
        let site = crate::web::routes(state, key, settings.cookie_secure);
        let api = crate::api::routes(service);
        let site = crate::api::in_front_of(site, api);
        // Everything on the public listener is measured, traced and logged per request.
        let faults = Faults::new(settings.fault_injection);
        if settings.fault_injection {
            tracing::warn!(
                "NOTEJAM_FAULT_INJECTION is on: the admin listener accepts faults at /faults"
            );
        }
        let site = site
            .with(crate::header_limits::HeaderLimits)
            .with(HttpObservability::new(faults.clone()))
            .boxed();
        let public = TcpListener::bind(settings.listen)
            .into_acceptor()
            .await
            .with_context(|| format!("cannot listen on {} (NOTEJAM_LISTEN)", settings.listen))?;
        let public = CountingAcceptor(public);
        let admin = TcpListener::bind(settings.admin_listen)
            .into_acceptor()
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {} (NOTEJAM_ADMIN_LISTEN)",
                    settings.admin_listen
                )
            })?;
        let health = Health {
            storage: storage.clone(),
            draining: Arc::new(AtomicBool::new(false)),
            metrics,
            faults,
        };
        Ok(Self {
            public,
            admin,
            site,
            health,
            storage,
            shutdown_grace: settings.shutdown_grace,
        })
    }

    /// The bound port of the public listener.
    pub fn port(&self) -> u16 {
        port_of(&self.public)
    }

    /// The bound port of the admin listener.
    pub fn admin_port(&self) -> u16 {
        port_of(&self.admin)
    }

    /// Serves until `shutdown` resolves; then `/readyz` turns 503 at once, in-flight requests get
    /// up to the shutdown grace to finish, and the database pool is closed.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let draining = self.health.draining.clone();
        let grace = self.shutdown_grace;
        tracing::info!(
            port = self.port(),
            admin_port = self.admin_port(),
            "serving"
        );

        crate::observability::metrics::spawn_upkeep(self.health.metrics.clone());
        let admin_app = crate::admin::routes(self.health.clone());
        // The admin listener outlives the public one, so `/readyz` answers 503 while requests drain.
        let (admin_stop_tx, mut admin_stop) = watch::channel(false);
        let admin_server = tokio::spawn(
            Server::new_with_acceptor(self.admin).run_with_graceful_shutdown(
                admin_app,
                async move { wait_stop(&mut admin_stop).await },
                Some(Duration::from_secs(1)),
            ),
        );

        tokio::spawn(async move {
            shutdown.await;
            tracing::info!(
                grace_seconds = grace.as_secs_f64(),
                "shutdown requested: draining"
            );
            draining.store(true, Ordering::SeqCst);
            let _ = stop_tx.send(true);
        });

        let mut public_stop = stop_rx.clone();
        let served = Server::new_with_acceptor(self.public)
            .http2_max_header_list_size(crate::header_limits::MAX_HEADER_BYTES as u32)
            .run_with_graceful_shutdown(
                self.site,
                async move { wait_stop(&mut public_stop).await },
                Some(grace),
            )
            .await;
        let _ = admin_stop_tx.send(true);
        let _ = admin_server.await;
        self.storage.close().await;
        tracing::info!("stopped");
        served.context("the public listener failed")
    }
}

async fn wait_stop(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

fn port_of(acceptor: &impl Acceptor) -> u16 {
    acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .map_or(0, |a| a.port())
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
