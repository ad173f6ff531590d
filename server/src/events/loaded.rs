//! An event as this origin serves it: loaded once per cache TTL, serialised and tagged once per
//! load rather than once per request.
use axum::body::Bytes;
use contract::model::{Availability, EventSnapshot, TicketTypeId, TicketTypeSnapshot};
use sha2::{Digest, Sha256};

/// An event as served: its id, its snapshot, and the JSON of the snapshot and of its availability,
/// each serialised and tagged once per load rather than once per request.
pub struct LoadedEvent {
    pub id: i64,
    /// Public: what the snapshot API, the availability API and the event page show (and every
    /// cache in front of them keeps).
    pub snapshot: EventSnapshot,
    pub snapshot_json: TaggedJson,
    pub availability_json: TaggedJson,
    /// The event page's HTML, rendered by the first request that needs it.
    pub page_html: std::sync::OnceLock<Bytes>,
    /// Ticket types sold only with an access code. Kept beside the snapshot, never in it: nothing
    /// here is serialised into a cacheable response.
    pub secret_types: Vec<SecretTicketType>,
    /// Every ticket type's id, public and secret, in display order.
    display_order: Vec<TicketTypeId>,
}

/// A secret ticket type and the code that unlocks it.
pub struct SecretTicketType {
    pub access_code: String,
    pub info: TicketTypeSnapshot,
}

impl SecretTicketType {
    /// Codes are compared trimmed and without regard to case: they are read out and typed on phones.
    pub fn unlocked_by(&self, code: &str) -> bool {
        let (ours, theirs) = (self.access_code.trim(), code.trim());
        !ours.is_empty() && ours.chars().flat_map(char::to_lowercase).eq(theirs.chars().flat_map(char::to_lowercase))
    }
}

impl LoadedEvent {
    /// `display_order`: every type's id (public and secret) in the order the organiser set.
    pub fn new(id: i64, snapshot: EventSnapshot, secret_types: Vec<SecretTicketType>, display_order: Vec<TicketTypeId>) -> LoadedEvent {
        let availability_json = TaggedJson::of(&Availability::from(&snapshot));
        LoadedEvent {
            id,
            snapshot_json: TaggedJson::of(&snapshot),
            availability_json,
            snapshot,
            page_html: Default::default(),
            secret_types,
            display_order,
        }
    }

    /// Where a ticket type goes in lists (holds, orders), secret types among the public ones.
    pub fn position(&self, id: TicketTypeId) -> Option<usize> {
        self.display_order.iter().position(|&known| known == id)
    }

    /// The secret types `code` unlocks (none for a blank code).
    pub fn unlocked_by<'a, 'c>(&'a self, code: &'c str) -> impl Iterator<Item = &'a TicketTypeSnapshot> + use<'a, 'c> {
        self.secret_types.iter().filter(move |secret| secret.unlocked_by(code)).map(|secret| &secret.info)
    }
}

/// A JSON body and its ETag. The tag covers the content but not `generated_at`, so a poll that
/// finds nothing changed can be answered with a 304.
pub struct TaggedJson {
    pub body: Bytes,
    pub etag: String,
}

impl TaggedJson {
    fn of<T: serde::Serialize>(value: &T) -> TaggedJson {
        let mut content = serde_json::to_value(value).expect("API types serialise");
        let body = serde_json::to_vec(&content).expect("JSON values serialise");
        if let Some(fields) = content.as_object_mut() {
            fields.remove("generated_at");
        }
        let tagged = serde_json::to_vec(&content).expect("JSON values serialise");
        TaggedJson { body: Bytes::from(body), etag: format!("\"{}\"", hex::encode(&Sha256::digest(&tagged)[..12])) }
    }
}
