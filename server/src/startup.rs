//! Assembles the application from settings: database, storefront, background workers, router.
//! `Application::build` binds the port (0 for tests) before serving, so callers know where it is.
use crate::admin::{exports, mailer, Admin, SignInLimiter};
use crate::config::{GateChoice, Settings};
use crate::gate::{Gate, LocalGate, RedisGate};
use crate::http::{self, AppState, SiteAssets};
use crate::storefront::{Storefront, StorefrontSettings};
use crate::{demo, inventory, reaper, store};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    storefront: Arc<Storefront>,
    background: Vec<tokio::task::JoinHandle<()>>,
}

/// How often the gate's connection is checked (and re-established when lost).
const GATE_KEEPER_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
        let store = store::connect(&settings.database).await?;
        tracing::info!(backend = store.backend(), "database ready");
        let gate: Option<Arc<dyn Gate>> = match &settings.gate {
            GateChoice::Off => None,
            GateChoice::Local => Some(Arc::new(LocalGate::default())),
            GateChoice::Redis(redis) => Some(Arc::new(RedisGate::new(redis.clone()))),
        };
        tracing::info!(gate = gate.as_ref().map_or("off", |gate| gate.kind()), "inventory gate");
        let storefront_settings = StorefrontSettings {
            hold_ttl: settings.hold_ttl,
            snapshot_ttl: settings.snapshot_ttl,
            inventory: settings.inventory.clone(),
        };
        let storefront = Arc::new(Storefront::new(store, gate, &storefront_settings));
        if settings.demo {
            demo::seed_or_refresh(&storefront).await?;
        }
        let assets = Arc::new(SiteAssets::load(&settings.site_root));
        let sign_in_limiter = SignInLimiter::new(settings.admin.sign_in_burst, settings.admin.sign_in_per_hour);
        let admin = Arc::new(Admin::new(storefront.clone(), sign_in_limiter));
        let state = AppState { storefront: storefront.clone(), admin, assets };
        let router = http::router(state, settings.request_timeout, &settings.admin);
        let listener = TcpListener::bind(SocketAddr::new(settings.host, settings.port)).await?;
        let background = vec![
            reaper::spawn(storefront.clone(), settings.reaper_interval),
            inventory::spawn_keeper(storefront.inventory().clone(), GATE_KEEPER_INTERVAL),
            exports::spawn_worker(storefront.store().clone(), settings.admin.worker_interval),
            mailer::spawn(storefront.store().clone(), settings.admin.worker_interval),
        ];
        Ok(Application { listener, router, storefront, background })
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
        for task in self.background {
            task.abort();
        }
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
