//! The composition root: builds each part from the settings and hands it only what it needs.
//! Nothing else constructs a store, a cache, the inventory or a worker.
//!
//! `Application::build` binds the port (0 for tests) before serving, so callers know where it is.
use crate::admin::accounts::{self, AccountLimits, Hashing, Letters};
use crate::admin::{exports, Admin, Doors};
use crate::config::{GateChoice, Settings};
use crate::events::EventCache;
use crate::http::admin::csrf::SignInCsrf;
use crate::http::{self, AppState, SiteAssets};
use crate::inventory::gate::{Gate, LocalGate, RedisGate};
use crate::inventory::{self, reaper, Inventory};
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::payments::{reconcile, CardProvider};
use crate::storefront::{Storefront, StorefrontSettings};
use crate::{demo, store};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    header_read_timeout: std::time::Duration,
    parts: Parts,
    background: Vec<tokio::task::JoinHandle<()>>,
}

/// What the application is made of, for tests and tools that drive it from inside.
#[derive(Clone)]
pub struct Parts {
    pub store: Arc<dyn store::Store>,
    pub events: Arc<EventCache>,
    pub inventory: Arc<Inventory>,
    pub storefront: Arc<Storefront>,
    pub cards: Arc<CardProvider>,
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
        let metrics = Arc::new(Metrics::default());
        let events = Arc::new(EventCache::new(store.clone(), settings.snapshot_ttl));
        let inventory = Arc::new(Inventory::new(store.clone(), gate.clone(), &settings.inventory, metrics.clone()));
        let payments = &settings.payments;
        app::security::allow_payment_script(&payments.stripe.js_url);
        let cards = Arc::new(CardProvider::new(store.clone(), &payments.stripe, payments.secrets_key.as_deref()).await?);
        tracing::info!(api = %payments.stripe.api_base, "card payments through each organisation's Stripe account");
        let storefront = Arc::new(Storefront::new(
            store.clone(),
            events.clone(),
            inventory.clone(),
            metrics.clone(),
            cards.clone(),
            StorefrontSettings {
                hold_ttl: settings.hold_ttl,
                fair_use: settings.fair_use,
                payment_hold_extension: payments.hold_extension,
                waiting_room_key: settings.waiting_room_key.clone(),
            },
        ));
        if settings.demo {
            demo::seed_or_refresh(store.as_ref(), &storefront).await?;
            if settings.demo_cards {
                let organisation = demo::connect_test_cards(store.as_ref(), &cards).await?;
                tracing::info!(organisation, api = %payments.stripe.api_base, "demo: cards in TEST MODE through the local Stripe test server");
            }
        }
        let assets = Arc::new(SiteAssets::load(&settings.site_root));
        let account_settings = &settings.admin;
        let doors = Doors {
            limits: AccountLimits::new(
                account_settings.sign_in_per_client,
                account_settings.sign_in_failures,
                account_settings.sign_up_per_client,
            ),
            hashing: Hashing::new(account_settings.hash_concurrency, account_settings.hash_wait, metrics.clone()),
            letters: Letters::new(&account_settings.public_url),
        };
        let admin = Arc::new(
            Admin::new(store.clone(), events.clone(), inventory.clone(), doors, cards.clone())
                .with_waiting_room(settings.waiting_room_key.is_some()),
        );
        let admin_csrf = Arc::new(SignInCsrf::load(store.as_ref(), account_settings.secure_cookies).await?);
        if !settings.http.operator_token.is_set() {
            tracing::info!("OPERATOR_TOKEN is not set: /metrics and the detail of /readyz are closed");
        }
        let state = AppState {
            storefront: storefront.clone(),
            admin,
            assets,
            store: store.clone(),
            gate,
            metrics,
            edge_trust: settings.edge_trust.clone(),
            admin_csrf,
            operator_token: settings.http.operator_token.clone(),
            secure_cookies: settings.admin.secure_cookies,
            public_url: settings.admin.public_url.clone(),
        };
        let router = http::router(state, settings);
        let mailer = Arc::new(Mailer::new(store.clone(), settings.mail.clone(), &settings.admin.public_url)?);
        tracing::info!("email goes to {}", mailer.describe());
        let listener = TcpListener::bind(SocketAddr::new(settings.host, settings.port)).await?;
        let background = vec![
            reaper::spawn(inventory.clone(), settings.reaper_interval),
            inventory::unpaid::spawn(inventory.clone(), settings.reaper_interval),
            inventory::spawn_keeper(inventory.clone(), GATE_KEEPER_INTERVAL),
            exports::spawn_worker(store.clone(), settings.admin.worker_interval),
            mailer.spawn(),
            accounts::spawn_sweeper(store.clone(), settings.admin.sweep_interval),
            reconcile::spawn(storefront.clone(), payments.reconcile_interval, payments.reconcile_after),
        ];
        let parts = Parts { store, events, inventory, storefront, cards };
        Ok(Application { listener, router, header_read_timeout: settings.http.header_read_timeout, parts, background })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn parts(&self) -> Parts {
        self.parts.clone()
    }

    /// Serves until ctrl-c or SIGTERM, then finishes the requests in flight (`http::serve`).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        http::serve::serve(self.listener, self.router, self.header_read_timeout, shutdown_signal()).await;
        for task in self.background {
            task.abort();
        }
        Ok(())
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
