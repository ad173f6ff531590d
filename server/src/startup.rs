//! Assembles the application from settings: database, storefront, background workers, router.
//! `Application::build` binds the port (0 for tests) before serving, so callers know where it is.
use crate::config::Settings;
use crate::http::{self, AppState, SiteAssets};
use crate::storefront::Storefront;
use crate::{demo, reaper, store};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    storefront: Arc<Storefront>,
    reaper: tokio::task::JoinHandle<()>,
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
        let store = store::connect(&settings.database).await?;
        tracing::info!(backend = store.backend(), "database ready");
        let storefront = Arc::new(Storefront::new(store, settings.hold_ttl, settings.snapshot_ttl));
        if settings.demo {
            demo::seed_or_refresh(&storefront).await?;
        }
        let assets = Arc::new(SiteAssets::load(&settings.site_root));
        let state = AppState { storefront: storefront.clone(), assets };
        let router = http::router(state, settings.request_timeout);
        let listener = TcpListener::bind(SocketAddr::new(settings.host, settings.port)).await?;
        let reaper = reaper::spawn(storefront.clone(), settings.reaper_interval);
        Ok(Application { listener, router, storefront, reaper })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn storefront(&self) -> Arc<Storefront> {
        self.storefront.clone()
    }

    /// Serves until ctrl-c or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let result = axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown_signal()).await;
        self.reaper.abort();
        Ok(result?)
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
