//! Request bodies are read whole before the handler runs, under bounds of their own.
//!
//! Policy: a body must arrive within `REQUEST_BODY_TIMEOUT_MS` and be at most [`MAX_BODY_BYTES`].
//! One that does not arrive in time is a 408 (the client's connection, not our load: retrying
//! later is no cure), one too large a 413, one that cannot be read (a broken chunked encoding) a
//! 400. The whole-request timeout (`REQUEST_TIMEOUT_MS`, a 503 "busy") starts after the body is
//! in, so it measures the origin's own work alone. This is the one place bodies are limited.
use crate::error::ApiError;
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::time::Duration;

/// Largest request body accepted anywhere.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Reads the body of `request` (when it has one) within `timeout`, then runs the rest.
pub async fn read_whole(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(timeout, Limited::new(body, MAX_BODY_BYTES).collect()).await {
        Ok(Ok(collected)) => next.run(Request::from_parts(parts, Body::from(collected.to_bytes()))).await,
        Ok(Err(err)) if err.is::<LengthLimitError>() => too_large().into_response(),
        Ok(Err(_)) => ApiError::BadRequest("The request body could not be read: its encoding is broken. Send the request again.".into())
            .into_response(),
        Err(_) => ApiError::RequestTimeout(format!(
            "The request body did not arrive within {} seconds. Check the connection and send the request again.",
            timeout.as_secs_f64()
        ))
        .into_response(),
    }
}

/// The refusal of a body over [`MAX_BODY_BYTES`].
fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!("The request body is larger than {} KiB. Send less.", MAX_BODY_BYTES / 1024))
}
