//! The room: one Durable Object per event (named `event-<id>`), the one place that event's line is
//! kept. Every isolate asks it (`protocol`), and it answers from the line in its memory.
//!
//! Policy: the line in memory is the truth while the object lives, and every change to it is
//! written to the object's SQLite storage before the answer leaves (the runtime holds the answer
//! until the write is durable), so an object restarted or moved mid-queue carries on with every
//! place kept. What is written per change is small: a join is one row, a tick one progress row plus
//! the admissions it made; the draw is stored as its seed and replayed on load. The line moves on
//! (the draw at the on-sale moment, admissions at the rate) whenever it is asked, and every isolate
//! asks every second or two while anyone waits, so the room needs no timer of its own.
//!
//! The room reports itself to the origins (in queue, let in, in at once, the wait, its pace) at
//! most every `REPORT_EVERY_MS` while it is asked, sealed with the room's key, after its answer and
//! off the asker's path: that is what the organiser sees in the admin.
use super::line::{Line, Progress};
use super::protocol::{Ask, RoomAnswer, RoomRequest, RoomView, Standing};
use crate::config::Config;
use contract::model::RoomReport;
use contract::rules::admission::is_valid_queue_id;
use std::cell::{Cell, RefCell};
use worker::{durable_object, DurableObject, Env, Headers, Method, Request, Response, Result, SqlStorage, SqlStorageValue, State};

/// How often, at most, a room tells the origins how it stands.
pub const REPORT_EVERY_MS: i64 = 5_000;

/// The most visitors one request may join (an isolate sends more as several).
pub const MAX_JOINS: usize = 500;

#[durable_object]
pub struct Room {
    state: State,
    env: Env,
    line: RefCell<Option<Line>>,
    reported_at_ms: Cell<i64>,
}

impl DurableObject for Room {
    fn new(state: State, env: Env) -> Self {
        Room { state, env, line: RefCell::new(None), reported_at_ms: Cell::new(0) }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        let Ok(asked) = request.json::<RoomRequest>().await else {
            return Response::error("not a room request", 400);
        };
        let visitors = match &asked.ask {
            Ask::Join { visitors } => visitors.as_slice(),
            Ask::Done { visitor } => std::slice::from_ref(visitor),
            _ => &[],
        };
        if visitors.len() > MAX_JOINS || !visitors.iter().all(|visitor| is_valid_queue_id(visitor)) {
            return Response::error("not a queue id, or too many", 400);
        }
        // From here to the answer nothing awaits: no other request sees the line half changed.
        let now = worker::Date::now().as_millis() as i64;
        let event_id = asked.event_id;
        let answer = self.answer(asked, now)?;
        if now - self.reported_at_ms.get() >= REPORT_EVERY_MS {
            self.reported_at_ms.set(now);
            let status = &answer.view.status;
            let report = RoomReport {
                in_queue: status.in_queue as i64,
                admitted: status.admitted as i64,
                active: status.active as i64,
                estimated_wait_seconds: status.estimated_wait_ms / 1_000,
                per_minute_now: i64::from(status.per_minute_now),
                sold_out: status.sold_out,
            };
            let config = Config::get(&self.env);
            self.state.wait_until(async move { report_to_origins(event_id, &report, &config).await });
        }
        Response::from_json(&answer)
    }
}

/// Sends the room's report to the first origin that takes it; a report lost is replaced by the next.
async fn report_to_origins(event_id: i64, report: &RoomReport, config: &Config) {
    let (Some(key), Ok(json)) = (config.waiting_room_key.as_deref(), serde_json::to_string(report)) else {
        return;
    };
    let sealed = contract::rules::admission::seal(key, &json);
    let headers = Headers::new();
    let _ = headers.set("content-type", "text/plain");
    // A report replaces the last one: sending it again to the next origin is safe.
    let _ = headers.set("idempotency-key", &format!("room-{event_id}-{}", worker::Date::now().as_millis()));
    let path = format!("/api/rooms/{event_id}/report");
    if let Err(reason) = crate::origins::send(&path, Method::Post, &headers, Some(sealed.as_bytes()), config).await {
        worker::console_warn!("the waiting room of event {event_id} could not report to any origin: {reason}");
    }
}

impl Room {
    fn answer(&self, asked: RoomRequest, now: i64) -> Result<RoomAnswer> {
        let sql = self.state.storage().sql();
        let mut slot = self.line.borrow_mut();
        if slot.is_none() {
            *slot = load(&sql)?;
        }
        let Some(config) = asked.config.or_else(|| {
            slot.as_ref().map(|line| super::protocol::RoomConfig { opens_at_ms: line.opens_at_ms(), settings: line.settings() })
        }) else {
            return Err(worker::Error::RustError("a room's first request must carry its settings".into()));
        };
        let line = slot.get_or_insert_with(|| Line::new(config.opens_at_ms, config.settings));
        let (arrivals_before, cursor_before) = (line.arrivals(), line.cursor());
        line.set_settings(config.opens_at_ms, config.settings);
        line.tick(now, seed());
        let mut done = None;
        let standings = match &asked.ask {
            Ask::View => vec![],
            Ask::Join { visitors } => visitors
                .iter()
                .map(|visitor| {
                    let place = line.join(visitor, now);
                    Standing { place, number: line.place_of(visitor) }
                })
                .collect(),
            Ask::Done { visitor } => {
                done = line.place_of(visitor);
                line.done(visitor);
                vec![]
            }
            Ask::SoldOut { sold_out } => {
                line.set_sold_out(*sold_out);
                vec![]
            }
            Ask::SlowDown => {
                line.slow_down(now);
                vec![]
            }
        };
        save(&sql, line, arrivals_before, cursor_before, done, now)?;
        Ok(RoomAnswer { standings, view: view(line, now) })
    }
}

pub fn view(line: &Line, now: i64) -> RoomView {
    RoomView {
        opens_at_ms: line.opens_at_ms(),
        drawn: line.drawn(),
        cursor: line.cursor(),
        per_minute: line.per_minute_now().round().max(1.0) as u32,
        status: line.status(now),
    }
}

/// The draw's seed: from the runtime's cryptographic randomness, so nobody can work out the
/// lottery's order in advance.
fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    // The runtime always has crypto.getRandomValues; were it to fail, the draw is still a shuffle.
    let _ = getrandom::fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS arrivals (number INTEGER PRIMARY KEY, visitor TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS active (place INTEGER PRIMARY KEY, until INTEGER NOT NULL);
     CREATE TABLE IF NOT EXISTS progress (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);";

fn run(sql: &SqlStorage, query: &str, bindings: Vec<SqlStorageValue>) -> Result<()> {
    // A cursor is run as it is read: reading it to the end runs the statement to the end.
    sql.exec(query, bindings)?.raw().for_each(drop);
    Ok(())
}

fn number(value: u64) -> SqlStorageValue {
    SqlStorageValue::from(i64::try_from(value).unwrap_or(i64::MAX))
}

fn load(sql: &SqlStorage) -> Result<Option<Line>> {
    run(sql, SCHEMA, vec![])?;
    #[derive(serde::Deserialize)]
    struct Json {
        json: String,
    }
    let Some(stored) = sql.exec("SELECT json FROM progress WHERE id = 1", None)?.to_array::<Json>()?.pop() else {
        return Ok(None);
    };
    let progress: Progress = serde_json::from_str(&stored.json).map_err(|err| worker::Error::RustError(err.to_string()))?;
    #[derive(serde::Deserialize)]
    struct Arrival {
        visitor: String,
    }
    let arrivals = sql.exec("SELECT visitor FROM arrivals ORDER BY number", None)?.to_array::<Arrival>()?;
    #[derive(serde::Deserialize)]
    struct Active {
        place: i64,
        until: i64,
    }
    let active = sql.exec("SELECT place, until FROM active ORDER BY until, place", None)?.to_array::<Active>()?;
    Ok(Some(Line::restore(
        progress,
        arrivals.into_iter().map(|arrival| arrival.visitor).collect(),
        active.into_iter().map(|active| (active.place as u64, active.until)).collect(),
    )))
}

/// Writes what changed since `arrivals_before` and `cursor_before`: new arrivals, new admissions,
/// admissions ended (expired, or the visitor at place `done` finished), and the progress.
fn save(sql: &SqlStorage, line: &Line, arrivals_before: u64, cursor_before: u64, done: Option<u64>, now: i64) -> Result<()> {
    for number_ in arrivals_before..line.arrivals() {
        if let Some(visitor) = line.arrival(number_) {
            run(sql, "INSERT OR REPLACE INTO arrivals (number, visitor) VALUES (?, ?)", vec![number(number_), visitor.into()])?;
        }
    }
    // The line lets people in only at the cursor, so the new admissions are the last ones.
    let admitted = line.cursor() - cursor_before;
    for (place, until) in line.active().filter(|&(place, _)| place >= cursor_before).take(admitted as usize) {
        run(sql, "INSERT OR REPLACE INTO active (place, until) VALUES (?, ?)", vec![number(place), until.into()])?;
    }
    run(sql, "DELETE FROM active WHERE until <= ?", vec![now.into()])?;
    if let Some(place) = done {
        run(sql, "DELETE FROM active WHERE place = ?", vec![number(place)])?;
    }
    let progress = serde_json::to_string(&line.progress()).map_err(|err| worker::Error::RustError(err.to_string()))?;
    run(sql, "INSERT OR REPLACE INTO progress (id, json) VALUES (1, ?)", vec![progress.into()])
}
