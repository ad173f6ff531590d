//! The edge: a Cloudflare Worker in front of the origins.
//!
//! Policy: event pages, availability and assets are served from the edge's caches (the isolate's
//! memory first, then the Cache API), refreshed from the origin at most once per event per
//! `PAGE_FRESH_MS`, and served stale for up to `STALE_IF_ERROR_SECONDS` when no origin answers.
//! Pages are rendered here by `app::document::render_document` from the origin's snapshot API, the
//! renderer the origin uses, so the HTML is the origin's byte for byte. The edge never touches a
//! database. Everything else (holds, orders, checkout pages) is forwarded to the first origin that
//! answers; see `origins`.
mod config;
mod memory;
mod origins;
mod pages;
mod respond;

use config::Config;
use contract::rules::{is_valid_slug, ErrorCode};
use worker::{event, Context, Env, Method, Request, Response, Result};

#[event(fetch)]
pub async fn fetch(request: Request, env: Env, ctx: Context) -> Result<Response> {
    let started = worker::Date::now().as_millis();
    let config = Config::get(&env);
    let response = match route(request, &config, &ctx).await {
        Ok(response) => response,
        // The edge answers every request itself: an error here must never become a worker exception.
        Err(err) => respond::unavailable(&format!("edge error: {err}")),
    };
    respond::with_server_timing(response, started)
}

/// No real browser sends more; larger requests are refused before they cost an origin anything.
const MAX_HEADER_BYTES: usize = 32 * 1024;

async fn route(request: Request, config: &Config, ctx: &Context) -> Result<Response> {
    let header_bytes: usize = request.headers().entries().map(|(name, value)| name.len() + value.len() + 4).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return respond::client_error(
            431,
            ErrorCode::RequestHeadersTooLarge,
            "The request headers are too large. Clear this site's cookies and try again.",
        );
    }
    let path = request.path();
    // Operators scrape each origin directly; the public edge does not pass metrics through.
    if path == "/metrics" {
        return respond::client_error(404, ErrorCode::NotFound, "There is nothing here.");
    }
    let is_read = matches!(request.method(), Method::Get | Method::Head);
    if !is_read {
        return origins::forward(request, config).await;
    }
    if path == "/__edge/health" {
        return Response::ok("ok");
    }
    if path == "/__edge/stats" {
        let (cache_api_reads, cache_api_writes) = pages::cache_api_counts();
        return Response::from_json(&serde_json::json!({
            "origin_requests": origins::requests_sent(),
            "cache_api_page_reads": cache_api_reads,
            "cache_api_page_writes": cache_api_writes,
        }));
    }
    if let Some(slug) = path.strip_prefix("/e/").filter(|slug| is_valid_slug(slug)) {
        return pages::event_page(slug, &request, config, ctx).await;
    }
    if let Some(slug) =
        path.strip_prefix("/api/events/").and_then(|rest| rest.strip_suffix("/availability")).filter(|slug| is_valid_slug(slug))
    {
        return pages::availability(slug, &request, config).await;
    }
    if path.starts_with("/pkg/") || path == "/favicon.svg" {
        return pages::asset(&request, config).await;
    }
    origins::forward(request, config).await
}
