//! The SQL both backends run. PostgreSQL and SQLite (through sqlx) accept the same `$N` parameters,
//! `RETURNING` and conditional UPDATEs, so one body serves both; what differs (how a write
//! transaction starts, how to connect, the migrations) lives in each backend's module.
//!
//! Every stock change is a conditional UPDATE of a ticket type's counters; its `rows_affected`
//! says whether the stock was there. Ticket types are always updated in ascending id order.

use super::*;
use anyhow::anyhow;

pub(super) fn payment_str(payment: PaymentMethod) -> &'static str {
    match payment {
        PaymentMethod::Free => "free",
        PaymentMethod::Offline => "offline",
    }
}

pub(super) fn parse_payment(s: &str) -> anyhow::Result<PaymentMethod> {
    match s {
        "free" => Ok(PaymentMethod::Free),
        "offline" => Ok(PaymentMethod::Offline),
        other => Err(anyhow!("unknown payment method {other:?} in the database")),
    }
}

pub(super) fn parse_hold_status(s: &str) -> anyhow::Result<HoldStatus> {
    HoldStatus::parse(s).ok_or_else(|| anyhow!("unknown hold status {s:?} in the database"))
}

pub(super) fn parse_order_status(s: &str) -> anyhow::Result<OrderStatus> {
    OrderStatus::parse(s).ok_or_else(|| anyhow!("unknown order status {s:?} in the database"))
}

/// Aggregates hold items per ticket type, sorted by id: the order in which rows are locked.
pub(super) fn per_ticket_type(items: impl IntoIterator<Item = (TicketTypeId, i64)>) -> Vec<(TicketTypeId, i64)> {
    let mut totals = std::collections::BTreeMap::new();
    for (id, quantity) in items {
        *totals.entry(id).or_insert(0) += quantity;
    }
    totals.into_iter().collect()
}

/// Rows per multi-row INSERT, to stay far below the bind-parameter limits (PostgreSQL: 65,535;
/// SQLite: 32,766) whatever `BATCH_MAX` is: 14 parameters per order, 6 per ticket, 4 per answer.
pub(super) const ORDERS_PER_INSERT: usize = 1_000;
pub(super) const TICKETS_PER_INSERT: usize = 2_000;
pub(super) const ANSWERS_PER_INSERT: usize = 2_000;

pub(super) fn parse_discount_kind_text(s: &str) -> anyhow::Result<app::admin::DiscountKind> {
    app::admin::DiscountKind::parse(s).ok_or_else(|| anyhow!("unknown discount kind {s:?} in the database"))
}

pub(super) fn parse_question_kind_text(s: &str) -> anyhow::Result<app::admin::QuestionKind> {
    app::admin::QuestionKind::parse(s).ok_or_else(|| anyhow!("unknown question kind {s:?} in the database"))
}

/// A discount's ticket types, stored as "3,5,8" (empty: all of the event's).
pub(super) fn parse_id_list(text: &str) -> anyhow::Result<Vec<TicketTypeId>> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().map_err(|_| anyhow!("bad ticket type id {part:?} in a discount code")))
        .collect()
}

/// A choice question's options, stored as a JSON array of strings.
pub(super) fn parse_options(question_id: i64, text: &str) -> anyhow::Result<Vec<String>> {
    serde_json::from_str(text).map_err(|err| anyhow!("question {question_id} has options that are not a JSON array of strings: {err}"))
}

/// The SQLite and PostgreSQL codes for a foreign key violation: an order naming a discount code
/// that was removed meanwhile.
pub(super) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}

pub(super) const EVENT_COLUMNS: &str =
    "id, slug, title, description, venue, timezone, starts_at, ends_at, currency, published, version";

pub(super) const ORDER_COLUMNS: &str = "id, reference, access_token, hold_id, event_id, buyer_name, buyer_email, \
     status, payment, total_minor, currency, created_at";

/// What an order's page adds to [`ORDER_COLUMNS`]: the discount and its code.
pub(super) const ORDER_DISCOUNT_COLUMNS: &str =
    "discount_minor, (SELECT d.code FROM discount_codes d WHERE d.id = orders.discount_code_id) AS discount_code";

/// Implements [`Store`] for a backend struct with a `pool: sqlx::Pool<$db>` field and a
/// `begin_write(&self)` method that starts a transaction able to write at once. `$lock` is what
/// makes a SELECT lock its rows (" FOR UPDATE"; empty where the write transaction locks already);
/// `$skip_locked` the same, skipping rows another transaction has locked.
macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $backend:literal, $lock:literal, $skip_locked:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            fn pool_state(&self) -> PoolState {
                PoolState {
                    open: self.pool.size(),
                    idle: self.pool.num_idle() as u32,
                    max: self.pool.options().get_max_connections(),
                }
            }

            fn admin(&self) -> &dyn $crate::store::AdminStore {
                self
            }

            #[tracing::instrument(skip(self))]
            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_organiser(&self, organiser: &NewOrganiser) -> StoreResult<i64> {
                let row = sqlx::query("INSERT INTO organisers (name, email) VALUES ($1, $2) RETURNING id")
                    .bind(&organiser.name)
                    .bind(&organiser.email)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.try_get("id")?)
            }

            async fn create_event(&self, event: &NewEvent) -> StoreResult<i64> {
                let row = sqlx::query(
                    "INSERT INTO events (organiser_id, slug, title, description, venue, timezone, starts_at, ends_at, currency, published) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(event.organiser_id)
                .bind(&event.slug)
                .bind(&event.title)
                .bind(&event.description)
                .bind(&event.venue)
                .bind(&event.timezone)
                .bind(event.starts_at)
                .bind(event.ends_at)
                .bind(&event.currency)
                .bind(event.published)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.try_get("id")?)
            }

            async fn create_ticket_type(&self, t: &NewTicketType) -> StoreResult<TicketTypeId> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "INSERT INTO ticket_types (event_id, name, description, price_minor, capacity, sale_starts_at, sale_ends_at, \
                     min_per_order, max_per_order, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(t.event_id)
                .bind(&t.name)
                .bind(&t.description)
                .bind(t.price_minor)
                .bind(t.capacity)
                .bind(t.sale_starts_at)
                .bind(t.sale_ends_at)
                .bind(t.min_per_order)
                .bind(t.max_per_order)
                .bind(t.position)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("UPDATE events SET version = version + 1 WHERE id = $1")
                    .bind(t.event_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(row.try_get("id")?)
            }

            async fn set_sale_window(
                &self,
                ticket_type_id: TicketTypeId,
                starts: Option<DateTime<Utc>>,
                ends: Option<DateTime<Utc>>,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "UPDATE ticket_types SET sale_starts_at = $1, sale_ends_at = $2 WHERE id = $3 RETURNING event_id",
                )
                .bind(starts)
                .bind(ends)
                .bind(ticket_type_id)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(row) = row {
                    let event_id: i64 = row.try_get("event_id")?;
                    sqlx::query("UPDATE events SET version = version + 1 WHERE id = $1")
                        .bind(event_id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn count_events(&self) -> StoreResult<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM events").fetch_one(&self.pool).await?;
                Ok(row.try_get("n")?)
            }

            #[tracing::instrument(skip(self))]
            async fn published_events(&self) -> StoreResult<Vec<EventRecord>> {
                let sql = format!(
                    "SELECT {} FROM events WHERE published = $1 ORDER BY starts_at, id LIMIT 200",
                    $crate::store::sql::EVENT_COLUMNS
                );
                let rows = sqlx::query(&sql).bind(true).fetch_all(&self.pool).await?;
                rows.iter().map(event_from_row).collect()
            }

            #[tracing::instrument(skip(self))]
            async fn event_by_slug(&self, slug: &str) -> StoreResult<Option<EventRecord>> {
                let sql = format!("SELECT {} FROM events WHERE slug = $1", $crate::store::sql::EVENT_COLUMNS);
                let row = sqlx::query(&sql).bind(slug).fetch_optional(&self.pool).await?;
                row.as_ref().map(event_from_row).transpose()
            }

            #[tracing::instrument(skip(self))]
            async fn event_by_id(&self, id: i64) -> StoreResult<Option<EventRecord>> {
                let sql = format!("SELECT {} FROM events WHERE id = $1", $crate::store::sql::EVENT_COLUMNS);
                let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(event_from_row).transpose()
            }

            #[tracing::instrument(skip(self))]
            async fn ticket_types(&self, event_id: i64, now: DateTime<Utc>) -> StoreResult<Vec<TicketTypeRecord>> {
                let rows = sqlx::query(
                    "SELECT id, event_id, name, description, price_minor, capacity, sold, held, sale_starts_at, sale_ends_at, \
                     min_per_order, max_per_order, position, access_code FROM ticket_types WHERE event_id = $1 ORDER BY position, id",
                )
                .bind(event_id)
                .fetch_all(&self.pool)
                .await?;
                // The check on read: stock in holds that have expired but not been reaped yet is for sale.
                let expired = sqlx::query(
                    "SELECT hi.ticket_type_id, CAST(SUM(hi.quantity) AS BIGINT) AS quantity FROM holds h \
                     JOIN hold_items hi ON hi.hold_id = h.id \
                     WHERE h.event_id = $1 AND h.status = 'active' AND h.expires_at <= $2 GROUP BY hi.ticket_type_id",
                )
                .bind(event_id)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                let mut expired_by_type = std::collections::HashMap::new();
                for row in &expired {
                    expired_by_type.insert(row.try_get::<i64, _>("ticket_type_id")?, row.try_get::<i64, _>("quantity")?);
                }
                rows.iter()
                    .map(|row| {
                        let id: i64 = row.try_get("id")?;
                        Ok(TicketTypeRecord {
                            id,
                            event_id: row.try_get("event_id")?,
                            name: row.try_get("name")?,
                            description: row.try_get("description")?,
                            price_minor: row.try_get("price_minor")?,
                            capacity: row.try_get("capacity")?,
                            sold: row.try_get("sold")?,
                            held: row.try_get("held")?,
                            held_by_expired: expired_by_type.get(&id).copied().unwrap_or(0),
                            sale_starts_at: row.try_get("sale_starts_at")?,
                            sale_ends_at: row.try_get("sale_ends_at")?,
                            min_per_order: row.try_get("min_per_order")?,
                            max_per_order: row.try_get("max_per_order")?,
                            position: row.try_get("position")?,
                            access_code: row.try_get("access_code")?,
                        })
                    })
                    .collect()
            }

            async fn stock(&self, ticket_type_id: TicketTypeId) -> StoreResult<Option<Stock>> {
                let row = sqlx::query("SELECT capacity, sold, held FROM ticket_types WHERE id = $1")
                    .bind(ticket_type_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|row| {
                    Ok(Stock { capacity: row.try_get("capacity")?, sold: row.try_get("sold")?, held: row.try_get("held")? })
                })
                .transpose()
            }

            #[tracing::instrument(skip(self))]
            async fn event_questions(&self, event_id: i64) -> StoreResult<Vec<app::model::Question>> {
                let rows = sqlx::query(
                    "SELECT id, label, kind, options, required, position FROM questions WHERE event_id = $1 ORDER BY position, id",
                )
                .bind(event_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        let id: i64 = row.try_get("id")?;
                        let kind: String = row.try_get("kind")?;
                        let options: String = row.try_get("options")?;
                        Ok(app::model::Question {
                            id,
                            label: row.try_get("label")?,
                            kind: $crate::store::sql::parse_question_kind_text(&kind)?,
                            options: $crate::store::sql::parse_options(id, &options)?,
                            required: row.try_get("required")?,
                            position: row.try_get("position")?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self, code))]
            async fn discount_code(&self, event_id: i64, code: &str) -> StoreResult<Option<DiscountCode>> {
                let row = sqlx::query(
                    "SELECT id, code, kind, amount, max_uses, uses, expires_at, ticket_type_ids FROM discount_codes \
                     WHERE event_id = $1 AND code = $2",
                )
                .bind(event_id)
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| {
                    let kind: String = row.try_get("kind")?;
                    let ids: String = row.try_get("ticket_type_ids")?;
                    Ok(DiscountCode {
                        id: row.try_get("id")?,
                        code: row.try_get("code")?,
                        kind: $crate::store::sql::parse_discount_kind_text(&kind)?,
                        amount: row.try_get("amount")?,
                        max_uses: row.try_get("max_uses")?,
                        uses: row.try_get("uses")?,
                        expires_at: row.try_get("expires_at")?,
                        ticket_type_ids: $crate::store::sql::parse_id_list(&ids)?,
                    })
                })
                .transpose()
            }

            #[tracing::instrument(skip(self))]
            async fn stock_levels(&self, event_id: i64) -> StoreResult<Vec<(TicketTypeId, i64)>> {
                let rows = sqlx::query("SELECT id, capacity - sold - held AS available FROM ticket_types WHERE event_id = $1 ORDER BY id")
                    .bind(event_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|row| Ok((row.try_get("id")?, row.try_get::<i64, _>("available")?.max(0)))).collect()
            }

            #[tracing::instrument(skip(self, holds), fields(batch = holds.len()))]
            async fn create_holds(&self, holds: &[NewHold]) -> StoreResult<Vec<HoldOutcome>> {
                if holds.is_empty() {
                    return Ok(Vec::new());
                }
                // Optimistic first: read without locking, write the holds, then take the stock
                // with one conditional UPDATE per type, last, so the hot rows stay locked only for
                // that UPDATE and the commit. If another writer took the stock meanwhile, go again
                // with the rows locked from the start (SQLite's write lock already serialises).
                match self.try_create_holds(holds, "").await? {
                    Some(outcomes) => Ok(outcomes),
                    None => self
                        .try_create_holds(holds, $lock)
                        .await?
                        .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("stock changed under locked rows"))),
                }
            }

            #[tracing::instrument(skip(self))]
            async fn hold(&self, id: uuid::Uuid) -> StoreResult<Option<HoldRecord>> {
                // One round trip: every checkout step reads its hold, so at a sale this runs once per order.
                let rows = sqlx::query(
                    "SELECT h.id, h.event_id, h.status, h.expires_at, h.created_at, \
                     hi.ticket_type_id, t.name, hi.quantity, hi.unit_price_minor FROM holds h \
                     LEFT JOIN hold_items hi ON hi.hold_id = h.id LEFT JOIN ticket_types t ON t.id = hi.ticket_type_id \
                     WHERE h.id = $1 ORDER BY t.position, t.id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                let Some(row) = rows.first() else {
                    return Ok(None);
                };
                let status: String = row.try_get("status")?;
                let mut items = Vec::with_capacity(rows.len());
                for item in &rows {
                    let Some(ticket_type_id) = item.try_get::<Option<i64>, _>("ticket_type_id")? else {
                        continue;
                    };
                    items.push(HoldItemRecord {
                        ticket_type_id,
                        name: item.try_get("name")?,
                        quantity: item.try_get("quantity")?,
                        unit_price_minor: item.try_get("unit_price_minor")?,
                    });
                }
                Ok(Some(HoldRecord {
                    id: row.try_get("id")?,
                    event_id: row.try_get("event_id")?,
                    status: $crate::store::sql::parse_hold_status(&status)?,
                    expires_at: row.try_get("expires_at")?,
                    created_at: row.try_get("created_at")?,
                    items,
                }))
            }

            #[tracing::instrument(skip(self))]
            async fn release_hold(&self, id: uuid::Uuid, now: DateTime<Utc>) -> StoreResult<Option<(HoldStatus, ReturnedStock)>> {
                let mut tx = self.begin_write().await?;
                let released = sqlx::query(
                    "UPDATE holds SET status = 'released', closed_at = $2 WHERE id = $1 AND status = 'active' RETURNING id",
                )
                .bind(id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                if released.is_none() {
                    tx.rollback().await?;
                    let row = sqlx::query("SELECT status FROM holds WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                    return row
                        .map(|row| {
                            let status = $crate::store::sql::parse_hold_status(&row.try_get::<String, _>("status")?)?;
                            Ok((status, Vec::new()))
                        })
                        .transpose();
                }
                let returned = give_back_stock(&mut tx, &[id]).await?;
                tx.commit().await?;
                Ok(Some((HoldStatus::Released, returned)))
            }

            #[tracing::instrument(skip(self))]
            async fn expire_holds(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<ExpiredHolds> {
                // The reaper and buyers who find stock short expire holds at the same time; each
                // skips the holds another is expiring (or an order is claiming), so none waits on
                // another's hold rows and no two lock them in opposite orders (a deadlock, seen at a
                // flash sale's first expiries).
                let mut tx = self.begin_write().await?;
                let rows = sqlx::query(concat!(
                    "UPDATE holds SET status = 'expired', closed_at = $1 WHERE status = 'active' AND id IN \
                     (SELECT id FROM holds WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at LIMIT $2",
                    $skip_locked,
                    ") RETURNING id"
                ))
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                let ids = rows.iter().map(|row| row.try_get("id")).collect::<Result<Vec<uuid::Uuid>, _>>()?;
                if ids.is_empty() {
                    tx.rollback().await?;
                    return Ok(ExpiredHolds::default());
                }
                let returned = give_back_stock(&mut tx, &ids).await?;
                tx.commit().await?;
                Ok(ExpiredHolds { holds: ids.len() as u64, returned })
            }

            #[tracing::instrument(skip(self, order), fields(hold_id = %order.hold_id))]
            async fn place_order(&self, order: &NewOrder) -> StoreResult<OrderOutcome> {
                // The happy path is one transaction of five statements. A reused key is caught by
                // the UNIQUE constraint on idempotency_key rather than by a lookup before every order.
                let mut tx = self.begin_write().await?;
                match self.write_orders(&mut tx, std::slice::from_ref(order)).await {
                    Ok((mut records, moves)) if records.first().is_some_and(Option::is_some) => {
                        move_held_to_sold(&mut tx, moves).await?;
                        // A discount's use is taken last, after the ticket types: the organisers'
                        // cancellation locks in that order too (ticket types, then the code), so the
                        // two cannot deadlock. The condition is re-checked on the latest row (row
                        // lock, READ COMMITTED; SQLite serialises writers), so a code with
                        // max_uses = N is used at most N times however many buyers race for it.
                        if let Some(discount) = &order.discount {
                            if !take_discount_use(&mut tx, discount.code_id, order.created_at).await? {
                                tx.rollback().await?;
                                return Ok(OrderOutcome::DiscountRefused);
                            }
                        }
                        tx.commit().await?;
                        Ok(OrderOutcome::Created(records.swap_remove(0).expect("checked above")))
                    }
                    Ok(_) => {
                        tx.rollback().await?;
                        self.order_not_made(order).await
                    }
                    // The order named a discount code that was removed after it was checked.
                    Err(err) if order.discount.is_some() && $crate::store::sql::is_foreign_key_violation(&err) => {
                        tx.rollback().await?;
                        Ok(OrderOutcome::DiscountRefused)
                    }
                    Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
                        tx.rollback().await?;
                        // The key made an order before: for this hold (a replay) or another.
                        match self.order_by_key(&order.idempotency_key).await? {
                            Some(existing) => Ok(replay(existing, order)),
                            None => Err(StoreError::Unexpected(anyhow::anyhow!("an order collided on a unique column: {err}"))),
                        }
                    }
                    Err(err) => Err(err.into()),
                }
            }

            #[tracing::instrument(skip(self, orders), fields(batch = orders.len()))]
            async fn place_orders(&self, orders: &[NewOrder]) -> StoreResult<Vec<OrderOutcome>> {
                if orders.iter().all(|order| order.discount.is_none()) {
                    return self.place_orders_together(orders).await;
                }
                // A discount's conditional UPDATE may refuse its order alone; in a batch that would
                // roll back the neighbours too. So those go one by one, the others together.
                let plain: Vec<NewOrder> = orders.iter().filter(|order| order.discount.is_none()).cloned().collect();
                let mut together = self.place_orders_together(&plain).await?.into_iter();
                let mut outcomes = Vec::with_capacity(orders.len());
                for order in orders {
                    outcomes.push(match &order.discount {
                        Some(_) => self.place_order(order).await?,
                        None => together
                            .next()
                            .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("a batch of orders gave too few outcomes")))?,
                    });
                }
                Ok(outcomes)
            }

            #[tracing::instrument(skip(self))]
            async fn audit(&self, event_id: i64, now: DateTime<Utc>, grace: std::time::Duration) -> StoreResult<Audit> {
                let per_type = |sql: &'static str| {
                    let pool = self.pool.clone();
                    async move {
                        let rows = sqlx::query(sql).bind(event_id).fetch_all(&pool).await?;
                        rows.iter()
                            .map(|row| Ok((row.try_get::<i64, _>(0)?, row.try_get::<i64, _>(1)?)))
                            .collect::<StoreResult<std::collections::HashMap<i64, i64>>>()
                    }
                };
                let tickets = per_type(
                    "SELECT tk.ticket_type_id, CAST(COUNT(*) AS BIGINT) FROM tickets tk JOIN ticket_types t ON t.id = tk.ticket_type_id \
                     JOIN orders o ON o.id = tk.order_id WHERE t.event_id = $1 AND o.cancelled_at IS NULL GROUP BY tk.ticket_type_id",
                )
                .await?;
                let ordered = per_type(
                    "SELECT hi.ticket_type_id, CAST(SUM(hi.quantity) AS BIGINT) FROM holds h JOIN hold_items hi ON hi.hold_id = h.id \
                     JOIN orders o ON o.hold_id = h.id WHERE h.event_id = $1 AND h.status = 'ordered' AND o.cancelled_at IS NULL \
                     GROUP BY hi.ticket_type_id",
                )
                .await?;
                let held = per_type(
                    "SELECT hi.ticket_type_id, CAST(SUM(hi.quantity) AS BIGINT) FROM holds h JOIN hold_items hi ON hi.hold_id = h.id                      WHERE h.event_id = $1 AND h.status = 'active' GROUP BY hi.ticket_type_id",
                )
                .await?;
                let rows = sqlx::query("SELECT id, name, capacity, sold, held FROM ticket_types WHERE event_id = $1 ORDER BY position, id")
                    .bind(event_id)
                    .fetch_all(&self.pool)
                    .await?;
                let types = rows
                    .iter()
                    .map(|row| {
                        let id: i64 = row.try_get("id")?;
                        Ok(TicketTypeAudit {
                            id,
                            name: row.try_get("name")?,
                            capacity: row.try_get("capacity")?,
                            sold: row.try_get("sold")?,
                            held: row.try_get("held")?,
                            tickets: tickets.get(&id).copied().unwrap_or(0),
                            ordered_in_holds: ordered.get(&id).copied().unwrap_or(0),
                            held_in_holds: held.get(&id).copied().unwrap_or(0),
                        })
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                let count = |sql: &'static str, at: Option<DateTime<Utc>>| {
                    let pool = self.pool.clone();
                    async move {
                        let query = sqlx::query(sql).bind(event_id);
                        let query = match at {
                            Some(at) => query.bind(at),
                            None => query,
                        };
                        let row = query.fetch_one(&pool).await?;
                        Ok::<i64, StoreError>(row.try_get::<i64, _>(0)?)
                    }
                };
                let past = now - chrono::Duration::from_std(grace).map_err(anyhow::Error::from)?;
                Ok(Audit {
                    event_id,
                    types,
                    orders: count("SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE event_id = $1", None).await?,
                    tickets_without_order: count(
                        "SELECT CAST(COUNT(*) AS BIGINT) FROM tickets tk JOIN ticket_types t ON t.id = tk.ticket_type_id                          LEFT JOIN orders o ON o.id = tk.order_id WHERE t.event_id = $1 AND o.id IS NULL",
                        None,
                    )
                    .await?,
                    ordered_holds_without_order: count(
                        "SELECT CAST(COUNT(*) AS BIGINT) FROM holds h LEFT JOIN orders o ON o.hold_id = h.id                          WHERE h.event_id = $1 AND h.status = 'ordered' AND o.id IS NULL",
                        None,
                    )
                    .await?,
                    live_holds_past_ttl: count(
                        "SELECT CAST(COUNT(*) AS BIGINT) FROM holds WHERE event_id = $1 AND status = 'active' AND expires_at <= $2",
                        Some(past),
                    )
                    .await?,
                })
            }

            #[tracing::instrument(skip(self, access_token))]
            async fn order_by_token(&self, access_token: &str) -> StoreResult<Option<OrderRecord>> {
                self.order_where("access_token = $1", access_token).await
            }
        }

        impl $store {
            /// Orders without a discount, in one transaction: every order's rows, then one UPDATE
            /// per ticket type for the whole batch, last. Any error (a reused key, which
            /// PostgreSQL cannot recover from inside the transaction) fails the batch, and the
            /// batcher goes again one by one.
            async fn place_orders_together(&self, orders: &[NewOrder]) -> StoreResult<Vec<OrderOutcome>> {
                if orders.is_empty() {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin_write().await?;
                let (written, moves) = self.write_orders(&mut tx, orders).await?;
                if moves.is_empty() {
                    tx.rollback().await?;
                } else {
                    move_held_to_sold(&mut tx, moves).await?;
                    tx.commit().await?;
                }
                let mut outcomes = Vec::with_capacity(orders.len());
                for (order, record) in orders.iter().zip(written) {
                    outcomes.push(match record {
                        Some(record) => OrderOutcome::Created(record),
                        None => self.order_not_made(order).await?,
                    });
                }
                Ok(outcomes)
            }

            /// Writes a batch of orders with one statement per step, whatever the batch size: claim
            /// the holds, read their items, insert the orders, insert the tickets. Returns each
            /// order's record (None: its hold could not be claimed) and the stock to move from held
            /// to sold. A hold named twice goes to the first order that names it.
            async fn write_orders(
                &self,
                tx: &mut sqlx::Transaction<'static, $db>,
                orders: &[NewOrder],
            ) -> Result<(Vec<Option<OrderRecord>>, Vec<(TicketTypeId, i64)>), sqlx::Error> {
                use std::collections::HashMap;
                // Claimed as of the latest order of the batch: a hold that expired while its
                // order waited for the batch is not claimed.
                let Some(now) = orders.iter().map(|order| order.created_at).max() else {
                    return Ok((Vec::new(), Vec::new()));
                };
                let mut claim = sqlx::QueryBuilder::<$db>::new("UPDATE holds SET status = 'ordered', closed_at = ");
                claim.push_bind(now).push(" WHERE status = 'active' AND expires_at > ").push_bind(now).push(" AND id IN (");
                let mut ids = claim.separated(", ");
                for order in orders {
                    ids.push_bind(order.hold_id);
                }
                claim.push(") RETURNING id, event_id");
                let mut claimed: HashMap<uuid::Uuid, i64> = HashMap::with_capacity(orders.len());
                for row in claim.build().fetch_all(&mut **tx).await? {
                    claimed.insert(row.try_get("id")?, row.try_get("event_id")?);
                }
                let mut winners: Vec<Option<i64>> = Vec::with_capacity(orders.len());
                for order in orders {
                    winners.push(claimed.remove(&order.hold_id));
                }
                let made: Vec<(&NewOrder, i64)> =
                    orders.iter().zip(&winners).filter_map(|(order, event)| event.map(|event| (order, event))).collect();
                if made.is_empty() {
                    return Ok((winners.iter().map(|_| None).collect(), Vec::new()));
                }

                let mut items = sqlx::QueryBuilder::<$db>::new(
                    "SELECT hi.ticket_type_id, hi.quantity, t.name FROM hold_items hi \
                     JOIN ticket_types t ON t.id = hi.ticket_type_id WHERE hi.hold_id IN (",
                );
                let mut ids = items.separated(", ");
                for (order, _) in &made {
                    ids.push_bind(order.hold_id);
                }
                items.push(")");
                let mut moves = Vec::new();
                let mut names: HashMap<TicketTypeId, String> = HashMap::new();
                for row in items.build().fetch_all(&mut **tx).await? {
                    let id: TicketTypeId = row.try_get("ticket_type_id")?;
                    moves.push((id, row.try_get::<i64, _>("quantity")?));
                    names.entry(id).or_insert(row.try_get("name")?);
                }

                let mut order_ids: HashMap<String, i64> = HashMap::with_capacity(made.len());
                for chunk in made.chunks($crate::store::sql::ORDERS_PER_INSERT) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO orders (reference, access_token, idempotency_key, hold_id, event_id, buyer_name, \
                         buyer_email, status, payment, total_minor, currency, created_at, discount_code_id, discount_minor) ",
                    );
                    insert.push_values(chunk, |mut row, (order, event_id)| {
                        row.push_bind(&order.reference)
                            .push_bind(&order.access_token)
                            .push_bind(&order.idempotency_key)
                            .push_bind(order.hold_id)
                            .push_bind(*event_id)
                            .push_bind(&order.buyer_name)
                            .push_bind(&order.buyer_email)
                            .push_bind(order.status.as_str())
                            .push_bind($crate::store::sql::payment_str(order.payment))
                            .push_bind(order.total_minor)
                            .push_bind(&order.currency)
                            .push_bind(order.created_at)
                            .push_bind(order.discount.as_ref().map(|discount| discount.code_id))
                            .push_bind(order.discount.as_ref().map_or(0, |discount| discount.minor));
                    });
                    insert.push(" RETURNING id, reference");
                    for row in insert.build().fetch_all(&mut **tx).await? {
                        order_ids.insert(row.try_get("reference")?, row.try_get("id")?);
                    }
                }

                // Each made order's id, in `made`'s order; RETURNING gives every inserted row.
                let made_ids = made
                    .iter()
                    .map(|(order, _)| {
                        order_ids.get(&order.reference).copied().ok_or_else(|| {
                            sqlx::Error::Protocol(format!("the insert of order {} returned no id", order.reference))
                        })
                    })
                    .collect::<Result<Vec<i64>, _>>()?;
                let tickets: Vec<(i64, usize, &NewTicket)> = made
                    .iter()
                    .zip(&made_ids)
                    .flat_map(|((order, _), &order_id)| {
                        order.tickets.iter().enumerate().map(move |(position, ticket)| (order_id, position, ticket))
                    })
                    .collect();
                for chunk in tickets.chunks($crate::store::sql::TICKETS_PER_INSERT) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO tickets (order_id, ticket_type_id, code, attendee_name, attendee_email, position) ",
                    );
                    insert.push_values(chunk, |mut row, (order_id, position, ticket)| {
                        row.push_bind(*order_id)
                            .push_bind(ticket.ticket_type_id)
                            .push_bind(&ticket.code)
                            .push_bind(&ticket.attendee_name)
                            .push_bind(&ticket.attendee_email)
                            .push_bind(*position as i64);
                    });
                    insert.build().execute(&mut **tx).await?;
                }
                // Answers: one more statement, and only for batches where someone answered.
                let answers: Vec<(i64, &app::model::Answer)> = made
                    .iter()
                    .zip(&made_ids)
                    .flat_map(|((order, _), &order_id)| order.answers.iter().map(move |answer| (order_id, answer)))
                    .collect();
                for chunk in answers.chunks($crate::store::sql::ANSWERS_PER_INSERT) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new("INSERT INTO order_answers (order_id, question_id, label, answer) ");
                    insert.push_values(chunk, |mut row, (order_id, answer)| {
                        row.push_bind(*order_id).push_bind(answer.question_id).push_bind(&answer.label).push_bind(&answer.answer);
                    });
                    insert.build().execute(&mut **tx).await?;
                }

                let mut made_ids = made_ids.into_iter();
                let records = orders
                    .iter()
                    .zip(winners)
                    .map(|(order, event_id)| {
                        let event_id = event_id?;
                        Some(OrderRecord {
                            id: made_ids.next()?,
                            reference: order.reference.clone(),
                            access_token: order.access_token.clone(),
                            hold_id: order.hold_id,
                            event_id,
                            buyer_name: order.buyer_name.clone(),
                            buyer_email: order.buyer_email.clone(),
                            status: order.status,
                            payment: order.payment,
                            total_minor: order.total_minor,
                            discount_minor: order.discount.as_ref().map_or(0, |discount| discount.minor),
                            discount_code: order.discount.as_ref().map(|discount| discount.code.clone()),
                            currency: order.currency.clone(),
                            created_at: order.created_at,
                            answers: order.answers.clone(),
                            tickets: order
                                .tickets
                                .iter()
                                .map(|ticket| TicketRecord {
                                    code: ticket.code.clone(),
                                    ticket_type_id: ticket.ticket_type_id,
                                    ticket_type_name: names.get(&ticket.ticket_type_id).cloned().unwrap_or_default(),
                                    attendee_name: ticket.attendee_name.clone(),
                                    attendee_email: ticket.attendee_email.clone(),
                                })
                                .collect(),
                        })
                    })
                    .collect();
                Ok((records, moves))
            }

            /// Why an order's hold could not be claimed: the same key made it already (a retry, or a
            /// concurrent twin), or the hold is gone, expired, released or ordered.
            async fn order_not_made(&self, order: &NewOrder) -> StoreResult<OrderOutcome> {
                if let Some(existing) = self.order_by_key(&order.idempotency_key).await? {
                    return Ok(replay(existing, order));
                }
                let status = sqlx::query("SELECT status, expires_at FROM holds WHERE id = $1")
                    .bind(order.hold_id)
                    .fetch_optional(&self.pool)
                    .await?;
                let status = match status {
                    None => None,
                    Some(row) => {
                        let status = $crate::store::sql::parse_hold_status(&row.try_get::<String, _>("status")?)?;
                        let expires_at: DateTime<Utc> = row.try_get("expires_at")?;
                        // Past its expiry but not reaped yet: expired all the same.
                        Some(if status == HoldStatus::Active && expires_at <= order.created_at {
                            HoldStatus::Expired
                        } else {
                            status
                        })
                    }
                };
                Ok(OrderOutcome::HoldNotLive(status))
            }

            /// One attempt at a batch of holds. None: the stock read at the start was gone by the
            /// UPDATE (only possible without `lock`); nothing was written.
            async fn try_create_holds(&self, holds: &[NewHold], lock: &str) -> StoreResult<Option<Vec<HoldOutcome>>> {
                let wanted: std::collections::BTreeSet<TicketTypeId> =
                    holds.iter().flat_map(|hold| hold.items.iter().map(|(id, _)| *id)).collect();
                let mut tx = self.begin_write().await?;
                // (event, price, available) per type, read in ascending id order.
                let mut levels = std::collections::HashMap::with_capacity(wanted.len());
                let sql = format!(
                    "SELECT event_id, price_minor, capacity - sold - held AS available FROM ticket_types WHERE id = $1{lock}"
                );
                for id in &wanted {
                    if let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await? {
                        let level: (i64, i64, i64) = (row.try_get("event_id")?, row.try_get("price_minor")?, row.try_get("available")?);
                        levels.insert(*id, level);
                    }
                }
                let mut outcomes = Vec::with_capacity(holds.len());
                let mut taken: std::collections::BTreeMap<TicketTypeId, i64> = std::collections::BTreeMap::new();
                let mut admitted = Vec::new();
                for hold in holds {
                    let items = $crate::store::sql::per_ticket_type(hold.items.iter().copied());
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
                // Multi-row inserts, in chunks well under SQLite's limit on bound parameters.
                for chunk in admitted.chunks(200) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new("INSERT INTO holds (id, event_id, status, expires_at, created_at) ");
                    insert.push_values(chunk, |mut row, (hold, _)| {
                        row.push_bind(hold.id).push_bind(hold.event_id).push_bind("active").push_bind(hold.expires_at).push_bind(hold.created_at);
                    });
                    insert.build().execute(&mut *tx).await?;
                    let items: Vec<(uuid::Uuid, TicketTypeId, i64, i64)> = chunk
                        .iter()
                        .flat_map(|(hold, items)| items.iter().map(|(id, quantity)| (hold.id, *id, *quantity, levels[id].1)))
                        .collect();
                    let mut insert = sqlx::QueryBuilder::<$db>::new("INSERT INTO hold_items (hold_id, ticket_type_id, quantity, unit_price_minor) ");
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

            async fn order_by_key(&self, key: &str) -> StoreResult<Option<OrderRecord>> {
                self.order_where("idempotency_key = $1", key).await
            }

            async fn order_where(&self, condition: &str, key: &str) -> StoreResult<Option<OrderRecord>> {
                let sql = format!(
                    "SELECT {}, {} FROM orders WHERE {condition}",
                    $crate::store::sql::ORDER_COLUMNS,
                    $crate::store::sql::ORDER_DISCOUNT_COLUMNS
                );
                let Some(row) = sqlx::query(&sql).bind(key).fetch_optional(&self.pool).await? else {
                    return Ok(None);
                };
                let id: i64 = row.try_get("id")?;
                let tickets = sqlx::query(
                    "SELECT tk.code, tk.ticket_type_id, t.name, tk.attendee_name, tk.attendee_email FROM tickets tk \
                     JOIN ticket_types t ON t.id = tk.ticket_type_id WHERE tk.order_id = $1 ORDER BY tk.position",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                let answers = sqlx::query(
                    "SELECT a.question_id, a.label, a.answer FROM order_answers a LEFT JOIN questions q ON q.id = a.question_id \
                     WHERE a.order_id = $1 ORDER BY COALESCE(q.position, 9223372036854775807), a.question_id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                let status: String = row.try_get("status")?;
                let payment: String = row.try_get("payment")?;
                Ok(Some(OrderRecord {
                    id,
                    reference: row.try_get("reference")?,
                    access_token: row.try_get("access_token")?,
                    hold_id: row.try_get("hold_id")?,
                    event_id: row.try_get("event_id")?,
                    buyer_name: row.try_get("buyer_name")?,
                    buyer_email: row.try_get("buyer_email")?,
                    status: $crate::store::sql::parse_order_status(&status)?,
                    payment: $crate::store::sql::parse_payment(&payment)?,
                    total_minor: row.try_get("total_minor")?,
                    discount_minor: row.try_get("discount_minor")?,
                    discount_code: row.try_get("discount_code")?,
                    currency: row.try_get("currency")?,
                    created_at: row.try_get("created_at")?,
                    answers: answers
                        .iter()
                        .map(|a| {
                            Ok(app::model::Answer {
                                question_id: a.try_get("question_id")?,
                                label: a.try_get("label")?,
                                answer: a.try_get("answer")?,
                            })
                        })
                        .collect::<StoreResult<Vec<_>>>()?,
                    tickets: tickets
                        .iter()
                        .map(|t| {
                            Ok(TicketRecord {
                                code: t.try_get("code")?,
                                ticket_type_id: t.try_get("ticket_type_id")?,
                                ticket_type_name: t.try_get("name")?,
                                attendee_name: t.try_get("attendee_name")?,
                                attendee_email: t.try_get("attendee_email")?,
                            })
                        })
                        .collect::<StoreResult<Vec<_>>>()?,
                }))
            }
        }

        fn replay(existing: OrderRecord, order: &NewOrder) -> OrderOutcome {
            if existing.hold_id == order.hold_id {
                OrderOutcome::Replayed(existing)
            } else {
                OrderOutcome::KeyReused
            }
        }

        /// Moves ordered stock from held to sold, summed per ticket type, in ascending id order.
        async fn move_held_to_sold(tx: &mut sqlx::Transaction<'static, $db>, items: Vec<(TicketTypeId, i64)>) -> StoreResult<()> {
            for (ticket_type_id, quantity) in $crate::store::sql::per_ticket_type(items) {
                let moved = sqlx::query("UPDATE ticket_types SET held = held - $1, sold = sold + $1 WHERE id = $2")
                    .bind(quantity)
                    .bind(ticket_type_id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                if moved != 1 {
                    return Err(StoreError::Unexpected(anyhow::anyhow!("ticket type {ticket_type_id} vanished while ordering")));
                }
            }
            Ok(())
        }

        /// Takes one use of a discount code if it has one left and has not expired at `now`: false
        /// when it cannot (used up, expired, or removed).
        async fn take_discount_use(tx: &mut sqlx::Transaction<'static, $db>, code_id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
            let taken = sqlx::query(
                "UPDATE discount_codes SET uses = uses + 1 WHERE id = $1 \
                 AND (max_uses IS NULL OR uses < max_uses) AND (expires_at IS NULL OR expires_at > $2)",
            )
            .bind(code_id)
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            Ok(taken == 1)
        }

        /// Returns the stock of closed holds to sale: their items, summed per ticket type and
        /// applied in ascending id order.
        async fn give_back_stock(tx: &mut sqlx::Transaction<'_, $db>, hold_ids: &[uuid::Uuid]) -> StoreResult<ReturnedStock> {
            let mut items = Vec::new();
            for hold_id in hold_ids {
                let rows = sqlx::query("SELECT ticket_type_id, quantity FROM hold_items WHERE hold_id = $1")
                    .bind(hold_id)
                    .fetch_all(&mut **tx)
                    .await?;
                for row in rows {
                    items.push((row.try_get::<i64, _>("ticket_type_id")?, row.try_get::<i64, _>("quantity")?));
                }
            }
            let returned = $crate::store::sql::per_ticket_type(items);
            for (ticket_type_id, quantity) in &returned {
                sqlx::query("UPDATE ticket_types SET held = held - $1 WHERE id = $2")
                    .bind(quantity)
                    .bind(ticket_type_id)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(returned)
        }

        fn event_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<EventRecord> {
            Ok(EventRecord {
                id: row.try_get("id")?,
                slug: row.try_get("slug")?,
                title: row.try_get("title")?,
                description: row.try_get("description")?,
                venue: row.try_get("venue")?,
                timezone: row.try_get("timezone")?,
                starts_at: row.try_get("starts_at")?,
                ends_at: row.try_get("ends_at")?,
                currency: row.try_get("currency")?,
                published: row.try_get("published")?,
                version: row.try_get("version")?,
            })
        }
    };
}

pub(super) use impl_sql_store;
