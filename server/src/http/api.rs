//! The JSON API (docs/api.md): event snapshots and availability, holds, orders (card payments in
//! `payments.rs`).
use super::client::{AdmissionToken, StorefrontClient};
use super::extract::{ApiJson, ApiPath, ApiQuery, IdempotencyKey};
use super::AppState;
use crate::error::ApiError;
use crate::events::TaggedJson;
use crate::storefront::OrderAttempt;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use contract::model::{DiscountPreview, EventSummary, Hold, HoldRequest, Order, OrderRequest, Unlocked, WaitingListRequest};
use contract::rules::cache;

/// A JSON answer no cache may keep: it depends on who asked (a code, a hold, an order's token).
type NoStore<T> = ([(header::HeaderName, &'static str); 1], Json<T>);

fn no_store<T>(value: T) -> NoStore<T> {
    ([(header::CACHE_CONTROL, cache::NO_STORE)], Json(value))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/events", get(events))
        .route("/events/{slug}", get(event))
        .route("/events/{slug}/availability", get(availability))
        .route("/events/{slug}/unlock", get(unlock))
        .route("/events/{slug}/holds", post(create_hold))
        .route("/events/{slug}/waiting-list", post(join_waiting_list))
        .route("/holds/{id}", get(hold).delete(release_hold))
        .route("/holds/{id}/order", post(place_order))
        .route("/holds/{id}/discount", get(preview_discount))
        .route("/orders/{token}", get(order))
        .route("/orders/{token}/tickets/{code}/qr.svg", get(ticket_qr))
        .route("/site-assets", get(site_assets))
        .route("/rooms/{event_id}/report", post(room_report))
        .merge(super::payments::routes())
        .fallback(unknown_route)
        .method_not_allowed_fallback(super::response::wrong_method)
}

async fn unknown_route() -> ApiError {
    ApiError::NotFound("There is no such API endpoint. See docs/api.md for the ones there are.".into())
}

/// The URLs pages link for the stylesheet and the pages' bundles: the edge renders with the same
/// ones, so its HTML is byte for byte the origin's.
async fn site_assets(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CACHE_CONTROL, cache::SITE_ASSETS)], Json(state.assets.urls.clone()))
}

#[tracing::instrument(skip(state))]
async fn events(State(state): State<AppState>) -> Result<Json<Vec<EventSummary>>, ApiError> {
    Ok(Json(state.storefront.published_events().await?))
}

/// The snapshot, with an ETag over its content so pollers and caches can revalidate for free.
#[tracing::instrument(skip(state, headers))]
async fn event(State(state): State<AppState>, ApiPath(slug): ApiPath<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    let event = state.storefront.event(&slug).await?;
    Ok(cacheable_json(&event.snapshot_json, &headers, cache::SNAPSHOT))
}

#[tracing::instrument(skip(state, headers))]
async fn availability(State(state): State<AppState>, ApiPath(slug): ApiPath<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    let event = state.storefront.event(&slug).await?;
    Ok(cacheable_json(&event.availability_json, &headers, cache::AVAILABILITY))
}

/// `?code=`: the one parameter of the endpoints that take a code.
#[derive(serde::Deserialize)]
struct CodeQuery {
    #[serde(default)]
    code: String,
}

/// The secret ticket types a code unlocks. `no-store`: the answer depends on the code, so no cache
/// (the edge's, a browser's) may keep it or give it to someone else.
#[tracing::instrument(skip(state, query, client))]
async fn unlock(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(query): ApiQuery<CodeQuery>,
    client: StorefrontClient,
) -> Result<NoStore<Unlocked>, ApiError> {
    Ok(no_store(state.storefront.unlock(&slug, &query.code, &client.buyer).await?))
}

/// What a discount code would take off the hold; the order applies it for real.
#[tracing::instrument(skip(state, query, client))]
async fn preview_discount(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<CodeQuery>,
    client: StorefrontClient,
) -> Result<NoStore<DiscountPreview>, ApiError> {
    Ok(no_store(state.storefront.preview_discount(&id, &query.code, &client.buyer).await?))
}

/// Answers with the JSON, or with 304 when the client already has this content.
fn cacheable_json(json: &TaggedJson, request_headers: &HeaderMap, cache_control: &'static str) -> Response {
    let matches = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim().trim_start_matches("W/") == json.etag));
    let etag = HeaderValue::from_str(&json.etag).expect("hex is a valid header value");
    let headers = [(header::ETAG, etag), (header::CACHE_CONTROL, HeaderValue::from_static(cache_control))];
    if matches {
        (StatusCode::NOT_MODIFIED, headers).into_response()
    } else {
        (headers, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], json.body.clone()).into_response()
    }
}

/// 201 with the new place in line; 200 with the place the address already had.
#[tracing::instrument(skip_all)]
async fn join_waiting_list(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    client: StorefrontClient,
    ApiJson(request): ApiJson<WaitingListRequest>,
) -> Result<Response, ApiError> {
    let (created, place) = state.storefront.join_waiting_list(&slug, &request, &client.buyer).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, no_store(place)).into_response())
}

/// A browser without a token gets one with its first hold (`http::client::StorefrontClient`).
#[tracing::instrument(skip(state, request, client))]
async fn create_hold(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    client: StorefrontClient,
    AdmissionToken(admission): AdmissionToken,
    ApiJson(request): ApiJson<HoldRequest>,
) -> Result<Response, ApiError> {
    let hold = state.storefront.create_hold(&slug, &request, &client.buyer, admission.as_deref()).await?;
    let mut response = (StatusCode::CREATED, no_store(hold)).into_response();
    if let Some(cookie) = client.set_cookie(state.secure_cookies) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// The edge's waiting room reports itself, sealed with `WAITING_ROOM_KEY`; the admin shows it.
#[tracing::instrument(skip(state, sealed))]
async fn room_report(State(state): State<AppState>, ApiPath(event_id): ApiPath<i64>, sealed: String) -> Result<StatusCode, ApiError> {
    state.storefront.record_room_report(event_id, &sealed).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[tracing::instrument(skip(state))]
async fn hold(State(state): State<AppState>, ApiPath(id): ApiPath<String>) -> Result<NoStore<Hold>, ApiError> {
    Ok(no_store(state.storefront.hold(&id).await?))
}

#[tracing::instrument(skip(state))]
async fn release_hold(State(state): State<AppState>, ApiPath(id): ApiPath<String>) -> Result<NoStore<Hold>, ApiError> {
    Ok(no_store(state.storefront.release_hold(&id).await?))
}

#[tracing::instrument(skip(state, key, client, request))]
async fn place_order(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    key: IdempotencyKey,
    client: StorefrontClient,
    ApiJson(request): ApiJson<OrderRequest>,
) -> Result<Response, ApiError> {
    let (order, created) = state
        .storefront
        .place_order(OrderAttempt { hold_id: &id, idempotency_key: &key.0, request: &request, client: &client.buyer })
        .await?;
    let replayed = if created { "false" } else { "true" };
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, cache::NO_STORE), (header::HeaderName::from_static("idempotent-replayed"), replayed)],
        Json(order),
    )
        .into_response())
}

#[tracing::instrument(skip(state, token))]
async fn order(State(state): State<AppState>, ApiPath(token): ApiPath<String>) -> Result<NoStore<Order>, ApiError> {
    Ok(no_store(state.storefront.order(&token).await?))
}

/// The token and the ticket's code are keys to the ticket: the span records neither.
#[tracing::instrument(skip_all)]
async fn ticket_qr(State(state): State<AppState>, ApiPath((token, code)): ApiPath<(String, String)>) -> Result<Response, ApiError> {
    let svg = state.storefront.ticket_qr(&token, &code).await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, cache::TICKET_QR)], svg).into_response())
}
