//! The admin API under `/admin/api` (docs/api.md, "Admin API") and the admin SPA's files under
//! `/admin`. Handlers are thin: session → [`Admin`](crate::admin::Admin) → JSON.
//!
//! Policy: every state-changing request (anything but GET/HEAD) must carry a CSRF token in
//! `X-CSRF-Token`: the session's when someone is signed in, otherwise the signed token of the
//! `stampede_admin_csrf` cookie ([`csrf`]), so sign-in, sign-up and the emailed links' pages are
//! covered too (a login CSRF is still a CSRF). The cookies are HttpOnly, SameSite=Strict and
//! scoped to `/admin`, so the storefront's requests never carry them and a page on another site
//! can neither send them nor read the token.
//!
//! Every answer here is `Cache-Control: no-store` (it is one organiser's), and an address that is
//! no endpoint is a JSON 404 whatever its method, answered before any session is looked at.
pub mod csrf;
mod handlers;
pub mod session;

use super::AppState;
use crate::config::AdminSettings;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post, put};
use axum::Router;
use contract::admin::CSRF_HEADER;
use contract::rules::cache;
use csrf::SignInCsrf;
use session::{AdminSession, DatabaseSessions};
use std::sync::Arc;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub fn routes(state: &AppState, settings: &AdminSettings) -> Router<AppState> {
    let store = state.store.clone();
    let idle = time::Duration::seconds(settings.session_idle.as_secs().try_into().unwrap_or(i64::MAX));
    let sessions = SessionManagerLayer::new(DatabaseSessions::new(store))
        .with_name(session::COOKIE_NAME)
        .with_path("/admin")
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(idle));
    Router::new()
        .route("/session", get(handlers::session))
        .route("/signup", post(handlers::sign_up))
        .route("/signup/confirm", post(handlers::confirm_sign_up))
        .route("/signin", post(handlers::sign_in))
        .route("/signout", post(handlers::sign_out))
        .route("/invitations/lookup", post(handlers::invitation_details))
        .route("/invitations/accept", post(handlers::accept_invitation))
        .route("/invitations/signup", post(handlers::sign_up_invited))
        .route("/organisations/{org}/members", get(handlers::members))
        .route("/organisations/{org}/members/{user}", put(handlers::set_role).delete(handlers::remove_member))
        .route("/organisations/{org}/invitations", get(handlers::invitations).post(handlers::invite))
        .route("/organisations/{org}/invitations/{id}", delete(handlers::revoke_invitation))
        .route("/organisations/{org}/events", get(handlers::events).post(handlers::create_event))
        .route("/events/{id}", get(handlers::event).put(handlers::update_event))
        .route("/events/{id}/publish", post(handlers::publish))
        .route("/events/{id}/unpublish", post(handlers::unpublish))
        .route("/events/{id}/ticket-types", post(handlers::create_ticket_type))
        .route("/events/{id}/ticket-types/order", put(handlers::reorder_ticket_types))
        .route("/ticket-types/{id}", put(handlers::update_ticket_type))
        .route("/events/{id}/discounts", post(handlers::create_discount))
        .route("/discounts/{id}", put(handlers::update_discount).delete(handlers::delete_discount))
        .route("/events/{id}/questions", post(handlers::create_question))
        .route("/questions/{id}", put(handlers::update_question).delete(handlers::delete_question))
        .route("/events/{id}/orders", get(handlers::orders))
        .route("/orders/{id}", get(handlers::order))
        .route("/orders/{id}/cancel", post(handlers::cancel_order))
        .route("/orders/{id}/refunds", post(handlers::refund_order))
        .route(
            "/organisations/{org}/payment-account",
            get(handlers::payment_account).put(handlers::connect_payment_account).delete(handlers::disconnect_payment_account),
        )
        .route("/orders/{id}/paid", post(handlers::mark_paid))
        .route("/orders/{id}/resend", post(handlers::resend_confirmation))
        .route("/events/{id}/dashboard", get(handlers::dashboard))
        .route("/events/{id}/waiting-list", get(handlers::waiting_list))
        .route("/events/{id}/room", get(handlers::waiting_room))
        .route("/waiting-list/{id}", delete(handlers::remove_waiting_entry))
        .route("/events/{id}/exports", post(handlers::start_export))
        .route("/exports/{id}", get(handlers::export))
        .route("/exports/{id}/csv", get(handlers::export_csv))
        .route("/events/{id}/check-ins", post(handlers::check_in))
        .method_not_allowed_fallback(super::response::wrong_method)
        .layer(axum::middleware::from_fn_with_state(state.admin_csrf.clone(), csrf_guard))
        .layer(sessions)
        // After the session layers: an unknown address costs no session. Without these the
        // SPA's catch-all (`/admin/{*path}`) would answer its HTML.
        .route("/", any(unknown_route))
        .route("/{*rest}", any(unknown_route))
        .layer(axum::middleware::map_response(never_stored))
}

async fn never_stored(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache::NO_STORE));
    response
}

pub async fn unknown_route() -> ApiError {
    ApiError::NotFound("There is no such admin API endpoint. See docs/api.md for the ones there are.".into())
}

async fn csrf_guard(State(sign_in_csrf): State<Arc<SignInCsrf>>, session: AdminSession, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let sent = request.headers().get(CSRF_HEADER).and_then(|value| value.to_str().ok());
    let allowed = match session.stored_csrf_token().await {
        Ok(Some(expected)) => sent.is_some_and(|sent| session::same_token(sent, &expected)),
        Ok(None) => sign_in_csrf.allows(request.headers(), sent, crate::store::now()),
        Err(err) => return err.into_response(),
    };
    if allowed {
        next.run(request).await
    } else {
        ApiError::Forbidden("This request lacks this session's security token (X-CSRF-Token). Reload the page and try again.".into())
            .into_response()
    }
}
