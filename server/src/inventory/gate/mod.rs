//! The inventory gate: an admission check in front of the database, per ticket type.
//!
//! Policy (contract 3 of DESIGN.md): the gate may say "sold out" without asking the database, and
//! that is what shields the database when ten thousand buyers arrive for eight hundred tickets.
//! It may never make the database sell what it does not have: a hold is real only when the
//! database has it. So every error the gate can make must be on the safe side, or be corrected:
//! - it counts stock as `capacity - sold - held` per ticket type, loaded from the database;
//! - a hold takes from the gate first, then from the database; if the database refuses, the stock
//!   goes back to the gate and the event is reloaded (a drift was found);
//! - released and expired holds give their stock back to the gate after the database has it;
//! - the gate is reloaded from the database at start (lazily, per event, before its first use),
//!   after every reconnection (a restart or failover may have lost or rolled back writes), when a
//!   key is missing (flushed), and periodically, so a drift in either direction heals.
//!
//! Two implementations: [`RedisGate`] for several origins (shared, survives origin restarts) and
//! [`LocalGate`] for the embedded single-process default.
mod local;
mod redis;

pub use self::local::LocalGate;
pub use self::redis::{RedisGate, RedisSettings, RedisTarget};

use async_trait::async_trait;
use contract::model::TicketTypeId;

/// (ticket type, quantity) pairs, one per type.
pub type Items = [(TicketTypeId, i64)];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    /// The stock was taken from the gate; the database decides next.
    Admitted,
    /// Not enough for at least one item; nothing was taken. The gate's level for each item.
    Refused(Vec<(TicketTypeId, i64)>),
    /// At least one ticket type has no level in the gate (never loaded, or flushed): load the
    /// event, then ask again. Nothing was taken.
    NotLoaded,
}

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// The gate cannot answer now (Redis down, timed out, failing over): use the database path.
    #[error("the inventory gate is unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Gate: Send + Sync + 'static {
    /// "redis" or "local", for health output and logs.
    fn kind(&self) -> &'static str;

    /// Changes whenever the gate may have lost or rolled back state behind our back (a new
    /// connection, perhaps to a new primary): every event must be reloaded before it is trusted.
    fn generation(&self) -> u64;

    /// Connected the last time it was used (for metrics; `ping` is the real check).
    fn is_up(&self) -> bool;

    /// Takes every item's quantity, or none.
    async fn take(&self, items: &Items) -> Result<Admission, GateError>;

    /// Returns stock (a hold refused by the database, released or expired). Types with no level
    /// are skipped: their next load reads the database, which already has the stock back.
    async fn give_back(&self, items: &Items) -> Result<(), GateError>;

    /// Sets the levels, as read from the database.
    async fn load(&self, levels: &Items) -> Result<(), GateError>;

    /// The level of one ticket type as the gate has it (None: not loaded), for operators and tests
    /// that check the gate against the database.
    async fn level(&self, ticket_type_id: TicketTypeId) -> Result<Option<i64>, GateError>;

    /// Can the gate answer now? (readiness)
    async fn ping(&self) -> Result<(), GateError>;

    /// Connected, and to what, for /readyz and metrics: e.g. "redis 127.0.0.1:6380 (primary)".
    fn describe(&self) -> String;
}
