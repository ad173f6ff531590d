//! `ticket_types`: configuration and reads of the counters. No statement here moves `sold` or
//! `held`; a capacity change is conditional on what is sold and held.
use super::events::bump_version;
use super::{Backend, Db};
use crate::store::{Stock, StoreResult, TicketTypeChange, TicketTypeRecord, TicketTypeUpdate, TicketTypes};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::model::TicketTypeId;
use std::collections::HashMap;

const TICKET_TYPE_COLUMNS: &str = "id, event_id, name, description, price_minor, capacity, sold, held, \
     sale_starts_at, sale_ends_at, min_per_order, max_per_order, access_code, position";

/// What the public may hold of a `ticket_types` row: nothing while anyone is on its waiting list
/// (`contract::rules::stock`), the gate's levels and the holds' reads alike.
pub(super) const PUBLIC_AVAILABLE: &str = "CASE WHEN EXISTS (SELECT 1 FROM waiting_list_entries w \
     WHERE w.ticket_type_id = ticket_types.id AND w.state = 'waiting') THEN 0 ELSE capacity - sold - held END";

type TicketTypeQuery<'q> = sqlx::query::QueryAs<'q, Db, TicketTypeRecord, <Db as sqlx::Database>::Arguments<'q>>;

/// Binds a ticket type form's fields as the next nine parameters.
fn bind_ticket_type<'q>(query: TicketTypeQuery<'q>, change: &'q TicketTypeChange) -> TicketTypeQuery<'q> {
    query
        .bind(&change.name)
        .bind(&change.description)
        .bind(change.price_minor)
        .bind(change.capacity)
        .bind(change.sale_starts_at)
        .bind(change.sale_ends_at)
        .bind(change.min_per_order)
        .bind(change.max_per_order)
        .bind(&change.access_code)
}

#[async_trait]
impl TicketTypes for Backend {
    async fn set_sale_window(
        &self,
        ticket_type_id: TicketTypeId,
        starts: Option<DateTime<Utc>>,
        ends: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let event_id: Option<i64> =
            sqlx::query_scalar("UPDATE ticket_types SET sale_starts_at = $1, sale_ends_at = $2 WHERE id = $3 RETURNING event_id")
                .bind(starts)
                .bind(ends)
                .bind(ticket_type_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(event_id) = event_id {
            bump_version(&mut tx, event_id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self))]
    async fn ticket_types(&self, event_id: i64, now: DateTime<Utc>) -> StoreResult<Vec<TicketTypeRecord>> {
        let sql = format!("SELECT {TICKET_TYPE_COLUMNS} FROM ticket_types WHERE event_id = $1 ORDER BY position, id");
        let mut types: Vec<TicketTypeRecord> = sqlx::query_as(&sql).bind(event_id).fetch_all(&self.pool).await?;
        // The check on read: stock in holds that have expired but not been reaped yet is for sale.
        let expired: HashMap<TicketTypeId, i64> = sqlx::query_as(
            "SELECT hi.ticket_type_id, CAST(SUM(hi.quantity) AS BIGINT) AS quantity FROM holds h \
             JOIN hold_items hi ON hi.hold_id = h.id \
             WHERE h.event_id = $1 AND h.status = 'active' AND h.expires_at <= $2 GROUP BY hi.ticket_type_id",
        )
        .bind(event_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect();
        let waiting: HashMap<TicketTypeId, i64> = sqlx::query_as(
            "SELECT ticket_type_id, CAST(COUNT(*) AS BIGINT) FROM waiting_list_entries \
             WHERE event_id = $1 AND state = 'waiting' GROUP BY ticket_type_id",
        )
        .bind(event_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect();
        for t in &mut types {
            t.held_by_expired = expired.get(&t.id).copied().unwrap_or(0);
            t.waiting = waiting.get(&t.id).copied().unwrap_or(0);
        }
        Ok(types)
    }

    async fn stock(&self, ticket_type_id: TicketTypeId) -> StoreResult<Option<Stock>> {
        Ok(sqlx::query_as("SELECT capacity, sold, held FROM ticket_types WHERE id = $1")
            .bind(ticket_type_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    #[tracing::instrument(skip(self))]
    async fn stock_levels(&self, event_id: i64) -> StoreResult<Vec<(TicketTypeId, i64)>> {
        let levels: Vec<(TicketTypeId, i64)> =
            sqlx::query_as(&format!("SELECT id, {PUBLIC_AVAILABLE} AS available FROM ticket_types WHERE event_id = $1 ORDER BY id"))
                .bind(event_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(levels.into_iter().map(|(id, available)| (id, available.max(0))).collect())
    }

    #[tracing::instrument(skip(self, change))]
    async fn create_ticket_type(&self, event_id: i64, change: &TicketTypeChange) -> StoreResult<TicketTypeRecord> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "INSERT INTO ticket_types (event_id, name, description, price_minor, capacity, sale_starts_at, sale_ends_at, \
             min_per_order, max_per_order, access_code, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
             (SELECT COALESCE(MAX(position), 0) + 1 FROM ticket_types WHERE event_id = $1)) RETURNING {TICKET_TYPE_COLUMNS}"
        );
        let record = bind_ticket_type(sqlx::query_as(&sql).bind(event_id), change).fetch_one(&mut *tx).await?;
        bump_version(&mut tx, event_id).await?;
        tx.commit().await?;
        Ok(record)
    }

    #[tracing::instrument(skip(self, change))]
    async fn update_ticket_type(&self, id: TicketTypeId, change: &TicketTypeChange) -> StoreResult<TicketTypeUpdate> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE ticket_types SET name = $2, description = $3, price_minor = $4, capacity = $5, sale_starts_at = $6, \
             sale_ends_at = $7, min_per_order = $8, max_per_order = $9, access_code = $10 \
             WHERE id = $1 AND sold + held <= $5 RETURNING {TICKET_TYPE_COLUMNS}"
        );
        let record = bind_ticket_type(sqlx::query_as(&sql).bind(id), change).fetch_optional(&mut *tx).await?;
        let Some(record) = record else {
            let stock: Option<(i64, i64)> =
                sqlx::query_as("SELECT sold, held FROM ticket_types WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
            return Ok(match stock {
                Some((sold, held)) => TicketTypeUpdate::CapacityBelowSold { sold, held },
                None => TicketTypeUpdate::NotFound,
            });
        };
        bump_version(&mut tx, record.event_id).await?;
        // A raised capacity goes to the waiting list first.
        super::waiting_list::offer(&mut tx, vec![(id, 0)], crate::store::now()).await?;
        tx.commit().await?;
        Ok(TicketTypeUpdate::Updated(record))
    }

    #[tracing::instrument(skip(self, ids))]
    async fn reorder_ticket_types(&self, event_id: i64, ids: &[TicketTypeId]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (position, id) in ids.iter().enumerate() {
            sqlx::query("UPDATE ticket_types SET position = $3 WHERE id = $1 AND event_id = $2")
                .bind(id)
                .bind(event_id)
                .bind(position as i64 + 1)
                .execute(&mut *tx)
                .await?;
        }
        bump_version(&mut tx, event_id).await?;
        tx.commit().await?;
        Ok(())
    }
}
