//! The storefront's calls to the origin's JSON API, through the one browser client
//! ([`crate::browser`]). Every failure becomes a sentence for the person at the screen; the error
//! code stays available for the pages that react to it. An answer that is not the API's counts as
//! no answer: the buyer is asked to check the connection, and a reservation is retried.
use crate::browser::{self, to_json, Failure};
use crate::format::query_value;
use crate::model::{
    Availability, DiscountPreview, Hold, HoldRequest, Order, OrderRequest, QueueStatus, Unlocked, WaitingListPlace, WaitingListRequest,
};
use crate::payment::{CardPaymentRequest, PaymentState};
use serde::de::DeserializeOwned;

pub use crate::browser::pause;

/// Where this visitor stands in the event's waiting room (answered by the edge).
pub async fn queue_status(slug: &str) -> Result<QueueStatus, Failure> {
    send::<QueueStatus>("GET", &format!("/api/events/{slug}/queue"), None, None).await
}

pub async fn availability(slug: &str) -> Result<Availability, Failure> {
    send::<Availability>("GET", &format!("/api/events/{slug}/availability"), None, None).await
}

/// The secret ticket types an access code opens.
pub async fn unlock(slug: &str, code: &str) -> Result<Unlocked, Failure> {
    send("GET", &format!("/api/events/{slug}/unlock?code={}", query_value(code)), None, None).await
}

/// What a discount code would take off the hold.
pub async fn preview_discount(hold_id: &str, code: &str) -> Result<DiscountPreview, Failure> {
    send("GET", &format!("/api/holds/{hold_id}/discount?code={}", query_value(code)), None, None).await
}

pub async fn create_hold(slug: &str, request: &HoldRequest) -> Result<Hold, Failure> {
    send("POST", &format!("/api/events/{slug}/holds"), Some(to_json(request)?), None).await
}

/// A place on a sold-out ticket type's waiting list (the same place when the address already has one).
pub async fn join_waiting_list(slug: &str, request: &WaitingListRequest) -> Result<WaitingListPlace, Failure> {
    send("POST", &format!("/api/events/{slug}/waiting-list"), Some(to_json(request)?), None).await
}

pub async fn release_hold(hold_id: &str) -> Result<(), Failure> {
    send::<serde_json::Value>("DELETE", &format!("/api/holds/{hold_id}"), None, None).await.map(|_| ())
}

pub async fn place_order(hold_id: &str, idempotency_key: &str, request: &OrderRequest) -> Result<Order, Failure> {
    send("POST", &format!("/api/holds/{hold_id}/order"), Some(to_json(request)?), Some(idempotency_key)).await
}

/// Pays for the hold's order by card (one attempt per key: a new key after a decline).
pub async fn pay_by_card(hold_id: &str, idempotency_key: &str, request: &CardPaymentRequest) -> Result<PaymentState, Failure> {
    send("POST", &format!("/api/holds/{hold_id}/payment"), Some(to_json(request)?), Some(idempotency_key)).await
}

/// After the bank's check: where the payment of this attempt stands now.
pub async fn complete_card_payment(hold_id: &str, idempotency_key: &str) -> Result<PaymentState, Failure> {
    send("POST", &format!("/api/holds/{hold_id}/payment/complete"), None, Some(idempotency_key)).await
}

async fn send<T: DeserializeOwned>(method: &str, path: &str, body: Option<String>, idempotency_key: Option<&str>) -> Result<T, Failure> {
    let headers: Vec<(&str, &str)> = idempotency_key.map(|key| ("idempotency-key", key)).into_iter().collect();
    browser::fetch_json(method, path, &headers, body).await.map_err(Failure::unreadable_as_network)
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
