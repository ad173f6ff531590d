//! Response shapes the edge sends: cached bodies with `x-cache`, timings, and the 503 that tells a
//! person to wait a moment rather than that something broke. Each carries the security headers
//! the origin sends for the same path (`app::security`); HSTS when the request came over https.
use crate::memory::Entry;
use app::security::SecurityHeaders;
use contract::model::ApiErrorBody;
use contract::rules::{cache, ErrorCode};
use worker::{Date, Headers, Request, Response, Result};

/// `x-cache`: hit (fresh from cache), stale (served from cache while refreshing, or while the
/// origin is away), revalidated (the origin confirmed the cached copy for this request), miss
/// (fetched or rendered for this request).
pub fn cached(entry: &Entry, state: &str, request: &Request) -> Result<Response> {
    let gzip = entry.js_body_gzip.as_ref().filter(|_| accepts_gzip(request));
    let (body, base_headers) = match gzip {
        Some(gzipped) => (gzipped, &entry.js_headers_gzip),
        None => (&entry.js_body, &entry.js_headers),
    };
    let headers = Headers(worker::web_sys::Headers::new_with_headers(base_headers)?);
    headers.set("x-cache", state)?;
    set_security_headers(&headers, request)?;
    let init = worker::web_sys::ResponseInit::new();
    init.set_headers(&headers.0);
    // The runtime copies the bytes out of the buffer, so one cached array serves every response.
    let response = Response::from(worker::web_sys::Response::new_with_opt_buffer_source_and_init(Some(body), &init)?);
    // A gzipped body is sent as it is; the runtime must not compress it again.
    Ok(if gzip.is_some() { response.with_encode_body(worker::EncodeBody::Manual) } else { response })
}

/// The content type of every page the edge serves.
pub const HTML: &str = "text/html; charset=utf-8";

/// A page made for this request alone (never cached here), with the security headers of its path.
pub fn page(html: String, cache_control: &str, request: &Request) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", HTML)?;
    headers.set("cache-control", cache_control)?;
    set_security_headers(&headers, request)?;
    Ok(Response::from_html(html)?.with_headers(headers))
}

/// The security headers the origin sends for the request's path; HSTS when it came over https.
fn set_security_headers(headers: &Headers, request: &Request) -> Result<()> {
    let url = request.url()?;
    for (name, value) in SecurityHeaders::for_path(url.path(), url.scheme() == "https").pairs() {
        headers.set(name, value)?;
    }
    Ok(())
}

fn accepts_gzip(request: &Request) -> bool {
    request.headers().get("accept-encoding").ok().flatten().is_some_and(|value| value.contains("gzip"))
}

/// Adds `Server-Timing: edge;dur=...` (the edge's whole time) to any response.
pub fn with_server_timing(mut response: Response, started_ms: u64) -> Result<Response> {
    let elapsed = Date::now().as_millis().saturating_sub(started_ms);
    let headers = response.headers_mut();
    let previous = headers.get("server-timing").ok().flatten();
    let entry = format!("edge;dur={elapsed}");
    let value = match previous {
        Some(previous) => format!("{previous}, {entry}"),
        None => entry,
    };
    // Headers of a response fetched from an origin are immutable: then copy them first.
    if headers.set("server-timing", &value).is_err() {
        let copy = mutable_copy(response.headers());
        copy.set("server-timing", &value)?;
        return Ok(response.with_headers(copy));
    }
    Ok(response)
}

pub fn with_origin_timing(response: Response, origin_ms: u64) -> Response {
    let headers = mutable_copy(response.headers());
    let _ = headers.set("server-timing", &format!("origin;dur={origin_ms}"));
    response.with_headers(headers)
}

fn mutable_copy(headers: &Headers) -> Headers {
    Headers(worker::web_sys::Headers::new_with_headers(&headers.0).unwrap_or_else(|_| Headers::new().0))
}

/// A 4xx the edge decides itself, in the API's error shape.
pub fn client_error(status: u16, code: ErrorCode, message: &str) -> Result<Response> {
    let headers = error_headers();
    Ok(Response::from_bytes(error_body(code, message))?.with_status(status).with_headers(headers))
}

/// An error body's headers: JSON, never stored, and the security headers of any answer outside
/// `/admin` (the error knows no request, so no HSTS: the answers around it carry that).
fn error_headers() -> Headers {
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/json");
    let _ = headers.set("cache-control", cache::NO_STORE);
    for (name, value) in SecurityHeaders::for_path("/", false).pairs() {
        let _ = headers.set(name, value);
    }
    headers
}

/// `{"error": code, "message": message}`: the origin's error shape, the same bytes.
fn error_body(code: ErrorCode, message: &str) -> Vec<u8> {
    serde_json::to_vec(&ApiErrorBody::new(code, message)).unwrap_or_default()
}

/// No origin answered: a JSON 503 with Retry-After that the storefront's pages turn into
/// "tickets are selling fast, trying again".
pub fn unavailable(reason: &str) -> Response {
    worker::console_warn!("no origin answered: {reason}");
    let body = error_body(
        ErrorCode::Busy,
        "Tickets are selling fast and we could not reach the box office just now. Trying again in a few seconds.",
    );
    let headers = error_headers();
    let _ = headers.set("retry-after", "2");
    Response::builder().with_status(503).with_headers(headers).fixed(body)
}

/// "1 second", "10 seconds": for messages that say how long.
pub fn seconds(count: u64) -> String {
    if count == 1 {
        "1 second".to_string()
    } else {
        format!("{count} seconds")
    }
}
