//! Persistence. One [`Store`] trait, one implementation per database backend (PostgreSQL for
//! production, SQLite as the embedded default), each with its own migrations under `migrations/`.
//!
//! Policy: the database is the authority on stock. Every change to `sold` or `held` happens in a
//! conditional UPDATE inside the transaction that records why (a hold, a release, an order, an
//! expiry), and a CHECK constraint refuses `sold + held > capacity` whatever the code above does.
//! Rows are locked in one order everywhere (a hold's row, then ticket types by ascending id) so
//! concurrent transactions queue instead of deadlocking.
mod admin;
mod admin_sql;
mod postgres;
mod sql;
mod sqlite;

pub use admin::*;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use app::admin::DiscountKind;
use app::model::{Answer, HoldStatus, OrderStatus, PaymentMethod, Question, TicketTypeId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database did not answer in time (pool exhausted, statement timeout, locked): worth a retry.
    #[error("the database is busy: {0}")]
    Busy(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        let busy = match &err {
            sqlx::Error::PoolTimedOut => true,
            // 57014: statement timeout, 40P01: chosen as a deadlock's victim, 40001: serialization
            // failure (PostgreSQL); 5 and 6: busy and locked (SQLite). Each is gone on a retry.
            sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("57014" | "40P01" | "40001" | "5" | "6" | "517")),
            _ => false,
        };
        if busy {
            StoreError::Busy(err.to_string())
        } else {
            StoreError::Unexpected(anyhow::Error::new(err))
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone, Debug)]
pub struct EventRecord {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub timezone: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub currency: String,
    pub published: bool,
    pub version: i64,
}

#[derive(Clone, Debug)]
pub struct TicketTypeRecord {
    pub id: TicketTypeId,
    pub event_id: i64,
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    pub capacity: i64,
    pub sold: i64,
    pub held: i64,
    /// Held by holds that have expired but not been reaped yet: available again already.
    pub held_by_expired: i64,
    pub sale_starts_at: Option<DateTime<Utc>>,
    pub sale_ends_at: Option<DateTime<Utc>>,
    pub min_per_order: i64,
    pub max_per_order: i64,
    pub position: i64,
    /// Some: a secret type, sold only to who gives this code; never in the public snapshot.
    pub access_code: Option<String>,
}

impl TicketTypeRecord {
    pub fn available(&self) -> i64 {
        (self.capacity - self.sold - self.held + self.held_by_expired).max(0)
    }
}

#[derive(Clone, Debug)]
pub struct NewOrganiser {
    pub name: String,
    pub email: String,
}

#[derive(Clone, Debug)]
pub struct NewEvent {
    pub organiser_id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub timezone: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub currency: String,
    pub published: bool,
}

#[derive(Clone, Debug)]
pub struct NewTicketType {
    pub event_id: i64,
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    pub capacity: i64,
    pub sale_starts_at: Option<DateTime<Utc>>,
    pub sale_ends_at: Option<DateTime<Utc>>,
    pub min_per_order: i64,
    pub max_per_order: i64,
    pub position: i64,
}

#[derive(Clone, Debug)]
pub struct NewHold {
    pub id: Uuid,
    pub event_id: i64,
    /// (ticket type, quantity), one entry per type.
    pub items: Vec<(TicketTypeId, i64)>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub enum HoldOutcome {
    /// Held; each item's unit price as the hold recorded it (the price the order will charge).
    Created { unit_prices: Vec<(TicketTypeId, i64)> },
    /// Not enough stock for at least one item; nothing was held. What is left of each type asked for.
    Short(Vec<(TicketTypeId, i64)>),
}

#[derive(Clone, Debug)]
pub struct HoldRecord {
    pub id: Uuid,
    pub event_id: i64,
    pub status: HoldStatus,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub items: Vec<HoldItemRecord>,
}

#[derive(Clone, Debug)]
pub struct HoldItemRecord {
    pub ticket_type_id: TicketTypeId,
    pub name: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
}

#[derive(Clone, Debug)]
pub struct NewOrder {
    pub hold_id: Uuid,
    pub idempotency_key: String,
    pub reference: String,
    pub access_token: String,
    pub buyer_name: String,
    pub buyer_email: String,
    pub status: OrderStatus,
    pub payment: PaymentMethod,
    /// After the discount.
    pub total_minor: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub tickets: Vec<NewTicket>,
    /// A discount code's use, taken in the order's transaction (or the order is refused).
    pub discount: Option<AppliedDiscount>,
    /// Stored with the order, in its transaction; labels copied from the questions.
    pub answers: Vec<Answer>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedDiscount {
    pub code_id: i64,
    /// The code as stored (upper case), for the order's record.
    pub code: String,
    /// What it took off the order's total.
    pub minor: i64,
}

/// A discount code as checkout needs it.
#[derive(Clone, Debug)]
pub struct DiscountCode {
    pub id: i64,
    /// Upper case, as stored.
    pub code: String,
    pub kind: DiscountKind,
    /// Percent: hundredths of a percent; fixed: minor units off each eligible ticket.
    pub amount: i64,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub expires_at: Option<DateTime<Utc>>,
    /// Empty: every ticket type of the event.
    pub ticket_type_ids: Vec<TicketTypeId>,
}

#[derive(Clone, Debug)]
pub struct NewTicket {
    pub ticket_type_id: TicketTypeId,
    pub code: String,
    pub attendee_name: String,
    pub attendee_email: String,
}

#[derive(Clone, Debug)]
pub enum OrderOutcome {
    Created(OrderRecord),
    /// The idempotency key was used before for this hold: the order made then.
    Replayed(OrderRecord),
    /// The idempotency key was used before for another hold.
    KeyReused,
    /// The hold cannot become an order (gone, expired, released, or already ordered).
    HoldNotLive(Option<HoldStatus>),
    /// The discount code could not take one more use (used up, expired or removed since it was
    /// checked). Nothing was written: the hold is still live.
    DiscountRefused,
}

#[derive(Clone, Debug)]
pub struct OrderRecord {
    pub id: i64,
    pub reference: String,
    pub access_token: String,
    pub hold_id: Uuid,
    pub event_id: i64,
    pub buyer_name: String,
    pub buyer_email: String,
    pub status: OrderStatus,
    pub payment: PaymentMethod,
    pub total_minor: i64,
    pub discount_minor: i64,
    pub discount_code: Option<String>,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub tickets: Vec<TicketRecord>,
    pub answers: Vec<Answer>,
}

#[derive(Clone, Debug)]
pub struct TicketRecord {
    pub code: String,
    pub ticket_type_id: TicketTypeId,
    pub ticket_type_name: String,
    pub attendee_name: String,
    pub attendee_email: String,
}

/// A ticket type's counters as the database has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stock {
    pub capacity: i64,
    pub sold: i64,
    pub held: i64,
}

/// Stock that went back on sale (a hold released or expired), per ticket type: what the inventory
/// gate must be given back.
pub type ReturnedStock = Vec<(TicketTypeId, i64)>;

/// Holds closed by the reaper: how many, and the stock they returned.
#[derive(Clone, Debug, Default)]
pub struct ExpiredHolds {
    pub holds: u64,
    pub returned: ReturnedStock,
}

/// What an event's books say after a sale, checked against each other (see [`Audit::problems`]).
#[derive(Clone, Debug, Default)]
pub struct Audit {
    pub event_id: i64,
    pub types: Vec<TicketTypeAudit>,
    pub orders: i64,
    /// Tickets of this event's types whose order does not exist.
    pub tickets_without_order: i64,
    /// Holds marked ordered with no order made from them.
    pub ordered_holds_without_order: i64,
    /// Holds still active although their expiry passed longer ago than the grace given.
    pub live_holds_past_ttl: i64,
}

#[derive(Clone, Debug, Default)]
pub struct TicketTypeAudit {
    pub id: TicketTypeId,
    pub name: String,
    pub capacity: i64,
    pub sold: i64,
    pub held: i64,
    /// Tickets issued in orders not cancelled.
    pub tickets: i64,
    /// Quantity in holds turned into orders not cancelled.
    pub ordered_in_holds: i64,
    /// Quantity in active holds.
    pub held_in_holds: i64,
}

impl Audit {
    pub fn capacity(&self) -> i64 {
        self.types.iter().map(|t| t.capacity).sum()
    }

    pub fn sold(&self) -> i64 {
        self.types.iter().map(|t| t.sold).sum()
    }

    pub fn held(&self) -> i64 {
        self.types.iter().map(|t| t.held).sum()
    }

    /// Tickets sold beyond capacity, over all types: anything but 0 is the one unforgivable bug.
    pub fn oversold(&self) -> i64 {
        self.types.iter().map(|t| (t.sold - t.capacity).max(0)).sum()
    }

    /// Every way the books disagree with themselves, in words; empty when they add up.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for t in &self.types {
            if t.sold + t.held > t.capacity {
                problems.push(format!("{}: sold {} + held {} exceeds capacity {}", t.name, t.sold, t.held, t.capacity));
            }
            if t.tickets != t.sold {
                problems.push(format!("{}: {} tickets issued but the counter says {} sold", t.name, t.tickets, t.sold));
            }
            if t.ordered_in_holds != t.sold {
                problems.push(format!("{}: ordered holds add up to {} but the counter says {} sold", t.name, t.ordered_in_holds, t.sold));
            }
            if t.held_in_holds != t.held {
                problems.push(format!("{}: active holds add up to {} but the counter says {} held", t.name, t.held_in_holds, t.held));
            }
        }
        if self.tickets_without_order > 0 {
            problems.push(format!("{} tickets belong to no order", self.tickets_without_order));
        }
        if self.ordered_holds_without_order > 0 {
            problems.push(format!("{} holds are marked ordered but have no order", self.ordered_holds_without_order));
        }
        if self.live_holds_past_ttl > 0 {
            problems.push(format!("{} holds outlived their expiry and still hold stock", self.live_holds_past_ttl));
        }
        problems
    }
}

/// The connection pool as it is now, for metrics.
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolState {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// "postgres" or "sqlite", for logs and health output.
    fn backend(&self) -> &'static str;
    fn pool_state(&self) -> PoolState;
    /// The organisers' side of the same database (accounts, configuration, back-office actions).
    fn admin(&self) -> &dyn AdminStore;
    async fn ping(&self) -> StoreResult<()>;

    async fn create_organiser(&self, organiser: &NewOrganiser) -> StoreResult<i64>;
    async fn create_event(&self, event: &NewEvent) -> StoreResult<i64>;
    async fn create_ticket_type(&self, ticket_type: &NewTicketType) -> StoreResult<TicketTypeId>;
    /// Moves a ticket type's sale window; bumps the event's version.
    async fn set_sale_window(
        &self,
        ticket_type_id: TicketTypeId,
        starts: Option<DateTime<Utc>>,
        ends: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;
    async fn count_events(&self) -> StoreResult<i64>;

    async fn published_events(&self) -> StoreResult<Vec<EventRecord>>;
    async fn event_by_slug(&self, slug: &str) -> StoreResult<Option<EventRecord>>;
    async fn event_by_id(&self, id: i64) -> StoreResult<Option<EventRecord>>;
    /// The event's ticket types in display order, with holds expired by `now` counted as available.
    async fn ticket_types(&self, event_id: i64, now: DateTime<Utc>) -> StoreResult<Vec<TicketTypeRecord>>;
    async fn stock(&self, ticket_type_id: TicketTypeId) -> StoreResult<Option<Stock>>;
    /// The questions checkout asks for this event, by position.
    async fn event_questions(&self, event_id: i64) -> StoreResult<Vec<Question>>;
    /// The event's discount code `code` (already upper-cased), if there is one.
    async fn discount_code(&self, event_id: i64, code: &str) -> StoreResult<Option<DiscountCode>>;

    /// Each ticket type's stock not sold or held (`capacity - sold - held`, holds expired but not
    /// reaped still counting as held): what the inventory gate is loaded with.
    async fn stock_levels(&self, event_id: i64) -> StoreResult<Vec<(TicketTypeId, i64)>>;

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
    /// Gives a live hold's stock back. Returns the hold's status afterwards (None: no such hold) and
    /// the stock this call returned (empty if the hold was not live).
    async fn release_hold(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<Option<(HoldStatus, ReturnedStock)>>;
    /// Turns every hold expired by `now` (at most `limit`) into stock for sale.
    async fn expire_holds(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<ExpiredHolds>;

    /// Turns a live hold into an order with its tickets, at most once per hold and per key. With a
    /// discount, the code's use is taken in the same transaction by a conditional UPDATE; when it
    /// cannot be (`DiscountRefused`), nothing is written.
    async fn place_order(&self, order: &NewOrder) -> StoreResult<OrderOutcome>;
    /// The same for many orders in one transaction, moving each ticket type's stock once. Any
    /// error fails the whole batch (nothing written); outcomes are in the order of `orders`.
    /// Orders with a discount go one by one through `place_order`, so a code that refuses one
    /// cannot fail the others.
    async fn place_orders(&self, orders: &[NewOrder]) -> StoreResult<Vec<OrderOutcome>>;
    async fn order_by_token(&self, access_token: &str) -> StoreResult<Option<OrderRecord>>;

    /// Reads the event's books for [`Audit::problems`]; holds active more than `grace` past their
    /// expiry (at `now`) count as outliving their TTL.
    async fn audit(&self, event_id: i64, now: DateTime<Utc>, grace: Duration) -> StoreResult<Audit>;
}

/// Bounds on every wait the database can impose.
#[derive(Clone, Debug)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
}

/// Opens the database named by the URL (postgres:// or sqlite:), applies its migrations.
pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Arc<dyn Store>> {
    if settings.url.starts_with("postgres://") || settings.url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(settings).await?))
    } else if settings.url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(settings).await?))
    } else {
        anyhow::bail!("DATABASE_URL must start with postgres:// or sqlite: (got {:?})", settings.url)
    }
}

/// Timestamps are kept to the millisecond: both backends store that exactly, so what is written is
/// what is read back, and SQLite's text timestamps compare in time order.
pub fn now() -> DateTime<Utc> {
    truncate_to_millis(Utc::now())
}

pub fn truncate_to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}
