//! The security headers on every answer of the origin, the values the edge sends too
//! (`app::security`: chosen by path, the same on both hosts). HSTS goes out when the origin's
//! `PUBLIC_URL` is https: behind a TLS-terminating proxy or the edge, the origin's own connection
//! says nothing about what the browser used.
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// `https`: whether the public URL is https.
pub async fn add_headers(State(https): State<bool>, request: Request, next: Next) -> Response {
    let security = app::security::SecurityHeaders::for_path(request.uri().path(), https);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in security.pairs() {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    response
}
