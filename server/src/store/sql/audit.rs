//! Reading an event's books for `Audit::problems`: every figure is counted independently from
//! the rows (tickets, holds, orders), so the counters can be checked against them.
use super::Backend;
use crate::store::{Audit, Audits, MoneyAudit, StoreResult, TicketTypeAudit, WaitingListAudit};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;

impl Backend {
    /// (ticket type, figure) pairs of the event `$1`.
    async fn per_type(&self, sql: &str, event_id: i64) -> StoreResult<HashMap<i64, i64>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(sql).bind(event_id).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().collect())
    }

    /// A count over the event `$1`, with `$2` = `at` when given.
    async fn count(&self, sql: &str, event_id: i64, at: Option<DateTime<Utc>>) -> StoreResult<i64> {
        let query = sqlx::query_scalar(sql).bind(event_id);
        let query = match at {
            Some(at) => query.bind(at),
            None => query,
        };
        Ok(query.fetch_one(&self.pool).await?)
    }
}

impl Backend {
    /// The event's card payments against its orders and refunds, each figure counted from the rows.
    async fn money_audit(&self, event_id: i64) -> StoreResult<MoneyAudit> {
        // What each payment's refunds (not failed) add up to.
        const REFUNDED: &str =
            "(SELECT COALESCE(SUM(r.amount_minor), 0) FROM refunds r WHERE r.payment_id = p.id AND r.status <> 'failed')";
        let sql = format!(
            "SELECT \
             CAST(COUNT(*) FILTER (WHERE p.status = 'succeeded') AS BIGINT) AS succeeded, \
             CAST(COUNT(*) FILTER (WHERE p.status = 'succeeded' AND p.settlement IS NULL) AS BIGINT) AS orphan_payments, \
             CAST(COUNT(*) FILTER (WHERE p.settlement = 'refunded' AND {REFUNDED} <> p.amount_minor) AS BIGINT) AS refunds_missing, \
             CAST(COUNT(*) FILTER (WHERE {REFUNDED} > p.amount_minor) AS BIGINT) AS over_refunded, \
             CAST(0 AS BIGINT) AS unpaid_orders, CAST(0 AS BIGINT) AS double_charges \
             FROM payments p WHERE p.event_id = $1"
        );
        let mut money: MoneyAudit = sqlx::query_as(&sql).bind(event_id).fetch_one(&self.pool).await?;
        money.unpaid_orders = self
            .count(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM orders o WHERE o.event_id = $1 AND o.payment = 'card' AND NOT EXISTS \
                 (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'succeeded' AND p.amount_minor = o.total_minor)",
                event_id,
                None,
            )
            .await?;
        money.double_charges = self
            .count(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT p.hold_id FROM payments p WHERE p.event_id = $1 \
                 AND p.status = 'succeeded' AND COALESCE(p.settlement, '') <> 'refunded' GROUP BY p.hold_id HAVING COUNT(*) > 1) charged",
                event_id,
                None,
            )
            .await?;
        Ok(money)
    }
}

impl Backend {
    /// The event's waiting lists against the holds offered from them, each figure from the rows.
    async fn waiting_list_audit(&self, event_id: i64) -> StoreResult<WaitingListAudit> {
        let sql = "SELECT \
             CAST(COUNT(*) FILTER (WHERE w.state = 'waiting') AS BIGINT) AS waiting, \
             CAST(COUNT(*) FILTER (WHERE w.state = 'offered') AS BIGINT) AS offered, \
             CAST(COUNT(*) FILTER (WHERE w.state = 'offered' AND h.status = 'ordered') AS BIGINT) AS claimed, \
             CAST(COUNT(*) FILTER (WHERE w.state = 'offered' AND EXISTS (SELECT 1 FROM waiting_list_entries a \
                 WHERE a.ticket_type_id = w.ticket_type_id AND a.state = 'waiting' AND a.id < w.id)) AS BIGINT) AS out_of_order, \
             CAST(COUNT(*) FILTER (WHERE w.state = 'offered' AND (h.id IS NULL \
                 OR (SELECT COUNT(*) FROM waiting_list_entries s WHERE s.hold_id = w.hold_id) <> 1 \
                 OR (SELECT COUNT(*) FROM hold_items hi WHERE hi.hold_id = w.hold_id) <> 1 \
                 OR NOT EXISTS (SELECT 1 FROM hold_items hi WHERE hi.hold_id = w.hold_id \
                     AND hi.ticket_type_id = w.ticket_type_id AND hi.quantity = w.quantity))) AS BIGINT) AS offers_astray, \
             CAST(0 AS BIGINT) AS idle_while_waiting \
             FROM waiting_list_entries w LEFT JOIN holds h ON h.id = w.hold_id WHERE w.event_id = $1";
        let mut list: WaitingListAudit = sqlx::query_as(sql).bind(event_id).fetch_one(&self.pool).await?;
        // The head of each list: the waiting entry no other waiting entry of its type is ahead of.
        list.idle_while_waiting = self
            .count(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM ticket_types t JOIN events e ON e.id = t.event_id \
                 JOIN waiting_list_entries w ON w.ticket_type_id = t.id AND w.state = 'waiting' \
                 WHERE t.event_id = $1 AND e.waiting_list AND w.quantity <= t.capacity - t.sold - t.held \
                 AND NOT EXISTS (SELECT 1 FROM waiting_list_entries a WHERE a.ticket_type_id = t.id AND a.state = 'waiting' AND a.id < w.id)",
                event_id,
                None,
            )
            .await?;
        Ok(list)
    }
}

#[async_trait]
impl Audits for Backend {
    #[tracing::instrument(skip(self))]
    async fn audit(&self, event_id: i64, now: DateTime<Utc>, grace: Duration) -> StoreResult<Audit> {
        let tickets = self
            .per_type(
                "SELECT tk.ticket_type_id, CAST(COUNT(*) AS BIGINT) FROM tickets tk JOIN ticket_types t ON t.id = tk.ticket_type_id \
                 JOIN orders o ON o.id = tk.order_id WHERE t.event_id = $1 AND o.cancelled_at IS NULL GROUP BY tk.ticket_type_id",
                event_id,
            )
            .await?;
        let ordered = self
            .per_type(
                "SELECT hi.ticket_type_id, CAST(SUM(hi.quantity) AS BIGINT) FROM holds h JOIN hold_items hi ON hi.hold_id = h.id \
                 JOIN orders o ON o.hold_id = h.id WHERE h.event_id = $1 AND h.status = 'ordered' AND o.cancelled_at IS NULL \
                 GROUP BY hi.ticket_type_id",
                event_id,
            )
            .await?;
        let held = self
            .per_type(
                "SELECT hi.ticket_type_id, CAST(SUM(hi.quantity) AS BIGINT) FROM holds h JOIN hold_items hi ON hi.hold_id = h.id \
                 WHERE h.event_id = $1 AND h.status = 'active' GROUP BY hi.ticket_type_id",
                event_id,
            )
            .await?;
        let mut types: Vec<TicketTypeAudit> =
            sqlx::query_as("SELECT id, name, capacity, sold, held FROM ticket_types WHERE event_id = $1 ORDER BY position, id")
                .bind(event_id)
                .fetch_all(&self.pool)
                .await?;
        for t in &mut types {
            t.tickets = tickets.get(&t.id).copied().unwrap_or(0);
            t.ordered_in_holds = ordered.get(&t.id).copied().unwrap_or(0);
            t.held_in_holds = held.get(&t.id).copied().unwrap_or(0);
        }
        let past = now - chrono::Duration::from_std(grace).map_err(anyhow::Error::from)?;
        Ok(Audit {
            event_id,
            types,
            orders: self.count("SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE event_id = $1", event_id, None).await?,
            tickets_without_order: self
                .count(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM tickets tk JOIN ticket_types t ON t.id = tk.ticket_type_id \
                     LEFT JOIN orders o ON o.id = tk.order_id WHERE t.event_id = $1 AND o.id IS NULL",
                    event_id,
                    None,
                )
                .await?,
            ordered_holds_without_order: self
                .count(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM holds h LEFT JOIN orders o ON o.hold_id = h.id \
                     WHERE h.event_id = $1 AND h.status = 'ordered' AND o.id IS NULL",
                    event_id,
                    None,
                )
                .await?,
            money: self.money_audit(event_id).await?,
            waiting_list: self.waiting_list_audit(event_id).await?,
            live_holds_past_ttl: self
                .count(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM holds WHERE event_id = $1 AND status = 'active' AND expires_at <= $2",
                    event_id,
                    Some(past),
                )
                .await?,
        })
    }
}
