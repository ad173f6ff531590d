//! Server-rendered pages. Each loads its data through the [`Storefront`](crate::storefront::Storefront)
//! and hands it to `app::document::render_document`, the renderer the edge uses too.
use super::AppState;
use crate::error::ApiError;
use app::document::{render_document, CheckoutPageData, EventPageData, Page, PageData};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use contract::rules::cache;

#[tracing::instrument(skip(state))]
pub async fn home(State(state): State<AppState>) -> Response {
    match state.storefront.published_events().await {
        Ok(events) => render(&state, StatusCode::OK, cache::HOME_PAGE, PageData { now: crate::store::now(), page: Page::Home { events } }),
        Err(err) => problem(&state, err),
    }
}

#[tracing::instrument(skip(state))]
pub async fn event(State(state): State<AppState>, PagePath(slug): PagePath) -> Response {
    match state.storefront.event(&slug).await {
        Ok(event) => {
            // Rendered once per snapshot load: every view within the cache's TTL is the same page.
            let html = event.page_html.get_or_init(|| {
                let snapshot = event.snapshot.clone();
                let data =
                    PageData { now: snapshot.generated_at, page: Page::Event(EventPageData { snapshot, choice: Default::default() }) };
                render_document(&data, &state.assets.urls).into()
            });
            (StatusCode::OK, [(header::CACHE_CONTROL, cache::EVENT_PAGE), (header::CONTENT_TYPE, "text/html; charset=utf-8")], html.clone())
                .into_response()
        }
        Err(err) => problem(&state, err),
    }
}

#[tracing::instrument(skip(state))]
pub async fn checkout(State(state): State<AppState>, PagePath(hold_id): PagePath) -> Response {
    match state.storefront.checkout(&hold_id).await {
        Ok((hold, questions)) => render(
            &state,
            StatusCode::OK,
            cache::PRIVATE_PAGE,
            PageData { now: crate::store::now(), page: Page::Checkout(CheckoutPageData { hold, questions, draft: None }) },
        ),
        Err(err) => problem(&state, err),
    }
}

#[tracing::instrument(skip(state, token))]
pub async fn order(State(state): State<AppState>, PagePath(token): PagePath) -> Response {
    match state.storefront.order(&token).await {
        Ok(order) => {
            render(&state, StatusCode::OK, cache::PRIVATE_PAGE, PageData { now: crate::store::now(), page: Page::Order { order } })
        }
        Err(err) => problem(&state, err),
    }
}

pub fn not_found_page(state: &AppState) -> Response {
    problem(state, ApiError::NotFound("The address may be mistyped, or the page has moved.".into()))
}

pub(crate) fn problem(state: &AppState, err: ApiError) -> Response {
    let status = err.status();
    let data = PageData { now: crate::store::now(), page: Page::problem(status.as_u16(), err.public_message()) };
    let mut response = render(state, status, cache::NO_STORE, data);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    }
    response
}

pub(crate) fn render(state: &AppState, status: StatusCode, cache_control: &'static str, data: PageData) -> Response {
    let html = render_document(&data, &state.assets.urls);
    (status, [(header::CACHE_CONTROL, cache_control)], Html(html)).into_response()
}

/// A page's path parameter. One that cannot be decoded names no page: the 404 page, not a 400.
pub struct PagePath(pub String);

impl FromRequestParts<AppState> for PagePath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(PagePath(value)),
            Err(_) => Err(not_found_page(state)),
        }
    }
}
