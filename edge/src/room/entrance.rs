//! The isolate's half of the waiting room: who is sent to the queue, the queue page, and the queue
//! page's poll, answered from this isolate's copy of the room's state wherever it can be.
//!
//! Policy:
//! - For an event whose room is on, the event page is shown only to a visitor with a valid
//!   admission (`stampede_admission`), or once nothing is left to buy (the page then offers the
//!   waiting list). Everyone else is sent to `/e/{slug}/queue`, a page that is the same for all and
//!   is cached here; the place is in the poll.
//! - A visitor's place is a signed cookie (`stampede_queue`, for the poll's path only: event, random
//!   queue id, place number), so a poll of someone still waiting is answered from this isolate's
//!   copy of the room's cursor, refreshed from the room at most once per `ROOM_VIEW_FRESH_MS`:
//!   most polls never reach the room. The room is asked only to join, to learn a place drawn by
//!   lot, to let someone in (their place is behind the cursor): all three are joins, gathered per
//!   isolate (`client`); and to hear who has ordered.
//! - Let in, the visitor gets the admission token (`contract::rules::admission`) in a cookie for
//!   the event pages' host, valid for `ROOM_ADMISSION_SECONDS`; the origin checks it on every hold.
//! - A browser without the script polls too: the queue page refreshes to the poll's URL, and the
//!   poll answers a browser's visit (it asks for HTML) with the queue page showing that visitor's
//!   place, never stored, or, let in or sold out, with a redirect to the event page.
//! - An origin's 503 to a hold of the event slows its room down (`line`'s pace).
//! - Sold out (the gate's availability, read through this edge's own cache) ends the line for
//!   everyone at once.
use super::client::{self, ask};
use super::line::{Place, RoomSettings};
use super::protocol::{Ask, RoomConfig, RoomRequest, Standing};
use crate::config::Config;
use crate::{pages, respond};
use app::document::{render_document, Page, PageData, QueuePageData};
use chrono::{DateTime, TimeZone, Utc};
use contract::model::{EventSnapshot, EventSummary, QueueState, QueueStatus};
use contract::rules::admission::{self, Admission};
use contract::rules::{cache, sale};
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{Date, Env, Request, Response, Result};

/// How often a page told "sold out" looks again.
const SOLD_OUT_POLL_MS: u32 = 30_000;

/// The longest a waiting page goes without asking.
const MOST_POLL_MS: i64 = 20_000;

/// The visitor's place in an event's line.
pub const VISITOR_COOKIE: &str = "stampede_queue";

/// What this isolate knows of an event's room, from the event's last snapshot.
#[derive(Clone, Debug)]
pub struct RoomInfo {
    pub event_id: i64,
    pub on: bool,
    pub config: RoomConfig,
    pub summary: EventSummary,
    pub opens_at: Option<DateTime<Utc>>,
    pub version: i64,
}

thread_local! {
    static INFO: RefCell<HashMap<String, RoomInfo>> = RefCell::new(HashMap::new());
    /// Whether this isolate last told each room it was sold out.
    static TOLD_SOLD_OUT: RefCell<HashMap<i64, bool>> = RefCell::new(HashMap::new());
    static POLLS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Requests this isolate sent to rooms, and queue polls it answered: for `/__edge/stats`.
pub fn counts() -> (u64, u64) {
    (client::asks(), POLLS.with(|c| c.get()))
}

/// Keeps what the room needs from a freshly read snapshot.
pub fn remember(slug: &str, snapshot: &EventSnapshot, config: &Config) {
    let opens_at = sale::on_sale_at(&snapshot.ticket_types);
    let clamp = |value: i64| u32::try_from(value.max(1)).unwrap_or(u32::MAX);
    let info = RoomInfo {
        event_id: snapshot.event_id,
        on: snapshot.waiting_room,
        config: RoomConfig {
            opens_at_ms: opens_at.map_or(0, |at| at.timestamp_millis()),
            settings: RoomSettings {
                per_minute: clamp(snapshot.waiting_room_per_minute),
                max_active: clamp(snapshot.waiting_room_max_active),
                admission_ms: config.room_admission_seconds as i64 * 1_000,
            },
        },
        summary: EventSummary {
            slug: snapshot.slug.clone(),
            title: snapshot.title.clone(),
            venue: snapshot.venue.clone(),
            starts_at: snapshot.starts_at,
            when_display: snapshot.when_display.clone(),
        },
        opens_at,
        version: snapshot.version,
    };
    INFO.with(|known| known.borrow_mut().insert(slug.to_string(), info));
}

pub fn forget(slug: &str) {
    INFO.with(|known| known.borrow_mut().remove(slug));
}

pub fn known(slug: &str) -> Option<RoomInfo> {
    INFO.with(|known| known.borrow().get(slug).cloned())
}

/// Whether this isolate has read the event's snapshot (cheap: on every page view).
pub fn knows(slug: &str) -> bool {
    INFO.with(|known| known.borrow().contains_key(slug))
}

/// The event's room, when it is on.
fn room_on(slug: &str) -> Option<RoomInfo> {
    INFO.with(|known| known.borrow().get(slug).filter(|info| info.on).cloned())
}

/// The way to the event page for a visitor who must queue first: None when they may see it.
pub async fn must_queue(slug: &str, request: &Request, env: &Env, config: &Config) -> Result<Option<Response>> {
    let (Some(info), Some(key)) = (room_on(slug), config.waiting_room_key.as_deref()) else {
        return Ok(None);
    };
    if admitted(request, key, info.event_id).is_some() || sold_out(slug, &info, env, config).await {
        return Ok(None);
    }
    Ok(Some(see_other(&format!("/e/{slug}/queue"))?))
}

/// The queue page: the same for every visitor, so rendered once per event version and kept.
pub async fn queue_page(slug: &str, request: &Request, env: &Env, config: &Config) -> Result<Response> {
    let Some(info) = pages::room_info(slug, request, config).await else {
        return respond::client_error(404, contract::rules::ErrorCode::NotFound, crate::NOT_FOUND_MESSAGE);
    };
    if !info.on || sold_out(slug, &info, env, config).await {
        return see_other(&format!("/e/{slug}"));
    }
    let key = format!("queue/{slug}");
    let tag = format!("\"queue-{}\"", info.version);
    let cached = crate::memory::with(&crate::memory::PAGES, |pages| pages.get(&key)).filter(|entry| entry.etag.as_deref() == Some(&tag));
    let entry = match cached {
        Some(entry) => entry,
        None => {
            let Some(assets) = pages::site_assets(config).await else {
                return Ok(respond::unavailable("no origin gave the site's assets"));
            };
            let html = queue_document(&info, None, &assets).into_bytes();
            let entry = crate::memory::Entry::new(html, crate::respond::HTML, cache::NO_STORE, Some(tag), Date::now().as_millis());
            crate::memory::with(&crate::memory::PAGES, |pages| pages.put(&key, entry.clone()));
            entry
        }
    };
    respond::cached(&entry, "hit", request)
}

/// `GET /api/events/{slug}/queue`: where the visitor stands, joining them if they are new. A
/// browser's own visit (a page without the script refreshing to this URL) is answered as a page.
pub async fn poll(slug: &str, request: &Request, env: &Env, config: &Config) -> Result<Response> {
    POLLS.with(|c| c.set(c.get() + 1));
    let page = wants_page(request);
    let polled = match pages::room_info(slug, request, config).await {
        Some(info) => match standing(&info, request, env, config).await? {
            Polled::State(state, cookies) if page => return as_page(&info, state, &cookies, request, config).await,
            polled => polled,
        },
        None => Polled::Refused(respond::client_error(404, contract::rules::ErrorCode::NotFound, crate::NOT_FOUND_MESSAGE)),
    };
    match polled {
        Polled::State(state, cookies) => answer(state, &cookies),
        Polled::Refused(refusal) if page => pages::as_page(refusal?, config).await,
        Polled::Refused(refusal) => refusal,
    }
}

/// What a poll came to: the visitor's state and the cookies that carry it, or a refusal.
enum Polled {
    State(QueueState, Vec<String>),
    Refused(Result<Response>),
}

async fn standing(info: &RoomInfo, request: &Request, env: &Env, config: &Config) -> Result<Polled> {
    let slug = info.summary.slug.as_str();
    if !info.on {
        return Ok(Polled::State(QueueState::Open, Vec::new()));
    }
    let Some(key) = config.waiting_room_key.as_deref() else {
        return Ok(Polled::Refused(Ok(respond::unavailable("this sale's waiting room is not set up at the edge (WAITING_ROOM_KEY)"))));
    };
    if sold_out(slug, info, env, config).await {
        return Ok(Polled::State(QueueState::SoldOut, Vec::new()));
    }
    let now = Date::now().as_millis() as i64;
    let visitor = cookie(request, VISITOR_COOKIE).and_then(|value| Visitor::read(key, &value, info.event_id));
    let Some(visitor) = visitor else {
        return join(&new_queue_id(), info, key, env, config).await;
    };
    let view = client::view(info, env, config).await?;
    match visitor.place {
        // Still behind the cursor: answered here, from the copy.
        Some(place) if place >= view.cursor => {
            let position = place - view.cursor + 1;
            Ok(Polled::State(waiting(position, view.per_minute), Vec::new()))
        }
        None if !view.drawn && now < view.opens_at_ms => {
            let opens_at = at(view.opens_at_ms);
            Ok(Polled::State(QueueState::PreQueue { opens_at, in_line: view.status.in_queue }, Vec::new()))
        }
        // Their turn may have come, or their place has just been drawn: the room knows.
        // (Joining someone already in line only finds their place, so this goes with the joins.)
        _ => match client::join(info, &visitor.queue_id, env, config).await? {
            // Let in before, and ordered or out of time: back of the line, as someone new.
            Standing { place: Place::Unknown, .. } => join(&new_queue_id(), info, key, env, config).await,
            standing => reply(&visitor.queue_id, standing, info, key, env, config).await,
        },
    }
}

async fn join(queue_id: &str, info: &RoomInfo, key: &[u8], env: &Env, config: &Config) -> Result<Polled> {
    let standing = client::join(info, queue_id, env, config).await?;
    reply(queue_id, standing, info, key, env, config).await
}

/// The poll's answer from the room's: the state, and the cookies that carry it.
async fn reply(queue_id: &str, standing: Standing, info: &RoomInfo, key: &[u8], env: &Env, config: &Config) -> Result<Polled> {
    let place_cookie = Visitor { queue_id: queue_id.to_string(), place: standing.number }.write(key, info.event_id);
    // Only the poll reads the place, and each event's is its own.
    let visitor_cookie = set_cookie(VISITOR_COOKIE, &place_cookie, &format!("/api/events/{}/queue", info.summary.slug), 86_400, config);
    Ok(match standing.place {
        Place::PreQueue { opens_at_ms, in_line } => {
            Polled::State(QueueState::PreQueue { opens_at: at(opens_at_ms), in_line: in_line as u64 }, vec![visitor_cookie])
        }
        Place::Waiting { position, .. } => {
            // The room's pace, from the copy its answer has just refreshed.
            let per_minute = client::view(info, env, config).await?.per_minute;
            Polled::State(waiting(position, per_minute), vec![visitor_cookie])
        }
        Place::Admitted { expires_at_ms } => {
            let admission = Admission { event_id: info.event_id, queue_id: queue_id.to_string(), expires_at: expires_at_ms / 1_000 };
            let left = (expires_at_ms - Date::now().as_millis() as i64).max(0) / 1_000;
            let admission_cookie = set_cookie(admission::COOKIE, &admission::sign(key, &admission), "/", left, config);
            Polled::State(QueueState::Admitted { until: at(expires_at_ms) }, vec![visitor_cookie, admission_cookie])
        }
        Place::SoldOut => Polled::State(QueueState::SoldOut, Vec::new()),
        Place::Unknown => Polled::Refused(Ok(respond::unavailable("the waiting room lost this place"))),
    })
}

/// A browser's visit, not the page's script: navigations ask for HTML, the script's fetch does not.
fn wants_page(request: &Request) -> bool {
    request.headers().get("accept").ok().flatten().is_some_and(|accept| accept.contains("text/html"))
}

/// The poll's answer as a page, for a browser without the script: still waiting, the queue page
/// with the visitor's place (their own, so never stored); let in, sold out or no room, the event
/// page, where the admission now lets them buy or the waiting list takes their name.
async fn as_page(info: &RoomInfo, state: QueueState, cookies: &[String], request: &Request, config: &Config) -> Result<Response> {
    let mut response = match state {
        QueueState::PreQueue { .. } | QueueState::Waiting { .. } => {
            let Some(assets) = pages::site_assets(config).await else {
                return Ok(respond::unavailable("no origin gave the site's assets"));
            };
            let status = QueueStatus { poll_after_ms: poll_after_ms(&state), state };
            respond::page(queue_document(info, Some(status), &assets), cache::NO_STORE, request)?
        }
        QueueState::Admitted { .. } | QueueState::Open | QueueState::SoldOut => see_other(&format!("/e/{}", info.summary.slug))?,
    };
    for cookie in cookies {
        response.headers_mut().append("set-cookie", cookie)?;
    }
    Ok(response)
}

/// The queue page as of now: the one every visitor gets (no `status`), or a poll's with its place.
fn queue_document(info: &RoomInfo, status: Option<QueueStatus>, assets: &app::document::Assets) -> String {
    let data = PageData {
        now: at(Date::now().as_millis() as i64),
        page: Page::Queue(QueuePageData { event: info.summary.clone(), opens_at: info.opens_at, status }),
    };
    render_document(&data, assets)
}

/// A visitor sent on to `location`, never stored: where they go depends on their place and the sale.
fn see_other(location: &str) -> Result<Response> {
    let mut response = Response::empty()?.with_status(303);
    response.headers_mut().set("location", location)?;
    response.headers_mut().set("cache-control", cache::NO_STORE)?;
    Ok(response)
}

/// After an order through the edge: the buyer's admission stops counting, so the next can come in.
pub async fn ordered(admission_token: &str, env: &Env, config: &Config) {
    let Some(key) = config.waiting_room_key.as_deref() else { return };
    let Some(event_id) = admission::named_event(admission_token) else { return };
    let now = Date::now().as_millis() as i64 / 1_000;
    if let Ok(admission) = admission::verify(key, Some(admission_token), event_id, now) {
        let _ = client::send(event_id, &RoomRequest { event_id, config: None, ask: Ask::Done { visitor: admission.queue_id } }, env).await;
    }
}

/// The origin answered a hold of the event with 503: its room lets fewer in for a while.
pub async fn origin_overloaded(slug: &str, env: &Env) {
    if let Some(info) = room_on(slug) {
        let _ = ask(&info, Ask::SlowDown, env).await;
    }
}

fn waiting(position: u64, per_minute: u32) -> QueueState {
    let per_minute = u64::from(per_minute.max(1));
    QueueState::Waiting { position, estimated_wait_seconds: (position * 60 / per_minute) as i64 }
}

/// The moment `ms` milliseconds after the epoch (the runtime's clock, `Date::now()`).
pub(crate) fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// When the page should ask again: often near the front or the moment, seldom far from them (a
/// fifth of the wait, so a turn is noticed within a fifth of the time left), and never less often
/// than every `MOST_POLL_MS` (Cloudflare's own waiting room refreshes every 20 s).
fn poll_after_ms(state: &QueueState) -> u32 {
    let now = at(Date::now().as_millis() as i64);
    let ms = match state {
        QueueState::PreQueue { opens_at, .. } => (*opens_at - now).num_milliseconds() / 4,
        QueueState::Waiting { estimated_wait_seconds, .. } => estimated_wait_seconds * 200,
        // Tickets that come back reopen the line: the page keeps an eye on it, seldom.
        QueueState::SoldOut => return SOLD_OUT_POLL_MS,
        QueueState::Admitted { .. } | QueueState::Open => return 0,
    };
    ms.clamp(1_000, MOST_POLL_MS) as u32
}

fn answer(state: QueueState, cookies: &[String]) -> Result<Response> {
    let status = QueueStatus { poll_after_ms: poll_after_ms(&state), state };
    let mut response = Response::from_json(&status)?;
    let headers = response.headers_mut();
    headers.set("cache-control", cache::NO_STORE)?;
    for cookie in cookies {
        headers.append("set-cookie", cookie)?;
    }
    Ok(response)
}

fn set_cookie(name: &str, value: &str, path: &str, max_age_seconds: i64, config: &Config) -> String {
    let secure = if config.secure_cookies { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}")
}

fn cookie(request: &Request, name: &str) -> Option<String> {
    let header = request.headers().get("cookie").ok().flatten()?;
    admission::cookie(&header, name).map(str::to_string)
}

/// The visitor's admission to `event_id`, if their cookie carries a valid one.
fn admitted(request: &Request, key: &[u8], event_id: i64) -> Option<Admission> {
    let token = cookie(request, admission::COOKIE)?;
    admission::verify(key, Some(&token), event_id, Date::now().as_millis() as i64 / 1_000).ok()
}

/// A visitor's place cookie: `q1.<event>.<queue id>.<place or ->`, sealed with the room's key.
struct Visitor {
    queue_id: String,
    place: Option<u64>,
}

impl Visitor {
    fn read(key: &[u8], value: &str, event_id: i64) -> Option<Visitor> {
        let payload = admission::unseal(key, value)?;
        let mut parts = payload.split('.');
        let (Some("q1"), Some(event), Some(queue_id), Some(place), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        if event.parse::<i64>().ok()? != event_id || !admission::is_valid_queue_id(queue_id) {
            return None;
        }
        let place = if place == "-" { None } else { Some(place.parse().ok()?) };
        Some(Visitor { queue_id: queue_id.to_string(), place })
    }

    fn write(&self, key: &[u8], event_id: i64) -> String {
        let place = self.place.map_or_else(|| "-".to_string(), |place| place.to_string());
        admission::seal(key, &format!("q1.{event_id}.{}.{place}", self.queue_id))
    }
}

/// A new visitor's queue id: 128 random bits, so places cannot be guessed or counted.
fn new_queue_id() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether nothing is left to buy, from this edge's availability (one origin read per second per
/// isolate, whatever the number of visitors); the room hears of each change once per isolate.
async fn sold_out(slug: &str, info: &RoomInfo, env: &Env, config: &Config) -> bool {
    let Some(availability) = pages::availability_now(slug, config).await else {
        return false;
    };
    let gone = sale::nothing_left(availability.ticket_types.iter().map(|t| t.status));
    let told = TOLD_SOLD_OUT.with(|told| told.borrow().get(&info.event_id).copied());
    let news = told != Some(gone) && (gone || told.is_some());
    if news && ask(info, Ask::SoldOut { sold_out: gone }, env).await.is_ok() {
        TOLD_SOLD_OUT.with(|told| told.borrow_mut().insert(info.event_id, gone));
    }
    gone
}
