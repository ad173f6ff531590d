//! The one door to the origin's admin API (`/admin/api`, same origin, so the HttpOnly session cookie
//! travels by itself).
//!
//! Policy: every request goes through [`request`]. A state-changing request always carries the CSRF
//! token of the latest `SessionInfo` and a JSON content type; an answer is either the value or a
//! [`Failure`] holding a sentence a person can act on; and a 401 from anywhere but the sign-in form
//! tells the session (through the hook set by `session.rs`) that the sign-in is gone, so the screen
//! asks for it again instead of showing errors.
use app::admin::CSRF_HEADER;
use app::model::ApiErrorBody;
use gloo_net::http::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::RefCell;

pub const BASE: &str = "/admin/api";

thread_local! {
    // The browser runs this app on one thread; the token changes on every sign-in and sign-out.
    static CSRF_TOKEN: RefCell<String> = const { RefCell::new(String::new()) };
    static ON_UNAUTHORIZED: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

pub fn set_csrf_token(token: &str) {
    CSRF_TOKEN.with(|t| *t.borrow_mut() = token.to_string());
}

/// Called on every 401 outside the sign-in form.
pub fn on_unauthorized(hook: impl Fn() + 'static) {
    ON_UNAUTHORIZED.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
}

#[derive(Clone, Debug)]
pub enum Failure {
    /// The API answered with its error body (`{error, message, field?}`).
    Api { status: u16, body: ApiErrorBody },
    /// An answer that is not ours: a proxy's error page, a body that does not parse.
    Http { status: u16 },
    /// No answer at all: offline, or the origin is down.
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

    /// The input a validation error names, reduced to the form's input name ("options[2]" -> "options").
    pub fn field(&self) -> Option<&str> {
        match self {
            Failure::Api { body, .. } => body.field.as_deref().map(|f| f.split(['[', '.']).next().unwrap_or(f)),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Api { status, .. } | Failure::Http { status } => Some(*status),
            Failure::Network => None,
        }
    }
}

pub fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    request(Method::GET, path, None).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, Failure> {
    request(Method::POST, path, Some(to_json(body)?)).await
}

/// A POST that carries no input (publish, cancel, resend, start an export). An empty object rather
/// than no body, so it parses whether or not the handler reads one.
pub async fn post_empty<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    request(Method::POST, path, Some("{}".to_string())).await
}

pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, Failure> {
    request(Method::PUT, path, Some(to_json(body)?)).await
}

pub async fn delete(path: &str) -> Result<(), Failure> {
    request(Method::DELETE, path, None).await
}

fn to_json<B: Serialize>(body: &B) -> Result<String, Failure> {
    serde_json::to_string(body).map_err(|err| network(format!("could not encode the request: {err}")))
}

// Generic only in the parse: the fetch itself is compiled once, not once per answer type.
async fn request<T: DeserializeOwned>(method: Method, path: &str, body: Option<String>) -> Result<T, Failure> {
    let (status, text) = fetch(method, path, body).await?;
    // 204 (sign-out, deletes) has no body; `()` reads "null".
    let text = if text.trim().is_empty() { "null" } else { text.as_str() };
    serde_json::from_str(text).map_err(|err| {
        leptos::logging::warn!("{path}: unexpected answer: {err}");
        Failure::Http { status }
    })
}

/// Sends one request; a success is its status and body text, anything else a [`Failure`].
async fn fetch(method: Method, path: &str, body: Option<String>) -> Result<(u16, String), Failure> {
    let changes_state = method != Method::GET;
    let mut builder = RequestBuilder::new(&url(path)).method(method).header("accept", "application/json");
    if changes_state {
        let token = CSRF_TOKEN.with(|t| t.borrow().clone());
        builder = builder.header(CSRF_HEADER, &token).header("content-type", "application/json");
    }
    let request = match body {
        Some(body) => builder.body(body),
        None => builder.build(),
    }
    .map_err(network)?;
    let response = request.send().await.map_err(network)?;
    let status = response.status();
    if response.ok() {
        return Ok((status, response.text().await.map_err(network)?));
    }
    if status == 401 && path != "/signin" {
        ON_UNAUTHORIZED.with(|hook| {
            if let Some(hook) = hook.borrow().as_ref() {
                hook()
            }
        });
    }
    match response.json::<ApiErrorBody>().await {
        Ok(body) => Err(Failure::Api { status, body }),
        Err(err) => {
            leptos::logging::warn!("{path}: HTTP {status} without an error body: {err}");
            Err(Failure::Http { status })
        }
    }
}

fn network(detail: impl std::fmt::Display) -> Failure {
    leptos::logging::warn!("admin API call failed: {detail}");
    Failure::Network
}

/// `encodeURIComponent`, for query strings built from what a person typed.
pub fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}

/// Waits without blocking the page (polling).
pub async fn pause(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}
