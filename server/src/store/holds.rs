//! Holds: stock set aside for one buyer until it expires, is released, or becomes an order.
//!
//! Policy: a hold takes its stock in the transaction that writes it, all items or none, and
//! gives it back in the transaction that closes it (`released`, `expired`); a hold is closed by a
//! conditional UPDATE on `status = 'active'`, so of a release, an expiry and an order racing for
//! the same hold exactly one wins. A hold past `expires_at` but not reaped yet counts as expired
//! everywhere (its stock is for sale, it cannot become an order).
use super::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::model::{HoldStatus, TicketTypeId};
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct NewHold {
    pub id: Uuid,
    pub event_id: i64,
    /// (ticket type, quantity), one entry per type.
    pub items: Vec<(TicketTypeId, i64)>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The buyer's place in the event's waiting room, when the room is on (`rules::admission`).
    pub admission_id: Option<String>,
}

#[derive(Clone, Debug)]
pub enum HoldOutcome {
    /// Held; each item's unit price as the hold recorded it (the price the order will charge).
    Created { unit_prices: Vec<(TicketTypeId, i64)> },
    /// Not enough stock for at least one item; nothing was held. What is left of each type asked for.
    Short(Vec<(TicketTypeId, i64)>),
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HoldRecord {
    pub id: Uuid,
    pub event_id: i64,
    pub status: HoldStatus,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Read by a join of the same statement, not a column.
    #[sqlx(skip)]
    pub items: Vec<HoldItemRecord>,
}

#[derive(Clone, Debug)]
pub struct HoldItemRecord {
    pub ticket_type_id: TicketTypeId,
    pub name: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
}

/// Stock that went back on sale (a hold released or expired, an order cancelled), per ticket
/// type: what the inventory gate must be given back.
pub type ReturnedStock = Vec<(TicketTypeId, i64)>;

/// Holds closed by the reaper: how many, and the stock they returned.
#[derive(Clone, Debug, Default)]
pub struct ExpiredHolds {
    pub holds: u64,
    pub returned: ReturnedStock,
}

#[async_trait]
pub trait Holds: Send + Sync {
    /// Takes stock for every item of each hold, or for none of that hold, all in one transaction:
    /// one UPDATE per ticket type for the whole batch instead of one per hold. Outcomes are in the
    /// order of `holds`; earlier holds are served first.
    async fn create_holds(&self, holds: &[NewHold]) -> StoreResult<Vec<HoldOutcome>>;

    /// Takes stock for every item, or for none.
    async fn create_hold(&self, hold: &NewHold) -> StoreResult<HoldOutcome> {
        let mut outcomes = self.create_holds(std::slice::from_ref(hold)).await?;
        outcomes.pop().ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("a batch of one hold gave no outcome")))
    }
    async fn hold(&self, id: Uuid) -> StoreResult<Option<HoldRecord>>;
    /// Whether a place in the waiting room keeps a live hold at `now`.
    async fn admission_has_live_hold(&self, admission_id: &str, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Gives a live hold's stock back. Returns the hold's status afterwards (None: no such hold) and
    /// the stock this call returned (empty if the hold was not live).
    async fn release_hold(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<Option<(HoldStatus, ReturnedStock)>>;
    /// Turns every hold expired by `now` (at most `limit`) into stock for sale.
    async fn expire_holds(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<ExpiredHolds>;
}
