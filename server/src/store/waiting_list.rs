//! The waiting list: people who want a sold-out ticket type, in the order they joined.
//!
//! Policy: stock that comes back (an expired or released hold, a cancelled order, a raised
//! capacity) is offered to the head of the type's list in the transaction that returns it
//! ([`offer`](super::sql::waiting_list) is called from each of them): a hold made for the entry,
//! kept for the event's `waiting_list_offer_minutes`, so the stock is never public in between and
//! never offered twice (the type's row is locked by the statement that returned it). Offers go in
//! order: when the next in line asks for more than there is, nobody behind them is served first,
//! and the public is offered nothing while anyone waits (`contract::rules::stock`). An offer that
//! is not claimed expires like any hold, and its stock passes to the next in line the same way.
//! The offer's email is queued by the offer worker (`storefront::waiting_list`), which knows the
//! site's address; the entry records when.
use super::{NewEmail, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::model::{HoldStatus, TicketTypeId};
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct NewWaitingEntry {
    pub event_id: i64,
    pub ticket_type_id: TicketTypeId,
    pub name: String,
    /// Lower case.
    pub email: String,
    pub quantity: i64,
    pub joined_at: DateTime<Utc>,
}

/// An entry as its person and the organiser see it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WaitingEntryRecord {
    pub id: i64,
    pub event_id: i64,
    pub ticket_type_id: TicketTypeId,
    pub ticket_type_name: String,
    pub name: String,
    pub email: String,
    pub quantity: i64,
    /// waiting, offered or removed.
    pub state: String,
    pub hold_id: Option<Uuid>,
    /// The offer's hold: active (the offer stands), ordered (claimed), expired or released.
    pub hold_status: Option<HoldStatus>,
    pub offer_expires_at: Option<DateTime<Utc>>,
    pub joined_at: DateTime<Utc>,
    pub offered_at: Option<DateTime<Utc>>,
    pub removed_at: Option<DateTime<Utc>>,
    /// Place in line among those still waiting (1: next); None once offered or removed.
    pub position: Option<i64>,
}

impl WaitingEntryRecord {
    /// The entry's state as people are told it: waiting, offered (the offer stands), claimed
    /// (bought with the offer), expired (the offer lapsed or was let go), removed.
    pub fn shown_state(&self, now: DateTime<Utc>) -> &'static str {
        match (self.state.as_str(), self.hold_status) {
            ("waiting", _) => "waiting",
            ("offered", Some(HoldStatus::Ordered)) => "claimed",
            ("offered", Some(HoldStatus::Active)) if self.offer_expires_at.is_some_and(|at| at > now) => "offered",
            ("offered", _) => "expired",
            _ => "removed",
        }
    }
}

/// What joining did.
#[derive(Clone, Debug)]
pub enum Joined {
    /// A new entry (it may have been offered tickets at once, if some had come back).
    Joined(WaitingEntryRecord),
    /// The address was already waiting for this type: that entry, unchanged.
    AlreadyWaiting(WaitingEntryRecord),
}

/// An offer whose email is still to be queued.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UnsentOffer {
    pub entry_id: i64,
    pub name: String,
    pub email: String,
    pub quantity: i64,
    pub event_title: String,
    pub ticket_type_name: String,
    pub hold_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait WaitingLists: Send + Sync {
    /// Adds each entry at the back of its type's list (or finds the address's waiting entry), in
    /// one transaction, and offers at once what stock there is, in order; outcomes in the
    /// entries' order. One transaction for many: joins queue on their type's row like every
    /// stock change, and in a sell-out thousands arrive at once (`inventory::batch`).
    async fn join_waiting_lists(&self, entries: &[NewWaitingEntry]) -> StoreResult<Vec<Joined>>;
    async fn join_waiting_list(&self, entry: &NewWaitingEntry) -> StoreResult<Joined> {
        let mut joined = self.join_waiting_lists(std::slice::from_ref(entry)).await?;
        joined.pop().ok_or_else(|| anyhow::anyhow!("a join without its outcome").into())
    }
    /// An event's first 5,000 entries, oldest first (what the admin app shows).
    async fn waiting_list(&self, event_id: i64) -> StoreResult<Vec<WaitingEntryRecord>> {
        self.waiting_list_after(event_id, 0, 5_000).await
    }
    /// An event's entries after the entry `after_id` (0: from the first), oldest first, at most
    /// `limit`: a list of any length, page by page.
    async fn waiting_list_after(&self, event_id: i64, after_id: i64, limit: i64) -> StoreResult<Vec<WaitingEntryRecord>>;
    async fn waiting_entry(&self, entry_id: i64) -> StoreResult<Option<WaitingEntryRecord>>;
    /// Takes a waiting entry off the list (an offer already made stands until its hold ends);
    /// false when it was not waiting.
    async fn remove_waiting_entry(&self, entry_id: i64, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Closes an event's list: every waiting entry is removed, and what was kept for them goes
    /// back on sale; the types whose stock came back.
    async fn close_waiting_list(&self, event_id: i64, now: DateTime<Utc>) -> StoreResult<Vec<TicketTypeId>>;
    async fn unsent_offers(&self, limit: i64) -> StoreResult<Vec<UnsentOffer>>;
    /// Queues each offer's email and records it on the entry, in one transaction.
    async fn queue_offer_emails(&self, emails: &[(i64, NewEmail)], now: DateTime<Utc>) -> StoreResult<()>;
}
