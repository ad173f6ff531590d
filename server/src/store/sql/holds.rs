//! `holds` and `hold_items`: taking stock for a batch of holds, and giving it back on release and
//! expiry. The statements and their count per batch are tuned (see `docs/architecture.md`,
//! "Stock: the database decides"): one read per ticket type, multi-row inserts, then one
//! conditional UPDATE per ticket type, last.
use super::{Backend, Db, Tx, LOCK, SKIP_LOCKED};
use crate::store::columns::per_ticket_type;
use crate::store::{ExpiredHolds, HoldItemRecord, HoldOutcome, HoldRecord, Holds, NewHold, ReturnedStock, StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::model::{HoldStatus, TicketTypeId};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// Rows per multi-row INSERT, well under SQLite's limit on bound parameters (32,766).
const HOLDS_PER_INSERT: usize = 200;

/// A row of [`Holds::hold`]'s join: the hold's columns, then one item's (none for a hold
/// without items, through the LEFT JOIN).
#[derive(sqlx::FromRow)]
struct HoldItemRow {
    #[sqlx(flatten)]
    hold: HoldRecord,
    ticket_type_id: Option<TicketTypeId>,
    name: Option<String>,
    quantity: Option<i64>,
    unit_price_minor: Option<i64>,
}

impl HoldItemRow {
    fn item(&self) -> Option<HoldItemRecord> {
        Some(HoldItemRecord {
            ticket_type_id: self.ticket_type_id?,
            name: self.name.clone()?,
            quantity: self.quantity?,
            unit_price_minor: self.unit_price_minor?,
        })
    }
}

/// Returns the stock of closed holds: their items, summed per ticket type and applied in
/// ascending id order, then offered to the types' waiting lists; what went back on sale.
async fn give_back_stock(tx: &mut Tx, hold_ids: &[Uuid], now: DateTime<Utc>) -> StoreResult<ReturnedStock> {
    let mut items = Vec::new();
    for hold_id in hold_ids {
        let rows: Vec<(TicketTypeId, i64)> =
            sqlx::query_as("SELECT ticket_type_id, quantity FROM hold_items WHERE hold_id = $1").bind(hold_id).fetch_all(&mut **tx).await?;
        items.extend(rows);
    }
    let returned = per_ticket_type(items);
    for (ticket_type_id, quantity) in &returned {
        sqlx::query("UPDATE ticket_types SET held = held - $1 WHERE id = $2")
            .bind(quantity)
            .bind(ticket_type_id)
            .execute(&mut **tx)
            .await?;
    }
    super::waiting_list::offer(tx, returned, now).await
}

impl Backend {
    /// One attempt at a batch of holds. None: the stock read at the start was gone by the UPDATE
    /// (only possible without `lock`); nothing was written.
    async fn try_create_holds(&self, holds: &[NewHold], lock: &str) -> StoreResult<Option<Vec<HoldOutcome>>> {
        let wanted: BTreeSet<TicketTypeId> = holds.iter().flat_map(|hold| hold.items.iter().map(|(id, _)| *id)).collect();
        let mut tx = self.begin_write().await?;
        // (event, price, available) per type, read in ascending id order.
        let mut levels: HashMap<TicketTypeId, (i64, i64, i64)> = HashMap::with_capacity(wanted.len());
        let sql = format!(
            "SELECT event_id, price_minor, {} AS available FROM ticket_types WHERE id = $1{lock}",
            super::ticket_types::PUBLIC_AVAILABLE
        );
        for id in &wanted {
            if let Some(level) = sqlx::query_as(&sql).bind(id).fetch_optional(&mut *tx).await? {
                levels.insert(*id, level);
            }
        }
        let mut outcomes = Vec::with_capacity(holds.len());
        let mut taken: BTreeMap<TicketTypeId, i64> = BTreeMap::new();
        let mut admitted = Vec::new();
        for hold in holds {
            let items = per_ticket_type(hold.items.iter().copied());
            let fits = items.iter().all(|(id, quantity)| match levels.get(id) {
                Some((event_id, _, available)) => {
                    *event_id == hold.event_id && available - taken.get(id).copied().unwrap_or(0) >= *quantity
                }
                None => false,
            });
            if fits {
                for (id, quantity) in &items {
                    *taken.entry(*id).or_insert(0) += quantity;
                }
                let unit_prices = items.iter().map(|(id, _)| (*id, levels[id].1)).collect();
                admitted.push((hold, items));
                outcomes.push(HoldOutcome::Created { unit_prices });
            } else {
                let left = items
                    .iter()
                    .map(|(id, _)| {
                        let available = levels.get(id).map(|(_, _, available)| *available).unwrap_or(0);
                        (*id, (available - taken.get(id).copied().unwrap_or(0)).max(0))
                    })
                    .collect();
                outcomes.push(HoldOutcome::Short(left));
            }
        }
        if admitted.is_empty() {
            tx.rollback().await?;
            return Ok(Some(outcomes));
        }
        for chunk in admitted.chunks(HOLDS_PER_INSERT) {
            let mut insert =
                sqlx::QueryBuilder::<Db>::new("INSERT INTO holds (id, event_id, status, expires_at, created_at, admission_id) ");
            insert.push_values(chunk, |mut row, (hold, _)| {
                row.push_bind(hold.id)
                    .push_bind(hold.event_id)
                    .push_bind(HoldStatus::Active.as_str())
                    .push_bind(hold.expires_at)
                    .push_bind(hold.created_at)
                    .push_bind(hold.admission_id.as_deref());
            });
            insert.build().execute(&mut *tx).await?;
            let items: Vec<(Uuid, TicketTypeId, i64, i64)> =
                chunk.iter().flat_map(|(hold, items)| items.iter().map(|(id, quantity)| (hold.id, *id, *quantity, levels[id].1))).collect();
            let mut insert = sqlx::QueryBuilder::<Db>::new("INSERT INTO hold_items (hold_id, ticket_type_id, quantity, unit_price_minor) ");
            insert.push_values(&items, |mut row, (hold_id, id, quantity, price)| {
                row.push_bind(*hold_id).push_bind(*id).push_bind(*quantity).push_bind(*price);
            });
            insert.build().execute(&mut *tx).await?;
        }
        for (id, quantity) in &taken {
            let updated = sqlx::query("UPDATE ticket_types SET held = held + $1 WHERE id = $2 AND sold + held + $1 <= capacity")
                .bind(quantity)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if updated == 0 {
                tx.rollback().await?;
                return Ok(None);
            }
        }
        tx.commit().await?;
        Ok(Some(outcomes))
    }
}

#[async_trait]
impl Holds for Backend {
    #[tracing::instrument(skip(self, holds), fields(batch = holds.len()))]
    async fn create_holds(&self, holds: &[NewHold]) -> StoreResult<Vec<HoldOutcome>> {
        if holds.is_empty() {
            return Ok(Vec::new());
        }
        // Optimistic first: read without locking, write the holds, then take the stock with one
        // conditional UPDATE per type, last, so the hot rows stay locked only for that UPDATE and
        // the commit. If another writer took the stock meanwhile, go again with the rows locked
        // from the start (SQLite's write lock already serialises).
        match self.try_create_holds(holds, "").await? {
            Some(outcomes) => Ok(outcomes),
            None => self
                .try_create_holds(holds, LOCK)
                .await?
                .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("stock changed under locked rows"))),
        }
    }

    #[tracing::instrument(skip(self))]
    #[tracing::instrument(skip(self))]
    async fn admission_has_live_hold(&self, admission_id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let live: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM holds WHERE admission_id = $1 AND status = 'active' AND expires_at > $2 LIMIT 1")
                .bind(admission_id)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
        Ok(live.is_some())
    }

    async fn hold(&self, id: Uuid) -> StoreResult<Option<HoldRecord>> {
        // One round trip: every checkout step reads its hold, so at a sale this runs once per order.
        let rows: Vec<HoldItemRow> = sqlx::query_as(
            "SELECT h.id, h.event_id, h.status, h.expires_at, h.created_at, \
             hi.ticket_type_id, t.name, hi.quantity, hi.unit_price_minor FROM holds h \
             LEFT JOIN hold_items hi ON hi.hold_id = h.id LEFT JOIN ticket_types t ON t.id = hi.ticket_type_id \
             WHERE h.id = $1 ORDER BY t.position, t.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().filter_map(HoldItemRow::item).collect();
        Ok(rows.into_iter().next().map(|row| HoldRecord { items, ..row.hold }))
    }

    #[tracing::instrument(skip(self))]
    async fn release_hold(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<Option<(HoldStatus, ReturnedStock)>> {
        let mut tx = self.begin_write().await?;
        let released: Option<Uuid> =
            sqlx::query_scalar("UPDATE holds SET status = 'released', closed_at = $2 WHERE id = $1 AND status = 'active' RETURNING id")
                .bind(id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
        if released.is_none() {
            tx.rollback().await?;
            let status: Option<HoldStatus> =
                sqlx::query_scalar("SELECT status FROM holds WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
            return Ok(status.map(|status| (status, Vec::new())));
        }
        let returned = give_back_stock(&mut tx, &[id], now).await?;
        tx.commit().await?;
        Ok(Some((HoldStatus::Released, returned)))
    }

    #[tracing::instrument(skip(self))]
    async fn expire_holds(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<ExpiredHolds> {
        // The reaper and buyers who find stock short expire holds at the same time; each skips the
        // holds another is expiring (or an order is claiming), so none waits on another's hold rows
        // and no two lock them in opposite orders (a deadlock, seen at a flash sale's first expiries).
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE holds SET status = 'expired', closed_at = $1 WHERE status = 'active' AND id IN \
             (SELECT id FROM holds WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at LIMIT $2{SKIP_LOCKED}) RETURNING id"
        );
        let ids: Vec<Uuid> = sqlx::query_scalar(&sql).bind(now).bind(limit).fetch_all(&mut *tx).await?;
        if ids.is_empty() {
            tx.rollback().await?;
            return Ok(ExpiredHolds::default());
        }
        let returned = give_back_stock(&mut tx, &ids, now).await?;
        tx.commit().await?;
        Ok(ExpiredHolds { holds: ids.len() as u64, returned })
    }
}
