//! Talking to the origins. Origins are tried in order; one that fails to connect or time out is
//! skipped for `BREAKER_COOLDOWN_MS` (a small circuit breaker), and the next one is tried.
//! Requests that change something (POST, PUT, PATCH, DELETE) are retried on another origin only when
//! the first surely never received them (the connection was refused), never after a timeout, unless
//! they carry an Idempotency-Key, which makes a retry harmless.
use crate::admit::Target;
use crate::config::Config;
use crate::{body, client, respond};
use futures_util::future::{select, Either};
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;
use worker::{AbortController, Date, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response, Result};

/// A connection failure faster than this happened before the request could have been sent.
const CONNECT_FAILURE_WINDOW_MS: u64 = 250;

thread_local! {
    /// Origin base URL -> until when it is skipped (ms since the epoch).
    static SKIPPED_UNTIL: RefCell<HashMap<String, u64>> = RefCell::new(HashMap::new());
    /// Requests this isolate has sent to origins, for `/__edge/stats`.
    static ORIGIN_REQUESTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many requests this isolate has sent to origins since it started.
pub fn requests_sent() -> u64 {
    ORIGIN_REQUESTS.with(|count| count.get())
}

/// Why an origin gave no answer.
enum Failure {
    /// Refused or reset before a request was sent: safe to try elsewhere.
    NotReached(String),
    /// Timed out or broke mid-way: the origin may have acted on the request.
    MaybeReached(String),
}

/// The origins to try now: healthy ones first, skipped ones after (better a slow chance than none).
fn origins_in_order(config: &Config) -> Vec<String> {
    let now = Date::now().as_millis();
    let skipped = |origin: &String| SKIPPED_UNTIL.with(|s| s.borrow().get(origin).is_some_and(|until| *until > now));
    let (healthy, resting): (Vec<String>, Vec<String>) = config.origins.iter().cloned().partition(|o| !skipped(o));
    healthy.into_iter().chain(resting).collect()
}

fn mark_failed(origin: &str, config: &Config) {
    let until = Date::now().as_millis() + config.breaker_cooldown_ms;
    SKIPPED_UNTIL.with(|s| s.borrow_mut().insert(origin.to_string(), until));
}

fn mark_healthy(origin: &str) {
    SKIPPED_UNTIL.with(|s| s.borrow_mut().remove(origin));
}

async fn send_once(
    url: &str,
    method: Method,
    headers: &Headers,
    body: Option<&[u8]>,
    config: &Config,
) -> std::result::Result<Response, Failure> {
    let mut init = RequestInit::new();
    // An origin's redirect (a form's 303 to the next page) is the browser's to follow, at this
    // edge's address: followed here, the browser would show the next page under the form's URL.
    init.with_method(method).with_headers(headers.clone()).with_redirect(RequestRedirect::Manual);
    if let Some(body) = body {
        init.with_body(Some(worker::js_sys::Uint8Array::from(body).into()));
    }
    let request = Request::new_with_init(url, &init).map_err(|err| Failure::NotReached(err.to_string()))?;
    let started = Date::now().as_millis();
    ORIGIN_REQUESTS.with(|count| count.set(count.get() + 1));
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let sending = fetch.send_with_signal(&signal);
    let timeout = Delay::from(Duration::from_millis(config.origin_timeout_ms));
    futures_util::pin_mut!(sending);
    match select(sending, timeout).await {
        Either::Left((Ok(response), _)) => Ok(response),
        Either::Left((Err(err), _)) => {
            let message = err.to_string();
            // workerd says "Network connection lost" both for a refused connection and for one that
            // broke later; a refusal comes back at once, so only a fast failure counts as not reached.
            let fast = Date::now().as_millis().saturating_sub(started) < CONNECT_FAILURE_WINDOW_MS;
            let connection = ["refused", "connect", "Network connection lost"].iter().any(|m| message.contains(m));
            Err(if fast && connection { Failure::NotReached(message) } else { Failure::MaybeReached(message) })
        }
        Either::Right(_) => {
            controller.abort();
            Err(Failure::MaybeReached(format!("no answer within {} ms", config.origin_timeout_ms)))
        }
    }
}

/// Sends a request to the first origin that answers. A 5xx from an origin counts as an answer for
/// writes (it may have acted) but sends reads on to the next origin.
pub async fn send(
    path_and_query: &str,
    method: Method,
    headers: &Headers,
    body: Option<&[u8]>,
    config: &Config,
) -> std::result::Result<(Response, u64), String> {
    // Orders carry an Idempotency-Key: the origins agree on one order per key, so a retry is safe.
    let idempotent =
        matches!(method, Method::Get | Method::Head | Method::Options) || headers.get("idempotency-key").ok().flatten().is_some();
    client::sign(headers, config).map_err(|err| err.to_string())?;
    let mut last_error = "no origins are configured (ORIGINS)".to_string();
    for origin in origins_in_order(config) {
        let started = Date::now().as_millis();
        match send_once(&format!("{origin}{path_and_query}"), method.clone(), headers, body, config).await {
            Ok(response) if idempotent && response.status_code() >= 500 => {
                mark_failed(&origin, config);
                last_error = format!("{origin} answered {}", response.status_code());
            }
            Ok(response) => {
                mark_healthy(&origin);
                return Ok((response, Date::now().as_millis() - started));
            }
            Err(Failure::NotReached(message)) => {
                mark_failed(&origin, config);
                last_error = format!("{origin}: {message}");
            }
            Err(Failure::MaybeReached(message)) => {
                mark_failed(&origin, config);
                last_error = format!("{origin}: {message}");
                if !idempotent {
                    break;
                }
            }
        }
    }
    Err(last_error)
}

/// Forwards the browser's request to the URL the edge decided on (`target`), with its body read
/// in full first, and the origin's answer as it is.
pub async fn forward(mut request: Request, target: &Target, config: &Config) -> Result<Response> {
    let body = if target.is_read() {
        None
    } else {
        match body::read(&mut request, config).await {
            Ok(body) => Some(body),
            Err(refusal) => return refusal,
        }
    };
    let headers = client::forwarded_headers(request.headers(), config)?;
    match send(&target.path_and_query(), target.method.clone(), &headers, body.as_deref(), config).await {
        Ok((response, origin_ms)) => Ok(respond::with_origin_timing(response, origin_ms)),
        Err(reason) => Ok(respond::unavailable(&reason)),
    }
}
