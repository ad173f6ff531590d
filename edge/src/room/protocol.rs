//! What the edge's isolates ask an event's room (its Durable Object) and what it answers: JSON
//! over the object's `fetch`, one request shape and one answer shape.
use super::line::{Place, RoomSettings, RoomStatus};
use serde::{Deserialize, Serialize};

/// The event's room settings as the isolate last read them from the event's snapshot: the room
/// takes them on with every request, so an organiser's change reaches it within a page refresh.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomConfig {
    pub opens_at_ms: i64,
    pub settings: RoomSettings,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "ask", rename_all = "snake_case")]
pub enum Ask {
    /// Only the room's state (and a tick): what an isolate's copy is refreshed from.
    View,
    /// Join the line, or find one's place in it: everyone an isolate had joining while its last
    /// request was on its way, in the order they came (`client::join`).
    Join { visitors: Vec<String> },
    /// The visitor has ordered: their admission stops counting.
    Done { visitor: String },
    /// The gate says there is nothing left (or something again).
    SoldOut { sold_out: bool },
    /// The origin answered a hold with 503: let fewer in for a while.
    SlowDown,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomRequest {
    /// The event whose room this is (what its reports to the origins name).
    pub event_id: i64,
    /// None when the asker does not know the event's settings (the room keeps its own).
    pub config: Option<RoomConfig>,
    #[serde(flatten)]
    pub ask: Ask,
}

/// The room's state that every isolate keeps a copy of, so that a waiting visitor's poll is
/// answered without asking the room: a place at or past `cursor` is still waiting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomView {
    pub opens_at_ms: i64,
    pub drawn: bool,
    pub cursor: u64,
    pub per_minute: u32,
    pub status: RoomStatus,
}

/// Where one visitor stands, and their place number once they have one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    pub place: Place,
    pub number: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomAnswer {
    /// For `Join`: one per visitor asked about, in the order asked.
    pub standings: Vec<Standing>,
    pub view: RoomView,
}
