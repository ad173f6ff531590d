//! The order page's downloads: the tickets as a PDF, the event for a calendar. Links people
//! click, so a bad one is answered with the storefront's error page, like the order page.
use super::pages::{problem, PagePath};
use super::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use contract::rules::cache;

/// The token is the key to the order: the span does not record it.
#[tracing::instrument(skip_all)]
pub async fn tickets_pdf(State(state): State<AppState>, PagePath(token): PagePath) -> Response {
    match state.storefront.tickets_pdf(&token).await {
        Ok((name, pdf)) => download(&name, "application/pdf", pdf),
        Err(err) => problem(&state, err),
    }
}

#[tracing::instrument(skip_all)]
pub async fn event_calendar(State(state): State<AppState>, PagePath(token): PagePath) -> Response {
    match state.storefront.event_calendar(&token, &state.public_url).await {
        Ok((name, ics)) => download(&name, "text/calendar; charset=utf-8", ics.into_bytes()),
        Err(err) => problem(&state, err),
    }
}

/// A file to save, kept private (it is the order's), named as the email's attachment.
fn download(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    // The name is the event's slug and the order's reference: [a-z0-9-.] only, no quoting needed.
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CACHE_CONTROL, cache::PRIVATE_PAGE.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
