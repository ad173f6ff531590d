//! Reading a request's body before it is forwarded.
//!
//! Policy: the edge carries a body to an origin only once it has all of it, within bounds: at most
//! [`MAX_BODY_BYTES`] (413; the origin refuses larger bodies anyway), arriving within
//! `BODY_TIMEOUT_MS` (408: a body that stalls must not hold the request open for ever), and
//! readable (400: a broken chunked encoding or a connection dropped mid-body is the sender's
//! problem, not a sign that the origins are busy).
use crate::config::Config;
use crate::respond;
use contract::rules::ErrorCode;
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use std::time::Duration;
use worker::{Delay, Request, Response, Result};

/// The largest body the edge carries.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

enum Failure {
    TooLarge,
    Unreadable(String),
}

/// The whole body, or the answer that refuses the request.
pub async fn read(request: &mut Request, config: &Config) -> std::result::Result<Vec<u8>, Result<Response>> {
    let declared = request.headers().get("content-length").ok().flatten().and_then(|length| length.trim().parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    if request.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = request.stream().map_err(|err| unreadable(&err.to_string()))?;
    let reading = async move {
        let mut body = Vec::with_capacity(declared.unwrap_or(0));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|err| Failure::Unreadable(err.to_string()))?;
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(Failure::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    let deadline = Delay::from(Duration::from_millis(config.body_timeout_ms));
    futures_util::pin_mut!(reading);
    match select(reading, deadline).await {
        Either::Left((Ok(body), _)) => Ok(body),
        Either::Left((Err(Failure::TooLarge), _)) => Err(too_large()),
        Either::Left((Err(Failure::Unreadable(reason)), _)) => Err(unreadable(&reason)),
        Either::Right(_) => Err(respond::client_error(
            408,
            ErrorCode::RequestTimeout,
            &format!(
                "The request body did not arrive within {}. Check the connection and send it again.",
                respond::seconds(config.body_timeout_ms.div_ceil(1_000))
            ),
        )),
    }
}

fn too_large() -> Result<Response> {
    respond::client_error(
        413,
        ErrorCode::PayloadTooLarge,
        &format!("The request body is larger than {} KiB. Send less.", MAX_BODY_BYTES / 1024),
    )
}

fn unreadable(reason: &str) -> Result<Response> {
    worker::console_warn!("unreadable request body: {reason}");
    respond::client_error(
        400,
        ErrorCode::BadRequest,
        "The request body could not be read: it was cut off or its encoding is broken. Send it again.",
    )
}
