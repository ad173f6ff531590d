//! Check-in at the door.
//!
//! Policy: one conditional UPDATE decides (`checked_in_at IS NULL`, order not cancelled and not
//! awaiting payment), so two doors scanning the same ticket cannot both say "valid", and an
//! unpaid ticket lets nobody in until door staff mark its order paid; what is reported afterwards
//! is read back, so the second door sees when the first let the attendee in.
use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CheckInTicket {
    pub order_id: i64,
    pub attendee_name: String,
    pub ticket_type_name: String,
    pub order_reference: String,
    pub checked_in_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug)]
pub enum CheckInOutcome {
    CheckedIn(CheckInTicket),
    /// Checked in before, at `checked_in_at`.
    Already(CheckInTicket),
    /// The ticket's order was cancelled.
    Cancelled(CheckInTicket),
    /// The ticket's order awaits payment: collect it at the door, then mark the order paid.
    NotPaid {
        ticket: CheckInTicket,
        total_minor: i64,
        currency: String,
    },
    /// No ticket of this event has this code.
    Unknown,
}

#[async_trait]
pub trait CheckIns: Send + Sync {
    async fn check_in(&self, event_id: i64, code: &str, now: DateTime<Utc>) -> StoreResult<CheckInOutcome>;
}
