//! The origin's HTTP surface: the JSON API under /api, the server-rendered pages and the plain
//! forms they post before their script runs (`forms`), static assets and health checks. Handlers are thin: they parse, call the [`Storefront`], and shape the answer.
//!
//! Every request passes, outermost first: its id, its span (`observe`), compression, the security
//! headers (`security`), the body read whole within its bound (`body`: 408, 413, 400), the
//! whole-request timeout (503), routing, then per route the route's name and latency (`observe`).
pub mod admin;
mod api;
mod assets;
mod body;
pub mod client;
mod documents;
mod extract;
mod forms;
mod health;
mod observe;
pub mod operator;
mod pages;
mod payments;
mod response;
mod security;
pub mod serve;

pub use assets::SiteAssets;
pub use client::{ClientAddress, EdgeTrust};
pub use operator::OperatorToken;

use crate::admin::Admin;
use crate::config::Settings;
use crate::inventory::gate::Gate;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::storefront::Storefront;
use axum::http::{HeaderName, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What the handlers use: the storefront's and the back office's rules, the built site, and for
/// health and metrics the database, the gate, the counters and who may read them.
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
    pub operator_token: OperatorToken,
    /// Mark the storefront's browser-token cookie Secure (as the admin's: `secure_by_default`).
    pub secure_cookies: bool,
    /// Where people reach the storefront (`PUBLIC_URL`), for links in downloads.
    pub public_url: String,
}

impl axum::extract::FromRef<AppState> for EdgeTrust {
    fn from_ref(state: &AppState) -> EdgeTrust {
        state.edge_trust.clone()
    }
}

pub fn router(state: AppState, settings: &Settings) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .route("/", get(pages::home))
        .route("/e/{slug}", get(pages::event))
        .route("/e/{slug}/choice", post(forms::choose))
        .route("/e/{slug}/holds", post(forms::reserve))
        .route("/e/{slug}/waiting-list", post(forms::join_waiting_list))
        .route("/checkout/{hold_id}", get(pages::checkout).post(forms::place_order))
        .route("/checkout/{hold_id}/discount", post(forms::apply_discount))
        .route("/checkout/{hold_id}/cancel", post(forms::cancel))
        .route("/o/{token}", get(pages::order))
        .route("/o/{token}/tickets.pdf", get(documents::tickets_pdf))
        .route("/o/{token}/event.ics", get(documents::event_calendar))
        .nest("/api", api::routes())
        .nest("/admin/api", admin::routes(&state, &settings.admin))
        // A nested "/" is `/admin/api` only: the trailing slash would reach the SPA's catch-all.
        .route("/admin/api/", axum::routing::any(admin::unknown_route))
        .route("/admin", get(assets::admin_app))
        .route("/admin/", get(assets::admin_app))
        .route("/admin/{*path}", get(assets::admin_app))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(observe::metrics))
        .method_not_allowed_fallback(response::wrong_method)
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), observe::track))
        .fallback(assets::static_file)
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, settings.request_timeout))
        .layer(axum::middleware::from_fn_with_state(settings.http.body_timeout, body::read_whole))
        .layer(axum::middleware::from_fn_with_state(settings.http.public_https(), security::add_headers))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(observe::request_span))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}
