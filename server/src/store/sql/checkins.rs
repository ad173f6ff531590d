//! `tickets.checked_in_at`: the door.
use super::Backend;
use crate::store::{CheckInOutcome, CheckInTicket, CheckIns, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A ticket as the door reads it back, with whether its order was cancelled.
#[derive(sqlx::FromRow)]
struct ScannedTicket {
    #[sqlx(flatten)]
    ticket: CheckInTicket,
    cancelled: bool,
    unpaid: bool,
    total_minor: i64,
    currency: String,
}

#[async_trait]
impl CheckIns for Backend {
    #[tracing::instrument(skip(self, code))]
    async fn check_in(&self, event_id: i64, code: &str, now: DateTime<Utc>) -> StoreResult<CheckInOutcome> {
        // One conditional UPDATE decides, so two doors scanning the same ticket cannot both say
        // "valid".
        let checked = sqlx::query(
            "UPDATE tickets SET checked_in_at = $3 WHERE code = $1 AND checked_in_at IS NULL \
             AND ticket_type_id IN (SELECT id FROM ticket_types WHERE event_id = $2) \
             AND order_id IN (SELECT id FROM orders WHERE cancelled_at IS NULL AND status <> 'awaiting_payment') RETURNING id",
        )
        .bind(code)
        .bind(event_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let scanned: Option<ScannedTicket> = sqlx::query_as(
            "SELECT o.id AS order_id, tk.attendee_name, t.name AS ticket_type_name, o.reference AS order_reference, tk.checked_in_at, \
             o.cancelled_at IS NOT NULL AS cancelled, o.status = 'awaiting_payment' AS unpaid, o.total_minor, o.currency \
             FROM tickets tk \
             JOIN ticket_types t ON t.id = tk.ticket_type_id JOIN orders o ON o.id = tk.order_id \
             WHERE tk.code = $1 AND t.event_id = $2",
        )
        .bind(code)
        .bind(event_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match scanned {
            None => CheckInOutcome::Unknown,
            Some(scanned) if checked.is_some() => CheckInOutcome::CheckedIn(scanned.ticket),
            Some(scanned) if scanned.cancelled => CheckInOutcome::Cancelled(scanned.ticket),
            Some(scanned) if scanned.unpaid => {
                CheckInOutcome::NotPaid { ticket: scanned.ticket, total_minor: scanned.total_minor, currency: scanned.currency }
            }
            Some(scanned) => CheckInOutcome::Already(scanned.ticket),
        })
    }
}
