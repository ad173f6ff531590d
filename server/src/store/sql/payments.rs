//! `payment_accounts`, `payments`, `refunds` and `payment_events` (see `store/payments.rs` for the
//! policy). Settlement locks the payment's row first, then the hold's, then ticket types in
//! ascending id order, as every other stock move does.
use super::discounts::take_discount_use;
use super::order_writes::move_held_to_sold;
use super::orders::write_history;
use super::{Backend, Tx, LOCK};
use crate::store::columns::per_ticket_type;
use crate::store::{
    NewOrder, NewPayment, NewRefund, NoOrder, OrderChange, PaymentAccountRecord, PaymentRecord, PaymentStart, Payments, RefundRecord,
    RefundRequest, Settled, StoreError, StoreResult,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::model::{HoldStatus, TicketTypeId};
use contract::payment::{IntentStatus, RefundStatus, Settlement};
use uuid::Uuid;

const PAYMENT_COLUMNS: &str = "id, hold_id, event_id, organiser_id, idempotency_key, intent_id, client_secret, amount_minor, currency, \
     status, settlement, order_id, checkout, message, created_at, updated_at";

const REFUND_COLUMNS: &str = "r.id, r.payment_id, r.order_id, r.provider_id, r.amount_minor, r.status, r.reason, r.created_at, \
     r.updated_at, p.intent_id, p.organiser_id";

impl Backend {
    async fn refund_by_id(tx: &mut Tx, id: i64) -> StoreResult<RefundRecord> {
        let sql = format!("SELECT {REFUND_COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE r.id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_one(&mut **tx).await?)
    }

    /// One try at making the order of a succeeded payment; rolled back whole when it cannot be made
    /// (then the reason, `Err`).
    async fn try_settle(&self, payment_id: i64, order: &NewOrder) -> StoreResult<Result<Settled, NoOrder>> {
        let mut tx = self.begin_write().await?;
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1{LOCK}");
        let payment: PaymentRecord = sqlx::query_as(&sql)
            .bind(payment_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("payment {payment_id} vanished")))?;
        match payment.settlement {
            Some(Settlement::Ordered) => {
                let token: String =
                    sqlx::query_scalar("SELECT access_token FROM orders WHERE id = $1").bind(payment.order_id).fetch_one(&mut *tx).await?;
                tx.rollback().await?;
                let existing = self.order_where("access_token = $1", &token).await?;
                return Ok(Ok(Settled::Ordered(
                    existing.ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("payment {payment_id}'s order vanished")))?,
                    false,
                )));
            }
            Some(Settlement::Refunded) => {
                tx.rollback().await?;
                return Ok(Ok(Settled::Refunded));
            }
            None => {}
        }
        // A live hold (even one past its expiry the reaper has not closed: its stock is still
        // held) is claimed as for any order.
        let claimed: Option<i64> = sqlx::query_scalar(
            "UPDATE holds SET status = 'ordered', closed_at = $2 WHERE id = $1 AND status = 'active' RETURNING event_id",
        )
        .bind(payment.hold_id)
        .bind(order.created_at)
        .fetch_optional(&mut *tx)
        .await?;
        let retaken = claimed.is_none();
        if retaken {
            // Expired or released while the buyer paid: its tickets again, if they are still there.
            let status: Option<HoldStatus> = sqlx::query_scalar(&format!("SELECT status FROM holds WHERE id = $1{LOCK}"))
                .bind(payment.hold_id)
                .fetch_optional(&mut *tx)
                .await?;
            if !matches!(status, Some(HoldStatus::Expired | HoldStatus::Released)) {
                tx.rollback().await?;
                return Ok(Err(NoOrder::AlreadyOrdered));
            }
            let items: Vec<(TicketTypeId, i64)> = sqlx::query_as("SELECT ticket_type_id, quantity FROM hold_items WHERE hold_id = $1")
                .bind(payment.hold_id)
                .fetch_all(&mut *tx)
                .await?;
            for (ticket_type_id, quantity) in per_ticket_type(items) {
                let taken = sqlx::query("UPDATE ticket_types SET sold = sold + $1 WHERE id = $2 AND sold + held + $1 <= capacity")
                    .bind(quantity)
                    .bind(ticket_type_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if taken != 1 {
                    tx.rollback().await?;
                    return Ok(Err(NoOrder::SoldOut));
                }
            }
            sqlx::query("UPDATE holds SET status = 'ordered', closed_at = $2 WHERE id = $1")
                .bind(payment.hold_id)
                .bind(order.created_at)
                .execute(&mut *tx)
                .await?;
        }
        let (mut records, moves) = Self::write_claimed(&mut tx, std::slice::from_ref(order), vec![Some(payment.event_id)]).await?;
        let record = records
            .pop()
            .flatten()
            .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("payment {payment_id}'s order was not written")))?;
        if !retaken {
            move_held_to_sold(&mut tx, moves).await?;
        }
        if let Some(discount) = &order.discount {
            if !take_discount_use(&mut tx, discount.code_id, order.created_at).await? {
                tx.rollback().await?;
                return Ok(Err(NoOrder::DiscountGone));
            }
        }
        sqlx::query("UPDATE payments SET status = 'succeeded', settlement = 'ordered', order_id = $2, updated_at = $3 WHERE id = $1")
            .bind(payment_id)
            .bind(record.id)
            .bind(order.created_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(Settled::Ordered(record, true)))
    }

    /// Marks a succeeded payment that cannot become an order for a full refund, in one transaction.
    async fn settle_by_refund(&self, payment_id: i64, why: NoOrder, at: DateTime<Utc>) -> StoreResult<Settled> {
        let mut tx = self.begin_write().await?;
        let settled = sqlx::query(
            "UPDATE payments SET status = 'succeeded', settlement = 'refunded', updated_at = $2 WHERE id = $1 AND settlement IS NULL",
        )
        .bind(payment_id)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if settled == 0 {
            // Settled meanwhile (the other of webhook and return path won): the caller asks again.
            tx.rollback().await?;
            return Ok(Settled::Refunded);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO refunds (payment_id, order_id, amount_minor, status, reason, created_at, updated_at) \
             SELECT id, NULL, amount_minor, 'requested', $2, $3, $3 FROM payments WHERE id = $1 RETURNING id",
        )
        .bind(payment_id)
        .bind(why.reason())
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        let refund = Self::refund_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Settled::Refund(refund))
    }
}

#[async_trait]
impl Payments for Backend {
    async fn payment_account(&self, organiser_id: i64) -> StoreResult<Option<PaymentAccountRecord>> {
        Ok(sqlx::query_as(
            "SELECT organiser_id, publishable_key, secret_key, webhook_secret, live, updated_at FROM payment_accounts WHERE organiser_id = $1",
        )
        .bind(organiser_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn save_payment_account(&self, account: &PaymentAccountRecord, user_id: Option<i64>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO payment_accounts (organiser_id, provider, publishable_key, secret_key, webhook_secret, live, updated_at, updated_by) \
             VALUES ($1, 'stripe', $2, $3, $4, $5, $6, $7) ON CONFLICT (organiser_id) DO UPDATE SET \
             publishable_key = excluded.publishable_key, secret_key = excluded.secret_key, webhook_secret = excluded.webhook_secret, \
             live = excluded.live, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(account.organiser_id)
        .bind(&account.publishable_key)
        .bind(&account.secret_key)
        .bind(&account.webhook_secret)
        .bind(account.live)
        .bind(account.updated_at)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn remove_payment_account(&self, organiser_id: i64) -> StoreResult<bool> {
        let removed = sqlx::query("DELETE FROM payment_accounts WHERE organiser_id = $1")
            .bind(organiser_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(removed > 0)
    }

    #[tracing::instrument(skip(self, payment), fields(hold_id = %payment.hold_id))]
    async fn start_payment(&self, payment: &NewPayment) -> StoreResult<PaymentStart> {
        let mut tx = self.begin_write().await?;
        let hold: Option<(HoldStatus, DateTime<Utc>)> =
            sqlx::query_as(&format!("SELECT status, expires_at FROM holds WHERE id = $1{LOCK}"))
                .bind(payment.hold_id)
                .fetch_optional(&mut *tx)
                .await?;
        let existing = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE hold_id = $1 AND idempotency_key = $2");
        let found: Option<PaymentRecord> =
            sqlx::query_as(&existing).bind(payment.hold_id).bind(&payment.idempotency_key).fetch_optional(&mut *tx).await?;
        if let Some(found) = found {
            tx.rollback().await?;
            return Ok(PaymentStart::Existing(found));
        }
        let live = hold.is_some_and(|(status, expires_at)| contract::rules::hold::is_live(status, expires_at, payment.created_at));
        if !live {
            tx.rollback().await?;
            let status = hold.map(|(status, expires_at)| contract::rules::hold::displayed_status(status, expires_at, payment.created_at));
            return Ok(PaymentStart::HoldNotLive(status));
        }
        let first: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM payments WHERE hold_id = $1)")
            .bind(payment.hold_id)
            .fetch_one(&mut *tx)
            .await?;
        if first {
            sqlx::query("UPDATE holds SET expires_at = $2 WHERE id = $1 AND expires_at < $2")
                .bind(payment.hold_id)
                .bind(payment.keep_hold_until)
                .execute(&mut *tx)
                .await?;
        }
        let insert = format!(
            "INSERT INTO payments (hold_id, event_id, organiser_id, idempotency_key, amount_minor, currency, status, checkout, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'created', $7, $8, $8) RETURNING {PAYMENT_COLUMNS}"
        );
        let record: PaymentRecord = sqlx::query_as(&insert)
            .bind(payment.hold_id)
            .bind(payment.event_id)
            .bind(payment.organiser_id)
            .bind(&payment.idempotency_key)
            .bind(payment.amount_minor)
            .bind(&payment.currency)
            .bind(&payment.checkout)
            .bind(payment.created_at)
            .fetch_one(&mut *tx)
            .await?;
        let expires_at: DateTime<Utc> =
            sqlx::query_scalar("SELECT expires_at FROM holds WHERE id = $1").bind(payment.hold_id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(PaymentStart::Started(record, expires_at))
    }

    async fn payment_by_attempt(&self, hold_id: Uuid, idempotency_key: &str) -> StoreResult<Option<PaymentRecord>> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE hold_id = $1 AND idempotency_key = $2");
        Ok(sqlx::query_as(&sql).bind(hold_id).bind(idempotency_key).fetch_optional(&self.pool).await?)
    }

    async fn payment_by_intent(&self, intent_id: &str) -> StoreResult<Option<PaymentRecord>> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE intent_id = $1");
        Ok(sqlx::query_as(&sql).bind(intent_id).fetch_optional(&self.pool).await?)
    }

    async fn payment_by_id(&self, id: i64) -> StoreResult<Option<PaymentRecord>> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    async fn payment_of_order(&self, order_id: i64) -> StoreResult<Option<PaymentRecord>> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE order_id = $1");
        Ok(sqlx::query_as(&sql).bind(order_id).fetch_optional(&self.pool).await?)
    }

    async fn record_intent(
        &self,
        payment_id: i64,
        intent_id: Option<&str>,
        client_secret: Option<&str>,
        status: IntentStatus,
        message: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE payments SET intent_id = COALESCE(intent_id, $2), client_secret = COALESCE($3, client_secret), \
             status = CASE WHEN settlement IS NULL AND status <> 'succeeded' THEN $4 ELSE status END, message = $5, updated_at = $6 \
             WHERE id = $1",
        )
        .bind(payment_id)
        .bind(intent_id)
        .bind(client_secret)
        .bind(status.as_str())
        .bind(message)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self, order))]
    async fn settle_payment(&self, payment_id: i64, order: &NewOrder) -> StoreResult<Settled> {
        match self.try_settle(payment_id, order).await? {
            Ok(settled) => Ok(settled),
            Err(why) => match self.settle_by_refund(payment_id, why, order.created_at).await? {
                // Settled by the other path meanwhile: read what it decided.
                Settled::Refunded => match self.try_settle(payment_id, order).await? {
                    Ok(settled) => Ok(settled),
                    Err(_) => Ok(Settled::Refunded),
                },
                settled => Ok(settled),
            },
        }
    }

    async fn unsettled_payments(&self, before: DateTime<Utc>, limit: i64) -> StoreResult<Vec<PaymentRecord>> {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE settlement IS NULL AND status NOT IN ('failed', 'canceled') \
             AND updated_at < $1 ORDER BY updated_at LIMIT $2"
        );
        Ok(sqlx::query_as(&sql).bind(before).bind(limit).fetch_all(&self.pool).await?)
    }

    #[tracing::instrument(skip(self, refund), fields(order_id = refund.order_id))]
    async fn request_refund(&self, refund: &NewRefund) -> StoreResult<RefundRequest> {
        let mut tx = self.begin_write().await?;
        let payment: Option<(i64, i64)> = sqlx::query_as(&format!("SELECT id, amount_minor FROM payments WHERE order_id = $1{LOCK}"))
            .bind(refund.order_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((payment_id, paid)) = payment else {
            tx.rollback().await?;
            return Ok(RefundRequest::NotCardPaid);
        };
        let refunded: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM refunds WHERE payment_id = $1 AND status <> 'failed'",
        )
        .bind(payment_id)
        .fetch_one(&mut *tx)
        .await?;
        let left = paid - refunded;
        if refund.amount_minor > left || refund.amount_minor <= 0 {
            tx.rollback().await?;
            return Ok(RefundRequest::TooMuch { left_minor: left.max(0) });
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO refunds (payment_id, order_id, amount_minor, status, reason, requested_by, created_at, updated_at) \
             VALUES ($1, $2, $3, 'requested', $4, $5, $6, $6) RETURNING id",
        )
        .bind(payment_id)
        .bind(refund.order_id)
        .bind(refund.amount_minor)
        .bind(&refund.reason)
        .bind(refund.user_id)
        .bind(refund.at)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE orders SET refunded_minor = $2 WHERE id = $1")
            .bind(refund.order_id)
            .bind(refunded + refund.amount_minor)
            .execute(&mut *tx)
            .await?;
        let why = OrderChange { user_id: refund.user_id, reason: refund.reason.clone() };
        write_history(&mut tx, refund.order_id, "refunded", &why, refund.at).await?;
        if let Some(email) = &refund.tell_buyer {
            super::outbox::queue_in(&mut tx, email).await?;
        }
        let record = Self::refund_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(RefundRequest::Requested(record))
    }

    async fn record_refund(&self, refund_id: i64, provider_id: Option<&str>, status: RefundStatus, at: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let order: Option<Option<i64>> = sqlx::query_scalar(
            "UPDATE refunds SET provider_id = COALESCE(provider_id, $2), status = $3, updated_at = $4 \
             WHERE id = $1 AND status <> 'succeeded' AND status <> 'failed' RETURNING order_id",
        )
        .bind(refund_id)
        .bind(provider_id)
        .bind(status.as_str())
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?;
        if let (Some(Some(order_id)), RefundStatus::Failed) = (order, status) {
            // The money did not go back: the order is owed it again.
            sqlx::query(
                "UPDATE orders SET refunded_minor = (SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM refunds \
                 WHERE order_id = $1 AND status <> 'failed') WHERE id = $1",
            )
            .bind(order_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn refund_by_provider_id(&self, provider_id: &str) -> StoreResult<Option<RefundRecord>> {
        let sql = format!("SELECT {REFUND_COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE r.provider_id = $1");
        Ok(sqlx::query_as(&sql).bind(provider_id).fetch_optional(&self.pool).await?)
    }

    async fn unfinished_refunds(&self, before: DateTime<Utc>, limit: i64) -> StoreResult<Vec<RefundRecord>> {
        let sql = format!(
            "SELECT {REFUND_COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id \
             WHERE r.status IN ('requested', 'pending') AND r.updated_at < $1 ORDER BY r.updated_at LIMIT $2"
        );
        Ok(sqlx::query_as(&sql).bind(before).bind(limit).fetch_all(&self.pool).await?)
    }

    async fn refunds_of_order(&self, order_id: i64) -> StoreResult<Vec<RefundRecord>> {
        let sql =
            format!("SELECT {REFUND_COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE r.order_id = $1 ORDER BY r.id");
        Ok(sqlx::query_as(&sql).bind(order_id).fetch_all(&self.pool).await?)
    }

    async fn payment_event_seen(&self, event_id: &str) -> StoreResult<bool> {
        Ok(sqlx::query("SELECT 1 FROM payment_events WHERE event_id = $1").bind(event_id).fetch_optional(&self.pool).await?.is_some())
    }

    async fn record_payment_event(&self, event_id: &str, organiser_id: i64, kind: &str, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO payment_events (event_id, organiser_id, type, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(organiser_id)
        .bind(kind)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
