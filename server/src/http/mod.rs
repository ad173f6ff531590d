//! The origin's HTTP surface: the JSON API under /api, the server-rendered pages, static assets
//! and health checks. Handlers are thin: they parse, call the [`Storefront`], and shape the answer.
pub mod admin;
mod api;
mod assets;
pub mod client;
mod extract;
mod health;
mod observe;
mod pages;
mod response;

pub use assets::SiteAssets;
pub use client::{ClientAddress, EdgeTrust};

use crate::admin::Admin;
use crate::config::AdminSettings;
use crate::inventory::gate::Gate;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::storefront::Storefront;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted anywhere.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the handlers use: the storefront's and the back office's rules, the built site, and for
/// health and metrics the database, the gate and the counters.
#[derive(Clone)]
pub struct AppState {
    pub storefront: Arc<Storefront>,
    pub admin: Arc<Admin>,
    pub assets: Arc<SiteAssets>,
    pub store: Arc<dyn Store>,
    pub gate: Option<Arc<dyn Gate>>,
    pub metrics: Arc<Metrics>,
    /// Whether a request may name its client ([`ClientAddress`]).
    pub edge_trust: EdgeTrust,
    /// Signs the admin's CSRF cookie before sign-in.
    pub admin_csrf: Arc<admin::csrf::SignInCsrf>,
}

impl axum::extract::FromRef<AppState> for EdgeTrust {
    fn from_ref(state: &AppState) -> EdgeTrust {
        state.edge_trust.clone()
    }
}

pub fn router(state: AppState, request_timeout: Duration, admin_settings: &AdminSettings) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .route("/", get(pages::home))
        .route("/e/{slug}", get(pages::event))
        .route("/checkout/{hold_id}", get(pages::checkout))
        .route("/o/{token}", get(pages::order))
        .nest("/api", api::routes())
        .nest("/admin/api", admin::routes(&state, admin_settings))
        .route("/admin", get(assets::admin_app))
        .route("/admin/", get(assets::admin_app))
        .route("/admin/{*path}", get(assets::admin_app))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(observe::metrics))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), observe::track_latency))
        .fallback(assets::static_file)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, request_timeout))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}
