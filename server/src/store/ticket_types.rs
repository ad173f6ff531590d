//! Ticket types and their stock counters, `sold` and `held`.
//!
//! Policy: the counters are the authority on stock (see the crate's `Store`); this module's reads
//! report them, and its writes never move them: a capacity change is a conditional UPDATE that
//! cannot go below what is sold and held (the table's CHECK would refuse it anyway; the condition
//! turns that into an answer, [`TicketTypeUpdate::CapacityBelowSold`]). Holds and orders move the
//! counters, in their own modules.
use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::model::TicketTypeId;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TicketTypeRecord {
    pub id: TicketTypeId,
    pub event_id: i64,
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    pub capacity: i64,
    pub sold: i64,
    pub held: i64,
    /// Held by holds that have expired but not been reaped yet: available again already. Counted
    /// by [`TicketTypes::ticket_types`] only (the storefront's availability); 0 in the organisers'
    /// reads, which show the counters as they are.
    #[sqlx(default)]
    pub held_by_expired: i64,
    /// Entries waiting on the type's waiting list (the storefront's reads only, like
    /// `held_by_expired`): while there are any, the public is offered nothing.
    #[sqlx(default)]
    pub waiting: i64,
    pub sale_starts_at: Option<DateTime<Utc>>,
    pub sale_ends_at: Option<DateTime<Utc>>,
    pub min_per_order: i64,
    pub max_per_order: i64,
    pub position: i64,
    /// Some: a secret type, sold only to who gives this code; never in the public snapshot.
    pub access_code: Option<String>,
}

impl TicketTypeRecord {
    /// What may be sold now (`contract::rules::stock`: unreaped expired holds count as available).
    pub fn available(&self) -> i64 {
        contract::rules::stock::available(self.capacity, self.sold, self.held, self.held_by_expired, self.waiting)
    }
}

/// A ticket type's counters as the database has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Stock {
    pub capacity: i64,
    pub sold: i64,
    pub held: i64,
}

#[derive(Clone, Debug)]
pub struct TicketTypeChange {
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    pub capacity: i64,
    pub sale_starts_at: Option<DateTime<Utc>>,
    pub sale_ends_at: Option<DateTime<Utc>>,
    pub min_per_order: i64,
    pub max_per_order: i64,
    pub access_code: Option<String>,
}

#[derive(Clone, Debug)]
pub enum TicketTypeUpdate {
    Updated(TicketTypeRecord),
    NotFound,
    /// The new capacity is below what is sold and held right now.
    CapacityBelowSold {
        sold: i64,
        held: i64,
    },
}

#[async_trait]
pub trait TicketTypes: Send + Sync {
    /// Moves a ticket type's sale window; bumps the event's version.
    async fn set_sale_window(
        &self,
        ticket_type_id: TicketTypeId,
        starts: Option<DateTime<Utc>>,
        ends: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;
    /// The event's ticket types in display order, with holds expired by `now` counted as available.
    async fn ticket_types(&self, event_id: i64, now: DateTime<Utc>) -> StoreResult<Vec<TicketTypeRecord>>;
    async fn stock(&self, ticket_type_id: TicketTypeId) -> StoreResult<Option<Stock>>;
    /// Each ticket type's stock not sold or held (`capacity - sold - held`, holds expired but not
    /// reaped still counting as held): what the inventory gate is loaded with.
    async fn stock_levels(&self, event_id: i64) -> StoreResult<Vec<(TicketTypeId, i64)>>;

    /// Appended after the event's last type.
    /// The one way a ticket type is made: appended after the event's last type.
    async fn create_ticket_type(&self, event_id: i64, change: &TicketTypeChange) -> StoreResult<TicketTypeRecord>;
    async fn update_ticket_type(&self, id: TicketTypeId, change: &TicketTypeChange) -> StoreResult<TicketTypeUpdate>;
    /// `ids` must be exactly the event's ticket types (the caller checks); positions follow it.
    async fn reorder_ticket_types(&self, event_id: i64, ids: &[TicketTypeId]) -> StoreResult<()>;
}
