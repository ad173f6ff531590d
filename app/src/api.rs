//! The browser's calls to the origin's JSON API. Every failure becomes a sentence for the person at
//! the screen; the status and error code stay available for the pages that react to them.
use crate::format::query_value;
use crate::model::{ApiErrorBody, Availability, DiscountPreview, Hold, HoldRequest, Order, OrderRequest, Unlocked};
use serde::de::DeserializeOwned;

// A host compiles the handlers that build `Api` but never runs them.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Debug)]
pub enum ApiFailure {
    /// The API answered with an error body.
    Api { body: ApiErrorBody },
    /// No usable answer: offline, timed out, or a body that is not ours (logged to the console).
    Network,
}

impl ApiFailure {
    pub fn message(&self) -> String {
        match self {
            ApiFailure::Api { body, .. } => body.message.clone(),
            ApiFailure::Network => {
                "We could not reach Stampede. Check your connection and try again.".to_string()
            }
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            ApiFailure::Api { body, .. } => Some(&body.error),
            ApiFailure::Network => None,
        }
    }
}

pub async fn availability(slug: &str) -> Result<Availability, ApiFailure> {
    send::<Availability>("GET", &format!("/api/events/{slug}/availability"), None, None).await
}

/// The secret ticket types an access code opens.
pub async fn unlock(slug: &str, code: &str) -> Result<Unlocked, ApiFailure> {
    send("GET", &format!("/api/events/{slug}/unlock?code={}", query_value(code)), None, None).await
}

/// What a discount code would take off the hold.
pub async fn preview_discount(hold_id: &str, code: &str) -> Result<DiscountPreview, ApiFailure> {
    send("GET", &format!("/api/holds/{hold_id}/discount?code={}", query_value(code)), None, None).await
}

pub async fn create_hold(slug: &str, request: &HoldRequest) -> Result<Hold, ApiFailure> {
    let body = serde_json::to_string(request).map_err(network)?;
    send("POST", &format!("/api/events/{slug}/holds"), Some(body), None).await
}

pub async fn release_hold(hold_id: &str) -> Result<(), ApiFailure> {
    send::<serde_json::Value>("DELETE", &format!("/api/holds/{hold_id}"), None, None).await.map(|_| ())
}

pub async fn place_order(hold_id: &str, idempotency_key: &str, request: &OrderRequest) -> Result<Order, ApiFailure> {
    let body = serde_json::to_string(request).map_err(network)?;
    send("POST", &format!("/api/holds/{hold_id}/order"), Some(body), Some(idempotency_key)).await
}

#[cfg(feature = "hydrate")]
async fn send<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<String>,
    idempotency_key: Option<&str>,
) -> Result<T, ApiFailure> {
    use gloo_net::http::{Method, RequestBuilder};

    let method = match method {
        "POST" => Method::POST,
        "DELETE" => Method::DELETE,
        _ => Method::GET,
    };
    let mut builder = RequestBuilder::new(path).method(method).header("accept", "application/json");
    if let Some(key) = idempotency_key {
        builder = builder.header("idempotency-key", key);
    }
    let request = match body {
        Some(body) => builder.header("content-type", "application/json").body(body),
        None => builder.build(),
    }
    .map_err(network)?;
    let response = request.send().await.map_err(network)?;
    let status = response.status();
    if response.ok() {
        if status == 204 {
            return serde_json::from_str("null").map_err(network);
        }
        return response.json::<T>().await.map_err(network);
    }
    match response.json::<ApiErrorBody>().await {
        Ok(body) => Err(ApiFailure::Api { body }),
        Err(err) => Err(network(format!("HTTP {status}: {err}"))),
    }
}

fn network(detail: impl std::fmt::Display) -> ApiFailure {
    leptos::logging::warn!("API call failed: {detail}");
    ApiFailure::Network
}

/// Hosts render pages but never run their event handlers; the handlers still have to compile there.
#[cfg(not(feature = "hydrate"))]
async fn send<T: DeserializeOwned>(
    _method: &str,
    path: &str,
    _body: Option<String>,
    _idempotency_key: Option<&str>,
) -> Result<T, ApiFailure> {
    let _ = path;
    Err(ApiFailure::Network)
}

/// Waits in the browser without blocking it (a no-op on a host, where handlers never run).
pub async fn pause(ms: u32) {
    #[cfg(feature = "hydrate")]
    gloo_timers::future::TimeoutFuture::new(ms).await;
    #[cfg(not(feature = "hydrate"))]
    let _ = ms;
}

impl ApiFailure {
    /// Worth trying again shortly: the box office is busy or out of reach, nothing was decided.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiFailure::Api { body } => body.error == "busy",
            ApiFailure::Network => true,
        }
    }
}

/// Sends the browser to another page (a full load: every page is rendered by the host).
pub fn go_to(url: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = leptos::prelude::window().location().set_href(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}
