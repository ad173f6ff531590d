//! The edge: a Cloudflare Worker in front of the origins.
//!
//! Policy: every request is admitted first (`admit`: its headers' size, its method, its path
//! normalised once); from there on the edge routes on, and forwards, exactly that method and URL.
//! Event pages, availability and assets are served from the edge's caches (the isolate's memory
//! first, then the Cache API), refreshed from the origin at most once per event per
//! `PAGE_FRESH_MS`, and served stale for up to `STALE_IF_ERROR_SECONDS` when no origin answers.
//! Pages are rendered here by `app::document::render_document` from the origin's snapshot API, the
//! renderer the origin uses, so the HTML is the origin's byte for byte. The edge never touches a
//! database. Everything else (holds, orders, checkout pages) is forwarded to the first origin that
//! answers (`origins`), with who the client is said the way the origins trust (`client`); hold
//! requests are rate-limited per client on the way (`limit`).
mod admit;
mod body;
mod client;
mod config;
mod limit;
mod memory;
mod operator;
mod origins;
mod pages;
mod path;
mod respond;
pub mod room;

use config::Config;
use contract::rules::{is_valid_slug, writes, ErrorCode};
use worker::{event, Context, Env, Request, Response, Result};

/// The answer to a path the edge does not serve.
pub(crate) const NOT_FOUND_MESSAGE: &str = "There is nothing here.";

#[event(fetch)]
pub async fn fetch(request: Request, env: Env, ctx: Context) -> Result<Response> {
    let started = worker::Date::now().as_millis();
    let config = Config::get(&env);
    let response = match route(request, &env, &config, &ctx).await {
        Ok(response) => response,
        // The edge answers every request itself: an error here must never become a worker exception.
        Err(err) => respond::unavailable(&format!("edge error: {err}")),
    };
    respond::with_server_timing(response, started)
}

async fn route(request: Request, env: &Env, config: &Config, ctx: &Context) -> Result<Response> {
    let target = match admit::admit(&request) {
        Ok(target) => target,
        Err(refusal) => return refusal,
    };
    let path = target.path.as_str();
    // Operators scrape each origin directly; the public edge does not pass metrics through.
    if path == "/metrics" {
        return respond::client_error(404, ErrorCode::NotFound, NOT_FOUND_MESSAGE);
    }
    if !target.is_read() {
        let response = match limit::holds(&request, &target, config) {
            Some(refusal) => refusal?,
            None => forward_write(request, &target, env, config, ctx).await?,
        };
        // A browser that posted a page's form shows what comes back: the edge's own refusals too.
        return if writes::is_page_form(&target.path) { pages::as_page(response, config).await } else { Ok(response) };
    }
    if path == "/__edge/health" {
        return Response::ok("ok");
    }
    if path == "/__edge/stats" {
        return operator::stats(&request, config);
    }
    if let Some(slug) = path.strip_prefix("/e/").filter(|slug| is_valid_slug(slug)) {
        let page = pages::event_page(slug, &request, &target, config, ctx).await?;
        if let Some(to_the_queue) = room::entrance::must_queue(slug, &request, env, config).await? {
            return Ok(to_the_queue);
        }
        return Ok(page);
    }
    if let Some(slug) = path.strip_prefix("/e/").and_then(|rest| rest.strip_suffix("/queue")).filter(|slug| is_valid_slug(slug)) {
        return room::entrance::queue_page(slug, &request, env, config).await;
    }
    if let Some(slug) = path.strip_prefix("/api/events/").and_then(|rest| rest.strip_suffix("/queue")).filter(|slug| is_valid_slug(slug)) {
        return room::entrance::poll(slug, &request, env, config).await;
    }
    if let Some(slug) =
        path.strip_prefix("/api/events/").and_then(|rest| rest.strip_suffix("/availability")).filter(|slug| is_valid_slug(slug))
    {
        return pages::availability(slug, &request, config).await;
    }
    if path.starts_with("/pkg/") || path == "/favicon.svg" {
        return pages::asset(&request, &target, config).await;
    }
    origins::forward(request, &target, config).await
}

/// Forwards a write to the origins. An order placed with a waiting-room admission ends that
/// admission at the room (after the answer, off the buyer's path), so the next in line comes in;
/// a hold the origin answers with 503 slows the event's room.
async fn forward_write(request: Request, target: &admit::Target, env: &Env, config: &Config, ctx: &Context) -> Result<Response> {
    let ordering = writes::is_order(&target.path);
    let admission = ordering
        .then(|| request.headers().get("cookie").ok().flatten())
        .flatten()
        .and_then(|cookies| contract::rules::admission::from_cookies(&cookies).map(str::to_string));
    let response = origins::forward(request, target, config).await?;
    if let Some(token) = admission.filter(|_| writes::order_placed(response.status_code())) {
        let (env, config) = (env.clone(), config.clone());
        ctx.wait_until(async move { room::entrance::ordered(&token, &env, &config).await });
    }
    // An origin over its capacity slows the event's room down.
    let holding = writes::reservation_slug(&target.path);
    if let Some(slug) = holding.filter(|_| response.status_code() == 503).map(str::to_string) {
        let env = env.clone();
        ctx.wait_until(async move { room::entrance::origin_overloaded(&slug, &env).await });
    }
    Ok(response)
}
