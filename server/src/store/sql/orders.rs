//! `orders` and `tickets`: placing orders (the writes are in `order_writes.rs`), and what
//! organisers search, read, cancel and count.
use super::discounts::take_discount_use;
use super::order_writes::{move_held_to_sold, replay};
use super::{Backend, ORDER_MINUTE};
use crate::store::unique::is_foreign_key_violation;
use crate::store::{
    AdminOrderRecord, CancelOutcome, MarkPaidOutcome, NewEmail, NewOrder, OrderChange, OrderFilter, OrderOutcome, OrderRecord, Orders,
    Questions, SalesRecord, StoreError, StoreResult, Unique,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::AdminOrderSummary;

impl Backend {
    /// One attempt at [`Orders::place_order`]. None: the order's reference was taken by another
    /// order (it is random: rare, and no fault of the buyer's); nothing was written.
    async fn try_place_order(&self, order: &NewOrder) -> StoreResult<Option<OrderOutcome>> {
        // The happy path is one transaction of five statements. A reused key is caught by the
        // UNIQUE constraint on idempotency_key rather than by a lookup before every order.
        let mut tx = self.begin_write().await?;
        match self.write_orders(&mut tx, std::slice::from_ref(order)).await {
            Ok((mut records, moves)) if records.first().is_some_and(Option::is_some) => {
                move_held_to_sold(&mut tx, moves).await?;
                // A discount's use is taken last, after the ticket types: the organisers'
                // cancellation locks in that order too (ticket types, then the code), so the two
                // cannot deadlock. The condition is re-checked on the latest row (row lock, READ
                // COMMITTED; SQLite serialises writers), so a code with max_uses = N is used at
                // most N times however many buyers race for it.
                if let Some(discount) = &order.discount {
                    if !take_discount_use(&mut tx, discount.code_id, order.created_at).await? {
                        tx.rollback().await?;
                        return Ok(Some(OrderOutcome::DiscountRefused));
                    }
                }
                tx.commit().await?;
                Ok(Some(OrderOutcome::Created(records.swap_remove(0).expect("checked above"))))
            }
            Ok(_) => {
                tx.rollback().await?;
                self.order_not_made(order).await.map(Some)
            }
            // The order named a discount code that was removed after it was checked.
            Err(err) if order.discount.is_some() && is_foreign_key_violation(&err) => {
                tx.rollback().await?;
                Ok(Some(OrderOutcome::DiscountRefused))
            }
            Err(err) => match Unique::violated_by(&err) {
                Some(Unique::OrderIdempotencyKey) => {
                    tx.rollback().await?;
                    match self.order_by_key(&order.idempotency_key).await? {
                        Some(existing) => Ok(Some(replay(existing, order))),
                        None => Err(StoreError::Unexpected(anyhow::anyhow!("a reused idempotency key has no order: {err}"))),
                    }
                }
                Some(Unique::OrderReference) => {
                    tx.rollback().await?;
                    Ok(None)
                }
                Some(other) => Err(StoreError::Unexpected(anyhow::anyhow!("an order collided on {other:?}: {err}"))),
                None => Err(err.into()),
            },
        }
    }
}

#[async_trait]
impl Orders for Backend {
    #[tracing::instrument(skip(self, order), fields(hold_id = %order.hold_id))]
    async fn place_order(&self, order: &NewOrder) -> StoreResult<OrderOutcome> {
        if let Some(outcome) = self.try_place_order(order).await? {
            return Ok(outcome);
        }
        // References are random; a collision is retried once with a new one (the buyer has not
        // seen the first). Two in a row means the generator is broken: say so.
        let reference = crate::codes::order_reference();
        let confirmation_subject = order.confirmation_subject.replace(&order.reference, &reference);
        let retry = NewOrder { reference, confirmation_subject, ..order.clone() };
        self.try_place_order(&retry).await?.ok_or_else(|| {
            StoreError::Unexpected(anyhow::anyhow!("order references {} and {} were both taken", order.reference, retry.reference))
        })
    }

    #[tracing::instrument(skip(self, orders), fields(batch = orders.len()))]
    async fn place_orders(&self, orders: &[NewOrder]) -> StoreResult<Vec<OrderOutcome>> {
        if orders.iter().all(|order| order.discount.is_none()) {
            return self.place_orders_together(orders).await;
        }
        // A discount's conditional UPDATE may refuse its order alone; in a batch that would roll
        // back the neighbours too. So those go one by one, the others together.
        let plain: Vec<NewOrder> = orders.iter().filter(|order| order.discount.is_none()).cloned().collect();
        let mut together = self.place_orders_together(&plain).await?.into_iter();
        let mut outcomes = Vec::with_capacity(orders.len());
        for order in orders {
            outcomes.push(match &order.discount {
                Some(_) => self.place_order(order).await?,
                None => {
                    together.next().ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("a batch of orders gave too few outcomes")))?
                }
            });
        }
        Ok(outcomes)
    }

    #[tracing::instrument(skip(self, access_token))]
    async fn order_by_token(&self, access_token: &str) -> StoreResult<Option<OrderRecord>> {
        self.order_where("access_token = $1", access_token).await
    }

    #[tracing::instrument(skip(self))]
    async fn order_by_id(&self, order_id: i64) -> StoreResult<Option<OrderRecord>> {
        self.order_with_id(order_id).await
    }

    #[tracing::instrument(skip(self, filter))]
    async fn search_orders(&self, event_id: i64, filter: &OrderFilter) -> StoreResult<(i64, Vec<AdminOrderSummary>)> {
        let pattern = format!("%{}%", filter.query.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let status = match filter.cancelled {
            None => "",
            Some(false) => " AND o.cancelled_at IS NULL",
            Some(true) => " AND o.cancelled_at IS NOT NULL",
        };
        let condition = format!(
            "o.event_id = $1{status} AND (LOWER(o.reference) LIKE $2 ESCAPE '\\' OR LOWER(o.buyer_name) LIKE $2 ESCAPE '\\' \
             OR LOWER(o.buyer_email) LIKE $2 ESCAPE '\\')"
        );
        let total: i64 = sqlx::query_scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM orders o WHERE {condition}"))
            .bind(event_id)
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await?;
        let sql = format!(
            "SELECT o.id, o.reference, o.buyer_name, o.buyer_email, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM tickets tk WHERE tk.order_id = o.id) AS tickets, \
             o.total_minor, o.currency, o.status, o.cancelled_at, o.created_at \
             FROM orders o WHERE {condition} ORDER BY o.created_at DESC, o.id DESC LIMIT $3 OFFSET $4"
        );
        let orders =
            sqlx::query_as(&sql).bind(event_id).bind(&pattern).bind(filter.limit).bind(filter.offset).fetch_all(&self.pool).await?;
        Ok((total, orders))
    }

    #[tracing::instrument(skip(self))]
    async fn admin_order(&self, order_id: i64) -> StoreResult<Option<AdminOrderRecord>> {
        let order: Option<AdminOrderRecord> = sqlx::query_as(
            "SELECT o.id, o.event_id, o.reference, o.access_token, o.status, o.payment, o.buyer_name, o.buyer_email, \
             o.total_minor, o.discount_minor, d.code AS discount_code, o.currency, o.created_at, o.cancelled_at, \
             o.refunded_minor, o.confirmation_sent_at \
             FROM orders o LEFT JOIN discount_codes d ON d.id = o.discount_code_id WHERE o.id = $1",
        )
        .bind(order_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(mut record) = order else {
            return Ok(None);
        };
        record.order.tickets = sqlx::query_as(
            "SELECT tk.code, tk.ticket_type_id, t.name AS ticket_type_name, tk.attendee_name, tk.attendee_email, tk.checked_in_at \
             FROM tickets tk JOIN ticket_types t ON t.id = tk.ticket_type_id WHERE tk.order_id = $1 ORDER BY tk.position",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        record.order.answers = self.answers_of(&[order_id]).await?.into_iter().map(|record| record.answer).collect();
        Ok(Some(record))
    }

    #[tracing::instrument(skip(self))]
    async fn cancel_order(
        &self,
        order_id: i64,
        why: &OrderChange,
        tell_buyer: Option<&NewEmail>,
        now: DateTime<Utc>,
    ) -> StoreResult<CancelOutcome> {
        let mut tx = self.begin_write().await?;
        // Nothing was paid for an order awaiting payment, so nothing is refunded. A card order's
        // refunds are its `refunds` rows, sent through the provider (`payments`), which keep its
        // `refunded_minor` to what they add up to.
        let cancelled: Option<Option<i64>> = sqlx::query_scalar(
            "UPDATE orders SET cancelled_at = $2, \
             refunded_minor = CASE WHEN status = 'awaiting_payment' THEN 0 WHEN payment = 'card' THEN refunded_minor ELSE total_minor END \
             WHERE id = $1 AND cancelled_at IS NULL RETURNING discount_code_id",
        )
        .bind(order_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(discount) = cancelled else {
            let exists = sqlx::query("SELECT 1 FROM orders WHERE id = $1").bind(order_id).fetch_optional(&mut *tx).await?;
            return Ok(if exists.is_some() { CancelOutcome::AlreadyCancelled } else { CancelOutcome::NotFound });
        };
        let per_type: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT ticket_type_id, CAST(COUNT(*) AS BIGINT) FROM tickets WHERE order_id = $1 \
             GROUP BY ticket_type_id ORDER BY ticket_type_id",
        )
        .bind(order_id)
        .fetch_all(&mut *tx)
        .await?;
        for (id, count) in &per_type {
            let moved = sqlx::query("UPDATE ticket_types SET sold = sold - $2 WHERE id = $1 AND sold >= $2")
                .bind(id)
                .bind(count)
                .execute(&mut *tx)
                .await?;
            if moved.rows_affected() != 1 {
                return Err(StoreError::Unexpected(anyhow::anyhow!(
                    "ticket type {id} counts fewer sold than order {order_id} holds tickets of it"
                )));
            }
        }
        if let Some(discount) = discount {
            sqlx::query("UPDATE discount_codes SET uses = uses - 1 WHERE id = $1 AND uses > 0").bind(discount).execute(&mut *tx).await?;
        }
        write_history(&mut tx, order_id, "cancelled", why, now).await?;
        if let Some(email) = tell_buyer {
            super::outbox::queue_in(&mut tx, email).await?;
        }
        let returned = super::waiting_list::offer(&mut tx, per_type, now).await?;
        tx.commit().await?;
        Ok(CancelOutcome::Cancelled(returned))
    }

    #[tracing::instrument(skip(self))]
    async fn mark_paid(&self, order_id: i64, why: &OrderChange, now: DateTime<Utc>) -> StoreResult<MarkPaidOutcome> {
        let mut tx = self.begin_write().await?;
        let paid =
            sqlx::query("UPDATE orders SET status = 'confirmed' WHERE id = $1 AND status = 'awaiting_payment' AND cancelled_at IS NULL")
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
        if paid.rows_affected() == 0 {
            let cancelled: Option<bool> = sqlx::query_scalar("SELECT cancelled_at IS NOT NULL FROM orders WHERE id = $1")
                .bind(order_id)
                .fetch_optional(&mut *tx)
                .await?;
            return Ok(match cancelled {
                None => MarkPaidOutcome::NotFound,
                Some(true) => MarkPaidOutcome::Cancelled,
                Some(false) => MarkPaidOutcome::AlreadyPaid,
            });
        }
        write_history(&mut tx, order_id, "paid", why, now).await?;
        tx.commit().await?;
        Ok(MarkPaidOutcome::Paid)
    }

    async fn lapsed_unpaid_orders(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM orders WHERE status = 'awaiting_payment' AND cancelled_at IS NULL AND pay_by <= $1 \
             ORDER BY pay_by LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    #[tracing::instrument(skip(self))]
    async fn sales(&self, event_id: i64, since: DateTime<Utc>) -> StoreResult<SalesRecord> {
        // Revenue net of refunds: what orders charged (or, paying at the door, will) less what went
        // back. A cancelled order counts for what it kept: nothing, unless a card payment was kept.
        let (revenue_minor, orders): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(total_minor - refunded_minor), 0) AS BIGINT), \
             CAST(COUNT(*) FILTER (WHERE cancelled_at IS NULL) AS BIGINT) FROM orders \
             WHERE event_id = $1 AND (cancelled_at IS NULL OR status = 'confirmed')",
        )
        .bind(event_id)
        .fetch_one(&self.pool)
        .await?;
        let checked_in = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM tickets tk JOIN ticket_types t ON t.id = tk.ticket_type_id \
             WHERE t.event_id = $1 AND tk.checked_in_at IS NOT NULL",
        )
        .bind(event_id)
        .fetch_one(&self.pool)
        .await?;
        // Tickets of live orders, at the price their hold recorded.
        let revenue_by_type = sqlx::query_as(
            "SELECT hi.ticket_type_id, CAST(SUM(hi.quantity * hi.unit_price_minor) AS BIGINT) FROM orders o \
             JOIN hold_items hi ON hi.hold_id = o.hold_id WHERE o.event_id = $1 AND o.cancelled_at IS NULL \
             GROUP BY hi.ticket_type_id",
        )
        .bind(event_id)
        .fetch_all(&self.pool)
        .await?;
        let per_minute = sqlx::query_as(&format!(
            "SELECT {ORDER_MINUTE} AS minute, CAST(COUNT(*) AS BIGINT) FROM orders o JOIN tickets tk ON tk.order_id = o.id \
             WHERE o.event_id = $1 AND o.created_at >= $2 AND o.cancelled_at IS NULL GROUP BY 1 ORDER BY 1"
        ))
        .bind(event_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(SalesRecord { revenue_minor, orders, checked_in, revenue_by_type, per_minute })
    }
}

/// The order's history row for a change made in `tx`.
pub(super) async fn write_history(
    tx: &mut super::Tx,
    order_id: i64,
    change: &str,
    why: &OrderChange,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO order_history (order_id, at, change, reason, user_id) VALUES ($1, $2, $3, $4, $5)")
        .bind(order_id)
        .bind(now)
        .bind(change)
        .bind(&why.reason)
        .bind(why.user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
