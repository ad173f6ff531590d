//! What the origin tells about its requests: the request span every log line of a request sits in,
//! the latency per route, and the `/metrics` endpoint that exposes it with the rest.
//!
//! Policy: requests are named by their route's pattern (`/o/{token}`), never by their path, which
//! can carry an order's token or a hold's id; and by their method, where a method nobody
//! standardised is `other`, so invented methods cannot grow the label set (or the logs' variety)
//! without bound.
use super::operator::Operator;
use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use contract::rules::cache;
use std::time::Instant;
use tracing::Span;

/// The method as labels and logs show it: a standard method's name, or `other`.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// The span of one request: its method, its id, and its route once routing has found one
/// ([`track`] records it; requests no route matched have none).
pub fn request_span<B>(request: &axum::http::Request<B>) -> Span {
    let id = request.headers().get("x-request-id").and_then(|value| value.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", method = %method_label(request.method()), route = tracing::field::Empty, request_id = %id)
}

/// Names the route in the request's span and times the request. Runs after routing, so the
/// route's pattern is known.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().map(|path| path.as_str().to_string()).unwrap_or_else(|| "other".into());
    Span::current().record("route", tracing::field::display(&route));
    let response = next.run(request).await;
    state.metrics.observe_request(method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// The Prometheus text, for operators only.
pub async fn metrics(_: Operator, State(state): State<AppState>) -> impl IntoResponse {
    let text = state.metrics.encode(state.store.pool_state(), state.gate.as_deref());
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8"), (header::CACHE_CONTROL, cache::NO_STORE)], text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_are_other() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::DELETE), "DELETE");
        for invented in ["PROPFIND", "FOO", "get"] {
            assert_eq!(method_label(&Method::from_bytes(invented.as_bytes()).unwrap()), "other", "{invented}");
        }
    }
}
