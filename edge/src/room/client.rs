//! How an isolate asks an event's room (its Durable Object), and the copy of the room's state it
//! keeps from the answers.
//!
//! Policy: one room serves every isolate, one request at a time, so the isolate asks it as seldom
//! as it can.
//! - Joins are gathered: while one join request to a room is on its way, the visitors who arrive
//!   wait and go together in the next (at most `MAX_JOINS`), in the order they came. At the
//!   on-sale moment, when thousands arrive in a second, the room is asked once per round trip, not
//!   once per visitor; when few arrive, a join goes at once, alone. A visitor waits at most
//!   `ORIGIN_TIMEOUT_MS` for their standing.
//! - The copy of the room's state (`RoomView`) is refreshed when older than `ROOM_VIEW_FRESH_MS`,
//!   by one request at a time: the polls that arrive meanwhile are answered from the copy it
//!   replaces, no older than that request's round trip.
use super::entrance::RoomInfo;
use super::object::MAX_JOINS;
use super::protocol::{Ask, RoomAnswer, RoomRequest, RoomView, Standing};
use crate::config::Config;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;
use worker::{Date, Delay, Env, Headers, Method, Request, RequestInit, Result};

/// An event's joins at this isolate: whether a join request is on its way, who waits for the next
/// (ticket, visitor), and the standings come back for those who have not yet looked.
#[derive(Default)]
struct Joins {
    asking: bool,
    waiting: VecDeque<(u64, String)>,
    answered: HashMap<u64, std::result::Result<Standing, String>>,
}

thread_local! {
    /// Each room's state as last heard, and when (this isolate's copy).
    static VIEWS: RefCell<HashMap<i64, (RoomView, u64)>> = RefCell::new(HashMap::new());
    /// Rooms whose copy is being refreshed now.
    static REFRESHING: RefCell<HashSet<i64>> = RefCell::new(HashSet::new());
    static JOINS: RefCell<HashMap<i64, Joins>> = RefCell::new(HashMap::new());
    static TICKETS: Cell<u64> = const { Cell::new(0) };
    static ASKS: Cell<u64> = const { Cell::new(0) };
}

/// How often a waiting join looks whether its standing has come back. (It must wake on a timer of
/// its own: the runtime cancels a request woken only by another request's work as hung.)
const LOOK_EVERY_MS: u64 = 5;

fn with_joins<T>(event_id: i64, f: impl FnOnce(&mut Joins) -> T) -> T {
    JOINS.with(|joins| f(joins.borrow_mut().entry(event_id).or_default()))
}

/// Requests this isolate sent to rooms (for `/__edge/stats`).
pub fn asks() -> u64 {
    ASKS.with(Cell::get)
}

/// Joins `visitor` to the event's line (or finds their place), with whoever else is joining at
/// this isolate meanwhile.
pub async fn join(info: &RoomInfo, visitor: &str, env: &Env, config: &Config) -> Result<Standing> {
    let ticket = TICKETS.with(|tickets| {
        tickets.set(tickets.get() + 1);
        tickets.get()
    });
    with_joins(info.event_id, |joins| joins.waiting.push_back((ticket, visitor.to_string())));
    let _waiting = Waiting { event_id: info.event_id, ticket };
    let deadline = Date::now().as_millis() + config.origin_timeout_ms;
    loop {
        if let Some(standing) = with_joins(info.event_id, |joins| joins.answered.remove(&ticket)) {
            return standing.map_err(worker::Error::RustError);
        }
        // Nobody is asking the room: this request asks, for everyone waiting.
        if with_joins(info.event_id, |joins| !std::mem::replace(&mut joins.asking, true)) {
            ask_for_the_waiting(info, env).await;
            continue;
        }
        if Date::now().as_millis() >= deadline {
            return Err(worker::Error::RustError("the waiting room did not answer in time".into()));
        }
        Delay::from(Duration::from_millis(LOOK_EVERY_MS)).await;
    }
}

/// One join request for those waiting (the oldest `MAX_JOINS`); their standings are left for them.
async fn ask_for_the_waiting(info: &RoomInfo, env: &Env) {
    let batch: Vec<(u64, String)> = with_joins(info.event_id, |joins| {
        let take = joins.waiting.len().min(MAX_JOINS);
        joins.waiting.drain(..take).collect()
    });
    // Whatever becomes of this request, those in the batch hear, and the next may ask.
    let mut asking = Asking { event_id: info.event_id, batch };
    let visitors = asking.batch.iter().map(|(_, visitor)| visitor.clone()).collect();
    let outcome = match ask(info, Ask::Join { visitors }, env).await {
        Ok(answer) if answer.standings.len() == asking.batch.len() => Ok(answer.standings),
        Ok(_) => Err("the room answered for other visitors than asked".to_string()),
        Err(err) => Err(err.to_string()),
    };
    let batch = std::mem::take(&mut asking.batch);
    with_joins(info.event_id, |joins| match outcome {
        Ok(standings) => joins.answered.extend(batch.into_iter().map(|(ticket, _)| ticket).zip(standings.into_iter().map(Ok))),
        Err(reason) => joins.answered.extend(batch.into_iter().map(|(ticket, _)| (ticket, Err(reason.clone())))),
    });
}

/// A join request on its way, with the batch it has not yet answered: dropped before its answer
/// (its request gone), it tells them so.
struct Asking {
    event_id: i64,
    batch: Vec<(u64, String)>,
}

impl Drop for Asking {
    fn drop(&mut self) {
        let unanswered = std::mem::take(&mut self.batch);
        with_joins(self.event_id, |joins| {
            joins.asking = false;
            let reason = "the request asking the room went away";
            joins.answered.extend(unanswered.into_iter().map(|(ticket, _)| (ticket, Err(reason.to_string()))));
        });
    }
}

/// A visitor waiting to join. Gone (answered, or its request dropped), nothing of it is left.
struct Waiting {
    event_id: i64,
    ticket: u64,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        with_joins(self.event_id, |joins| {
            joins.waiting.retain(|(ticket, _)| *ticket != self.ticket);
            joins.answered.remove(&self.ticket);
        });
    }
}

/// An event's view being refreshed; done (or dropped), the next stale poll may refresh it.
struct Refreshing(i64);

impl Drop for Refreshing {
    fn drop(&mut self) {
        REFRESHING.with(|refreshing| refreshing.borrow_mut().remove(&self.0));
    }
}

/// This isolate's copy of the room's state, refreshed when older than `ROOM_VIEW_FRESH_MS`.
pub async fn view(info: &RoomInfo, env: &Env, config: &Config) -> Result<RoomView> {
    let now = Date::now().as_millis();
    let copy = VIEWS.with(|views| views.borrow().get(&info.event_id).cloned());
    if let Some((view, _)) = copy.as_ref().filter(|(_, heard_at)| now.saturating_sub(*heard_at) < config.room_view_fresh_ms) {
        return Ok(view.clone());
    }
    let refreshes = REFRESHING.with(|refreshing| refreshing.borrow_mut().insert(info.event_id));
    let _refreshing = refreshes.then_some(Refreshing(info.event_id));
    if let Some((view, _)) = copy.filter(|_| !refreshes) {
        return Ok(view);
    }
    Ok(ask(info, Ask::View, env).await?.view)
}

/// Asks the event's room, and keeps the state it answers with.
pub async fn ask(info: &RoomInfo, ask: Ask, env: &Env) -> Result<RoomAnswer> {
    let answer = send(info.event_id, &RoomRequest { event_id: info.event_id, config: Some(info.config), ask }, env).await?;
    let heard_at = Date::now().as_millis();
    VIEWS.with(|views| views.borrow_mut().insert(info.event_id, (answer.view.clone(), heard_at)));
    Ok(answer)
}

pub async fn send(event_id: i64, asked: &RoomRequest, env: &Env) -> Result<RoomAnswer> {
    ASKS.with(|c| c.set(c.get() + 1));
    let stub = env.durable_object("ROOMS")?.id_from_name(&format!("event-{event_id}"))?.get_stub()?;
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    let body = serde_json::to_string(asked).map_err(|err| worker::Error::RustError(err.to_string()))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
    let mut response = stub.fetch_with_request(Request::new_with_init("https://room/", &init)?).await?;
    if response.status_code() != 200 {
        return Err(worker::Error::RustError(format!("the room answered {}", response.status_code())));
    }
    response.json().await
}
