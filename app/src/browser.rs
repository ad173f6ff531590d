//! The browser's one door to the origin's JSON APIs, used by the storefront's pages (`api`) and by
//! the admin app (`admin::api`): the fetch, the JSON either way, and the error body.
//!
//! Policy: an answer is either the value or a [`Failure`]. A 4xx or 5xx with the API's error body
//! is [`Failure::Api`], carrying its [`ErrorCode`] and a sentence a person can act on; an answer
//! that is not ours (a proxy's error page, a body that does not parse) is [`Failure::Http`]; no
//! answer at all is [`Failure::Network`]. Every failure that is not the API's own is logged to the
//! console with its detail, and told to the person in one plain sentence. Callers add their own
//! headers (the admin's CSRF token, the storefront's idempotency key); the JSON content type goes
//! with every body.
//!
//! The types are compiled everywhere (pages are rendered on hosts too); the fetch itself needs the
//! `browser` feature, and without it every call fails as `Network` (a host never runs handlers).
use crate::model::ApiErrorBody;
use crate::rules::ErrorCode;
use serde::de::DeserializeOwned;

#[derive(Clone, Debug)]
pub enum Failure {
    /// The API answered with its error body (`{error, message, field?}`).
    Api { status: u16, body: ApiErrorBody },
    /// An answer that is not ours: a proxy's error page, a body that does not parse.
    Http { status: u16 },
    /// No answer at all: offline, timed out, or the origin is down.
    Network,
}

impl Failure {
    pub fn message(&self) -> String {
        match self {
            Failure::Api { body, .. } => body.message.clone(),
            Failure::Http { status } => {
                format!("The server answered with an unexpected error (HTTP {status}). Please try again.")
            }
            Failure::Network => "We could not reach Stampede. Check your connection and try again.".to_string(),
        }
    }

    pub fn body(&self) -> Option<&ApiErrorBody> {
        match self {
            Failure::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The error code of the API's answer; None when the API did not answer.
    pub fn code(&self) -> Option<ErrorCode> {
        self.body().and_then(ApiErrorBody::code)
    }

    /// The input a validation error names, reduced to the form's input name ("options[2]" -> "options").
    pub fn field(&self) -> Option<&str> {
        self.body()?.field.as_deref().map(|f| f.split(['[', '.']).next().unwrap_or(f))
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Api { status, .. } | Failure::Http { status } => Some(*status),
            Failure::Network => None,
        }
    }

    /// Worth trying again shortly: the origin is busy or out of reach, nothing was decided.
    pub fn is_transient(&self) -> bool {
        match self {
            Failure::Api { body, .. } => body.code().is_some_and(ErrorCode::is_transient),
            Failure::Http { .. } | Failure::Network => true,
        }
    }

    /// For callers to whom an answer that is not ours is as good as none (the storefront: the
    /// buyer is told to check the connection, and a reservation is retried).
    pub fn unreadable_as_network(self) -> Failure {
        match self {
            Failure::Http { .. } => Failure::Network,
            other => other,
        }
    }
}

/// Sends one request and reads a JSON answer (an empty body, as of a 204, reads as `null`).
/// `method` is "GET", "POST", "PUT" or "DELETE".
pub async fn fetch_json<T: DeserializeOwned>(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Result<T, Failure> {
    let (status, text) = fetch_text(method, url, headers, body).await?;
    let text = if text.trim().is_empty() { "null" } else { text.as_str() };
    serde_json::from_str(text).map_err(|err| {
        leptos::logging::warn!("{url}: unexpected answer: {err}");
        Failure::Http { status }
    })
}

/// Sends one request; a success is its status and body text, anything else a [`Failure`].
/// Not generic, so the fetch is compiled once, not once per answer type.
#[cfg(feature = "browser")]
async fn fetch_text(method: &str, url: &str, headers: &[(&str, &str)], body: Option<String>) -> Result<(u16, String), Failure> {
    use gloo_net::http::{Method, RequestBuilder};

    let method = match method {
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "DELETE" => Method::DELETE,
        _ => Method::GET,
    };
    let mut builder = RequestBuilder::new(url).method(method).header("accept", "application/json");
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let request = match body {
        Some(body) => builder.header("content-type", "application/json").body(body),
        None => builder.build(),
    }
    .map_err(network)?;
    let response = request.send().await.map_err(network)?;
    let status = response.status();
    if response.ok() {
        return Ok((status, response.text().await.map_err(network)?));
    }
    match response.json::<ApiErrorBody>().await {
        Ok(body) => Err(Failure::Api { status, body }),
        Err(err) => {
            leptos::logging::warn!("{url}: HTTP {status} without an error body: {err}");
            Err(Failure::Http { status })
        }
    }
}

#[cfg(feature = "browser")]
fn network(detail: impl std::fmt::Display) -> Failure {
    leptos::logging::warn!("API call failed: {detail}");
    Failure::Network
}

/// Hosts render pages but never run their event handlers; the handlers still have to compile there.
#[cfg(not(feature = "browser"))]
async fn fetch_text(_method: &str, _url: &str, _headers: &[(&str, &str)], _body: Option<String>) -> Result<(u16, String), Failure> {
    Err(Failure::Network)
}

/// Encodes a request body; a value that cannot be encoded is a failure like any other.
pub fn to_json<B: serde::Serialize>(body: &B) -> Result<String, Failure> {
    serde_json::to_string(body).map_err(|err| {
        leptos::logging::warn!("could not encode the request: {err}");
        Failure::Network
    })
}

/// Waits in the browser without blocking it (polling, retries); a no-op on a host.
pub async fn pause(ms: u32) {
    #[cfg(feature = "browser")]
    gloo_timers::future::TimeoutFuture::new(ms).await;
    #[cfg(not(feature = "browser"))]
    let _ = ms;
}

#[cfg(test)]
mod tests {
    use super::Failure;
    use crate::model::ApiErrorBody;
    use crate::rules::ErrorCode;

    fn api(code: ErrorCode, field: Option<&str>) -> Failure {
        let mut body = ApiErrorBody::new(code, "Nope.");
        body.field = field.map(str::to_string);
        Failure::Api { status: 422, body }
    }

    #[test]
    fn only_undecided_failures_are_transient() {
        assert!(api(ErrorCode::Busy, None).is_transient());
        assert!(Failure::Network.is_transient());
        assert!(Failure::Http { status: 502 }.is_transient());
        assert!(!api(ErrorCode::SoldOut, None).is_transient());
    }

    #[test]
    fn fields_name_the_input() {
        assert_eq!(api(ErrorCode::Validation, Some("options[2]")).field(), Some("options"));
        assert_eq!(api(ErrorCode::Validation, Some("attendees[1].email")).field(), Some("attendees"));
        assert_eq!(api(ErrorCode::Validation, None).field(), None);
        assert_eq!(api(ErrorCode::HoldExpired, None).code(), Some(ErrorCode::HoldExpired));
        assert!(matches!(Failure::Http { status: 502 }.unreadable_as_network(), Failure::Network));
    }
}
