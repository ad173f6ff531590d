//! The one door to the origin's admin API (`/admin/api`, same origin, so the HttpOnly session cookie
//! travels by itself), over the browser client the storefront uses too (`app::browser`).
//!
//! Policy: every request goes through [`request`]. A state-changing request always carries the CSRF
//! token of the latest `SessionInfo` and a JSON content type; an answer is either the value or a
//! [`Failure`] holding a sentence a person can act on; and a 401 from anywhere but the sign-in form
//! tells the session (through the hook set by `session.rs`) that the sign-in is gone, so the screen
//! asks for it again instead of showing errors.
use app::admin::CSRF_HEADER;
use app::browser::{self, to_json};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::RefCell;

pub use app::browser::{pause, Failure};
/// For query strings built from what a person typed.
pub use app::format::query_value as encode;

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

pub fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    request("GET", path, None).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, Failure> {
    request("POST", path, Some(to_json(body)?)).await
}

/// A POST that carries no input (publish, cancel, resend, start an export). An empty object rather
/// than no body, so it parses whether or not the handler reads one.
pub async fn post_empty<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    request("POST", path, Some("{}".to_string())).await
}

pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, Failure> {
    request("PUT", path, Some(to_json(body)?)).await
}

pub async fn delete(path: &str) -> Result<(), Failure> {
    request("DELETE", path, None).await
}

/// A DELETE whose answer is the thing as it now is (disconnecting the payment account).
pub async fn delete_answer<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    request("DELETE", path, None).await
}

async fn request<T: DeserializeOwned>(method: &str, path: &str, body: Option<String>) -> Result<T, Failure> {
    let token = CSRF_TOKEN.with(|t| t.borrow().clone());
    let state_headers = [(CSRF_HEADER, token.as_str()), ("content-type", "application/json")];
    let headers: &[(&str, &str)] = if method == "GET" { &[] } else { &state_headers };
    let result = browser::fetch_json(method, &url(path), headers, body).await;
    if result.as_ref().err().and_then(Failure::status) == Some(401) && path != "/signin" {
        ON_UNAUTHORIZED.with(|hook| {
            if let Some(hook) = hook.borrow().as_ref() {
                hook()
            }
        });
    }
    result
}
