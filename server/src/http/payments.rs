//! Card payments over HTTP (docs/api.md "Paying by card"): the checkout attempt, the buyer's return
//! after the bank's check, and the provider's webhook. Every answer is `no-store`: each is one
//! buyer's, or the provider's.
use super::client::StorefrontClient;
use super::extract::{ApiJson, ApiPath, IdempotencyKey};
use super::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use contract::payment::{CardPaymentRequest, PaymentState, PaymentStatus};
use contract::rules::cache;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/holds/{id}/payment", post(pay_by_card))
        .route("/holds/{id}/payment/complete", post(complete))
        .route("/payments/stripe/{organisation_id}/webhook", post(webhook))
}

/// 201 with the order when the card was charged at once; 202 while the bank or the provider has
/// more to do (`requires_action`, `processing`); a decline is a 402.
fn answer(state: PaymentState) -> Response {
    let status = match state.status {
        PaymentStatus::Paid => StatusCode::CREATED,
        _ => StatusCode::ACCEPTED,
    };
    (status, [(header::CACHE_CONTROL, cache::NO_STORE)], Json(state)).into_response()
}

#[tracing::instrument(skip(state, key, client, request))]
async fn pay_by_card(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    key: IdempotencyKey,
    client: StorefrontClient,
    ApiJson(request): ApiJson<CardPaymentRequest>,
) -> Result<Response, ApiError> {
    Ok(answer(state.storefront.pay_by_card(&id, &key.0, &request, &client.buyer).await?))
}

#[tracing::instrument(skip(state, key))]
async fn complete(State(state): State<AppState>, ApiPath(id): ApiPath<String>, key: IdempotencyKey) -> Result<Response, ApiError> {
    Ok(answer(state.storefront.complete_card_payment(&id, &key.0).await?))
}

/// The provider retries anything but a 2xx, so an event that cannot be applied now (the database
/// busy) is answered 503 and comes again; a forged or stale one is a 400 and is dropped.
#[tracing::instrument(skip(state, headers, body))]
async fn webhook(
    State(state): State<AppState>,
    ApiPath(organisation_id): ApiPath<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let signature = headers.get("stripe-signature").and_then(|value| value.to_str().ok());
    state.storefront.payment_webhook(organisation_id, &body, signature).await?;
    Ok((StatusCode::OK, [(header::CACHE_CONTROL, cache::NO_STORE)], Json(serde_json::json!({ "received": true }))).into_response())
}
