//! What the edge serves from its caches: event pages (rendered here), availability and assets.
//!
//! An event page is fresh for `PAGE_FRESH_MS` after the origin last confirmed its snapshot. For
//! `STALE_WHILE_REVALIDATE_SECONDS` after that it is served at once, stale, while one background
//! refresh per page asks the origin (with the snapshot's ETag, so an unchanged event costs a 304).
//! Older pages are revalidated before they are served. When no origin answers, the last good page
//! keeps being served for up to `STALE_IF_ERROR_SECONDS`. The rendered page also goes to the Cache API, so a new isolate starts warm.
//! A page shows each sale as of its render, and a browser without the script shows it that way:
//! once a sale opens or closes, or a waiting page's reload quickens (`sale::next_change`), the
//! page is rendered again here, from the snapshot it was made from (kept with the page), before it
//! is served, without asking the origin.
use crate::admit::Target;
use crate::config::Config;
use crate::memory::{self, Entry, PAGES};
use crate::origins;
use crate::respond::{self, HTML};
use crate::room::entrance::{self as room, RoomInfo};
use app::document::{render_document, Assets, Bundle, BundleUrls, EventPageData, Page, PageData};
use chrono::{DateTime, Utc};
use contract::model::{ApiErrorBody, Availability, EventSnapshot};
use contract::rules::{cache, sale};
use std::rc::Rc;
use worker::{Cache, Context, Date, Headers, Method, Request, Response, Result};

/// The event's key in the Cache API (which takes URLs: on this edge's own host). It holds a pointer
/// to the key of the current version's page.
fn cache_api_key(request: &Request, slug: &str) -> Result<String> {
    let url = request.url()?;
    Ok(format!("{}://{}/__edge/page/{slug}", url.scheme(), url.host_str().unwrap_or("edge")))
}

pub async fn event_page(slug: &str, request: &Request, target: &Target, config: &Config, ctx: &Context) -> Result<Response> {
    let now = Date::now().as_millis();
    let key = slug.to_string();
    let mut cached = memory::with(&PAGES, |pages| pages.get(&key));
    if cached.is_none() {
        cached = from_cache_api(&cache_api_key(request, slug)?).await;
        if let Some(entry) = &cached {
            memory::with(&PAGES, |pages| pages.put(&key, entry.clone()));
        }
    }
    // The page changed since it was rendered (`sale::next_change`): rendered again as of now.
    if let Some(entry) = cached.as_ref().filter(|entry| entry.changes_at.is_some_and(|at| now >= at)) {
        if let Some(again) = render_again(&key, entry, now, config).await {
            cached = Some(again);
        }
    }
    // A page from the Cache API comes without what the room needs from its snapshot: asked anew.
    let room_known = room::knows(slug);
    if let Some(entry) = cached.as_ref().filter(|_| room_known) {
        let age = now.saturating_sub(entry.confirmed_at);
        if age < config.page_fresh_ms {
            return respond::cached(entry, "hit", request);
        }
        if age < config.page_fresh_ms + config.stale_while_revalidate_ms {
            if memory::with(&PAGES, |pages| pages.start_refresh(&key)) {
                let (slug, key, config) = (slug.to_string(), key.clone(), config.clone());
                let cache_api_key = cache_api_key(request, &slug)?;
                ctx.wait_until(async move {
                    let confirmed = refresh(&slug, &key, &cache_api_key, &config).await.succeeded().then(|| Date::now().as_millis());
                    memory::with(&PAGES, |pages| pages.end_refresh(&key, confirmed));
                });
            }
            return respond::cached(entry, "stale", request);
        }
    }
    // Nothing fresh enough: this request waits for the origin.
    let state = match refresh(slug, &key, &cache_api_key(request, slug)?, config).await {
        Refreshed::Unchanged => "revalidated",
        Refreshed::Rendered => "miss",
        // Unpublished or renamed: never serve the old page again; the origin says what is there.
        Refreshed::Gone => return origins::forward(request.clone()?, target, config).await,
        Refreshed::Failed => "",
    };
    if !state.is_empty() {
        if let Some(entry) = memory::with(&PAGES, |pages| pages.get(&key)) {
            return respond::cached(&entry, state, request);
        }
    }
    // No origin answered: the last good page, for as long as stale-if-error allows.
    if let Some(entry) = cached.filter(|entry| now.saturating_sub(entry.confirmed_at) < config.stale_if_error_ms) {
        return respond::cached(&entry, "stale", request);
    }
    // Unknown event, or no origin: the origin's own page says which, if it can be reached.
    origins::forward(request.clone()?, target, config).await
}

/// What asking the origin for an event's snapshot came to.
enum Refreshed {
    /// The origin confirmed the page the edge has (304).
    Unchanged,
    /// The snapshot changed (or was new): the page was rendered and stored.
    Rendered,
    /// The origin says there is no such event (any more): the page was dropped from both caches.
    Gone,
    /// No usable answer: no origin answered, or not with a snapshot.
    Failed,
}

impl Refreshed {
    fn succeeded(&self) -> bool {
        matches!(self, Refreshed::Unchanged | Refreshed::Rendered)
    }
}

/// Asks the origin for the snapshot, with the ETag of the page the edge has; re-renders and stores
/// the page when it changed.
async fn refresh(slug: &str, key: &str, cache_api_key: &str, config: &Config) -> Refreshed {
    let previous = memory::with(&PAGES, |pages| pages.get(key));
    let headers = Headers::new();
    let _ = headers.set("accept", "application/json");
    if let Some(etag) = previous.as_ref().and_then(|entry| entry.etag.clone()) {
        let _ = headers.set("if-none-match", &etag);
    }
    let Ok((mut response, _)) = origins::send(&format!("/api/events/{slug}"), Method::Get, &headers, None, config).await else {
        return Refreshed::Failed;
    };
    match response.status_code() {
        304 if previous.is_some() => {
            memory::with(&PAGES, |pages| pages.confirm(key, Date::now().as_millis()));
            Refreshed::Unchanged
        }
        200 => {
            let etag = response.headers().get("etag").ok().flatten();
            let Ok(snapshot) = response.json::<EventSnapshot>().await else {
                return Refreshed::Failed;
            };
            let Some(assets) = site_assets(config).await else {
                return Refreshed::Failed;
            };
            let version = snapshot.version;
            room::remember(slug, &snapshot, config);
            let generated_at = snapshot.generated_at;
            let entry = render_event(Rc::new(snapshot), generated_at, &assets, etag, Date::now().as_millis());
            memory::with(&PAGES, |pages| pages.put(key, entry.clone()));
            to_cache_api(cache_api_key, version, &entry).await;
            Refreshed::Rendered
        }
        404 => {
            room::forget(slug);
            memory::with(&PAGES, |pages| pages.remove(key));
            let _ = Cache::default().delete(cache_api_key, false).await;
            Refreshed::Gone
        }
        _ => Refreshed::Failed,
    }
}

/// The event page of `snapshot` as of `now`, to be served until it changes (`sale::next_change`).
fn render_event(snapshot: Rc<EventSnapshot>, now: DateTime<Utc>, assets: &Assets, etag: Option<String>, confirmed_at: u64) -> Entry {
    let data = PageData { now, page: Page::Event(EventPageData { snapshot: (*snapshot).clone(), choice: Default::default() }) };
    let mut entry = Entry::new(render_document(&data, assets).into_bytes(), HTML, cache::EVENT_PAGE, etag, confirmed_at);
    entry.changes_at = sale::next_change(&snapshot.ticket_types, now).map(|at| at.timestamp_millis().max(0) as u64);
    entry.snapshot = Some(snapshot);
    entry
}

/// `entry` rendered again as of `now_ms` from the snapshot it was made from (the origin's
/// confirmation of that snapshot and its refresh stay as they were); None for a page from the
/// Cache API, which comes without its snapshot (the next refresh brings one).
async fn render_again(key: &str, entry: &Entry, now_ms: u64, config: &Config) -> Option<Entry> {
    let snapshot = entry.snapshot.clone()?;
    let assets = site_assets(config).await?;
    let mut again = render_event(snapshot, room::at(now_ms as i64), &assets, entry.etag.clone(), entry.confirmed_at);
    // As the page stands now (a refresh may have confirmed it meanwhile), unless a refresh brought
    // a newer one.
    memory::with(&PAGES, |pages| match pages.get(key) {
        Some(newer) if newer.etag != entry.etag => Some(newer),
        current => {
            if let Some(current) = current {
                (again.confirmed_at, again.refreshing) = (current.confirmed_at, current.refreshing);
            }
            pages.put(key, again.clone());
            Some(again)
        }
    })
}

/// The origin's asset URLs, fetched once per isolate and refreshed every minute.
pub async fn site_assets(config: &Config) -> Option<Assets> {
    const KEY: &str = "site-assets";
    let now = Date::now().as_millis();
    let cached = memory::with(&memory::SITE, |site| site.get(KEY));
    if let Some(entry) = cached.as_ref().filter(|entry| now.saturating_sub(entry.confirmed_at) < 60_000) {
        return parse_assets(&entry.body);
    }
    let headers = Headers::new();
    let fetched = match origins::send("/api/site-assets", Method::Get, &headers, None, config).await {
        Ok((mut response, _)) if response.status_code() == 200 => response.bytes().await.ok(),
        _ => None,
    };
    match fetched {
        Some(body) => {
            let assets = parse_assets(&body)?;
            let entry = Entry::new(body, "application/json", "", None, now);
            memory::with(&memory::SITE, |site| site.put(KEY, entry));
            Some(assets)
        }
        // The origin is away: the URLs it gave last are still the best guess.
        None => cached.and_then(|entry| parse_assets(&entry.body)),
    }
}

/// An answer the edge made itself (a refusal, no origin) as the page a browser that posted one of
/// the pages' forms should see: the origin's problem page, with the same status and Retry-After.
/// An answer that is not the edge's JSON error, or with no assets to render with, stays as it is.
pub async fn as_page(mut response: Response, config: &Config) -> Result<Response> {
    let is_json = response.headers().get("content-type")?.is_some_and(|kind| kind.starts_with("application/json"));
    if !is_json {
        return Ok(response);
    }
    let status = response.status_code();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let (Ok(error), Some(assets)) = (serde_json::from_slice::<ApiErrorBody>(&body), site_assets(config).await) else {
        return Ok(Response::from_bytes(body)?.with_status(status).with_headers(headers));
    };
    let data = PageData { now: room::at(Date::now().as_millis() as i64), page: Page::problem(status, error.message) };
    let page = render_document(&data, &assets);
    let _ = headers.set("content-type", HTML);
    Ok(Response::from_bytes(page.into_bytes())?.with_status(status).with_headers(headers))
}

/// The origin's asset URLs. An origin from before the pages had a bundle each named one bundle for
/// every page (`js`, `wasm`): that is read as each page's bundle, so the edge can be deployed
/// before the origins.
fn parse_assets(body: &[u8]) -> Option<Assets> {
    #[derive(serde::Deserialize)]
    struct Answer {
        css: String,
        #[serde(default)]
        bundles: Vec<BundleUrls>,
        js: Option<String>,
        wasm: Option<String>,
    }
    let Answer { css, bundles, js, wasm } = serde_json::from_slice(body).ok()?;
    let bundles = match (bundles.is_empty(), js, wasm) {
        (true, Some(js), Some(wasm)) => {
            Bundle::ALL.iter().map(|bundle| BundleUrls { name: bundle.name().to_string(), js: js.clone(), wasm: wasm.clone() }).collect()
        }
        _ => bundles,
    };
    Some(Assets { css, bundles })
}

/// Reads a page from the Cache API: the event's pointer names the key of the current version.
async fn from_cache_api(pointer_key: &str) -> Option<Entry> {
    let mut pointer = Cache::default().get(pointer_key, false).await.ok()??;
    let header = |name: &str| pointer.headers().get(name).ok().flatten();
    let confirmed_at = header("x-edge-confirmed-at")?.parse().ok()?;
    let etag = header("x-edge-etag");
    let page_key = pointer.text().await.ok()?;
    let mut page = Cache::default().get(page_key.as_str(), false).await.ok()??;
    let body = page.bytes().await.ok()?;
    CACHE_API_READS.with(|count| count.set(count.get() + 1));
    Some(Entry::new(body, HTML, cache::EVENT_PAGE, etag, confirmed_at))
}

/// Writes a page to the Cache API under a key that carries its snapshot's version and ETag, then
/// points the event's key at it: a page is never found under another version's key.
async fn to_cache_api(pointer_key: &str, version: i64, entry: &Entry) {
    let tag: String = entry.etag.as_deref().unwrap_or_default().chars().filter(char::is_ascii_alphanumeric).collect();
    let page_key = format!("{pointer_key}/v{version}-{tag}");
    // The Cache API keeps both as long as a page may be served stale; freshness is the edge's call.
    let headers = |content_type: &str| {
        let headers = Headers::new();
        let _ = headers.set("content-type", content_type);
        let _ = headers.set("cache-control", cache::EDGE_STORE);
        headers
    };
    let Ok(page) = Response::from_bytes(entry.body.to_vec()) else {
        return;
    };
    if Cache::default().put(page_key.as_str(), page.with_headers(headers(&entry.content_type))).await.is_err() {
        return;
    }
    let pointer_headers = headers("text/plain");
    let _ = pointer_headers.set("x-edge-confirmed-at", &entry.confirmed_at.to_string());
    if let Some(etag) = &entry.etag {
        let _ = pointer_headers.set("x-edge-etag", etag);
    }
    if let Ok(pointer) = Response::ok(page_key) {
        if Cache::default().put(pointer_key, pointer.with_headers(pointer_headers)).await.is_ok() {
            CACHE_API_WRITES.with(|count| count.set(count.get() + 1));
        }
    }
}

thread_local! {
    static CACHE_API_READS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    static CACHE_API_WRITES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Pages this isolate found in, and wrote to, the Cache API: for `/__edge/stats`.
pub fn cache_api_counts() -> (u64, u64) {
    (CACHE_API_READS.with(|c| c.get()), CACHE_API_WRITES.with(|c| c.get()))
}

/// What the room needs from an event's snapshot, reading the snapshot when this isolate has none.
/// One read per isolate at a time: the others wait for it (a cold isolate meets a crowd).
pub async fn room_info(slug: &str, request: &Request, config: &Config) -> Option<RoomInfo> {
    if let Some(info) = room::known(slug) {
        return Some(info);
    }
    if !LOADING.with(|loading| loading.borrow_mut().insert(slug.to_string())) {
        wait_for(config.origin_timeout_ms, 20, || LOADING.with(|loading| (!loading.borrow().contains(slug)).then_some(()))).await;
        return room::known(slug);
    }
    if let Ok(key) = cache_api_key(request, slug) {
        refresh(slug, slug, &key, config).await;
    }
    LOADING.with(|loading| loading.borrow_mut().remove(slug));
    room::known(slug)
}

/// Waits, looking every `step_ms`, until `ready` gives something or `timeout_ms` has passed: for a
/// request waiting on another's read of the origin. (It must wake on timers of its own: the runtime
/// cancels a request woken only by another request's work as hung.)
async fn wait_for<T>(timeout_ms: u64, step_ms: u64, mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    let until = Date::now().as_millis() + timeout_ms;
    loop {
        if let Some(value) = ready() {
            return Some(value);
        }
        if Date::now().as_millis() >= until {
            return None;
        }
        worker::Delay::from(std::time::Duration::from_millis(step_ms)).await;
    }
}

thread_local! {
    /// When this isolate last began to read each event's availability from an origin.
    static LAST_AVAILABILITY_READ: std::cell::RefCell<std::collections::HashMap<String, u64>> = std::cell::RefCell::new(std::collections::HashMap::new());
    /// Events whose snapshot this isolate is reading for the room right now.
    static LOADING: std::cell::RefCell<std::collections::HashSet<String>> = std::cell::RefCell::new(std::collections::HashSet::new());
}

/// Availability, reused for `AVAILABILITY_FRESH_MS`: at most one origin request per event per
/// interval whatever the number of polling phones; stale when the origin is away.
pub async fn availability(slug: &str, request: &Request, config: &Config) -> Result<Response> {
    match availability_entry(slug, config).await {
        Ok((entry, state, origin_ms)) => {
            let response = respond::cached(&entry, state, request)?;
            Ok(if origin_ms > 0 { respond::with_origin_timing(response, origin_ms) } else { response })
        }
        Err(Unavailable::Answered(response)) => Ok(response),
        Err(Unavailable::NoOrigin(reason)) => Ok(respond::unavailable(&reason)),
    }
}

/// The event's availability as this edge has it (the same cache as [`availability`]).
pub async fn availability_now(slug: &str, config: &Config) -> Option<Availability> {
    let (entry, _, _) = availability_entry(slug, config).await.ok()?;
    serde_json::from_slice(&entry.body).ok()
}

enum Unavailable {
    /// The origin answered otherwise than with availability (its answer, passed on).
    Answered(Response),
    NoOrigin(String),
}

/// The availability entry, how it was found ("hit", "miss", "stale"), and the origin's time.
async fn availability_entry(slug: &str, config: &Config) -> std::result::Result<(Entry, &'static str, u64), Unavailable> {
    let key = format!("availability/{slug}");
    let now = Date::now().as_millis();
    let cached = memory::with(&memory::AVAILABILITY, |store| store.get(&key));
    if let Some(entry) = cached.as_ref().filter(|entry| now.saturating_sub(entry.confirmed_at) < config.availability_fresh_ms) {
        return Ok((entry.clone(), "hit", 0));
    }
    // One refresh per isolate at a time: the rest are answered from the entry it replaces, which is
    // no older than the refresh's own wait for the origin (in an on-sale, thousands of polls would
    // otherwise all ask at once, and more the slower the origin answers).
    // At most one read per freshness period, counted from when each read began: under load the
    // runtime's clock, which moves only with I/O, can date a read's answer well before the
    // requests that look at it, and each would then find it stale early.
    let last_read = LAST_AVAILABILITY_READ.with(|reads| reads.borrow().get(&key).copied());
    if let Some(entry) = cached.as_ref().filter(|_| last_read.is_some_and(|at| now.saturating_sub(at) < config.availability_fresh_ms)) {
        return Ok((entry.clone(), "stale", 0));
    }
    let refresh_window = config.availability_fresh_ms + config.origin_timeout_ms;
    if let Some(entry) = cached.as_ref().filter(|entry| now.saturating_sub(entry.confirmed_at) < refresh_window) {
        if !memory::with(&memory::AVAILABILITY, |store| store.start_refresh(&key)) {
            return Ok((entry.clone(), "stale", 0));
        }
    }
    // Nothing kept yet (an isolate's first look, at the on-sale moment with thousands asking at
    // once): one read, and the rest wait for its answer rather than each asking the origin.
    if cached.is_none() && last_read.is_some_and(|at| now.saturating_sub(at) < config.origin_timeout_ms) {
        let kept = wait_for(config.origin_timeout_ms, 10, || memory::with(&memory::AVAILABILITY, |store| store.get(&key))).await;
        return kept.map(|entry| (entry, "hit", 0)).ok_or_else(|| Unavailable::NoOrigin("no origin gave the availability in time".into()));
    }
    LAST_AVAILABILITY_READ.with(|reads| reads.borrow_mut().insert(key.clone(), now));
    let headers = Headers::new();
    let _ = headers.set("accept", "application/json");
    let stale = |reason: String| {
        memory::with(&memory::AVAILABILITY, |store| store.end_refresh(&key, None));
        match cached.clone().filter(|entry| now.saturating_sub(entry.confirmed_at) < config.stale_if_error_ms) {
            Some(entry) => Ok((entry, "stale", 0)),
            None => Err(Unavailable::NoOrigin(reason)),
        }
    };
    match origins::send(&format!("/api/events/{slug}/availability"), Method::Get, &headers, None, config).await {
        Ok((mut response, origin_ms)) if response.status_code() == 200 => {
            let etag = response.headers().get("etag").ok().flatten();
            let Ok(body) = response.bytes().await else {
                return stale("the origin's answer was cut short".into());
            };
            let entry = Entry::new(body, "application/json", cache::AVAILABILITY, etag, Date::now().as_millis());
            memory::with(&memory::AVAILABILITY, |store| store.put(&key, entry.clone()));
            Ok((entry, "miss", origin_ms))
        }
        Ok((response, _)) => {
            memory::with(&memory::AVAILABILITY, |store| store.end_refresh(&key, None));
            Err(Unavailable::Answered(response))
        }
        Err(reason) => stale(reason),
    }
}

/// Assets: a URL with a content hash (`?v=`) never changes, so it is kept for the isolate's life;
/// others for five minutes.
pub async fn asset(request: &Request, target: &Target, config: &Config) -> Result<Response> {
    let key = target.path_and_query();
    let immutable = cache::is_hashed(target.query.as_deref());
    let now = Date::now().as_millis();
    let cached = memory::with(&memory::ASSETS, |store| store.get(&key));
    if let Some(entry) = cached.as_ref().filter(|entry| immutable || now.saturating_sub(entry.confirmed_at) < cache::ASSET_SECONDS * 1_000)
    {
        return respond::cached(entry, "hit", request);
    }
    let headers = Headers::new();
    match origins::send(&key, Method::Get, &headers, None, config).await {
        Ok((mut response, origin_ms)) if response.status_code() == 200 => {
            let header = |name: &str| response.headers().get(name).ok().flatten();
            let content_type = header("content-type").unwrap_or_else(|| "application/octet-stream".into());
            let cache_control = header("cache-control").unwrap_or_else(|| cache::ASSET.into());
            let etag = header("etag");
            let entry = Entry::new(response.bytes().await?, &content_type, &cache_control, etag, Date::now().as_millis());
            memory::with(&memory::ASSETS, |store| store.put(&key, entry.clone()));
            Ok(respond::with_origin_timing(respond::cached(&entry, "miss", request)?, origin_ms))
        }
        Ok((response, _)) => Ok(response),
        Err(reason) => match cached {
            Some(entry) => respond::cached(&entry, "stale", request),
            None => Ok(respond::unavailable(&reason)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_assets_with_a_bundle_per_page() {
        let assets = Assets {
            css: "/pkg/stampede.css?v=1".into(),
            bundles: vec![BundleUrls { name: "event".into(), js: "/pkg/event.js?v=2".into(), wasm: "/pkg/event_bg.wasm?v=3".into() }],
        };
        assert_eq!(parse_assets(&serde_json::to_vec(&assets).unwrap()), Some(assets));
    }

    #[test]
    fn reads_an_older_origins_one_bundle_as_every_pages() {
        let body = br#"{"css": "/pkg/stampede.css?v=1", "js": "/pkg/stampede.js?v=2", "wasm": "/pkg/stampede_bg.wasm?v=3"}"#;
        let assets = parse_assets(body).expect("readable");
        for bundle in Bundle::ALL {
            let urls = assets.bundle(bundle).expect("every page's bundle");
            assert_eq!((urls.js.as_str(), urls.wasm.as_str()), ("/pkg/stampede.js?v=2", "/pkg/stampede_bg.wasm?v=3"));
        }
        assert_eq!(parse_assets(b"{}"), None, "no stylesheet: not the origin's assets");
    }
}
