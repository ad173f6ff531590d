//! Writing orders: a batch of orders is the same six statements whatever its size (claim the
//! holds, read their items, insert the orders, their confirmation emails, their tickets, their
//! answers), then one UPDATE per ticket type moving the stock from held to sold, last.
use super::{Backend, Db, Tx};
use crate::store::columns::per_ticket_type;
use crate::store::{AnswerRecord, EmailKind, NewOrder, NewTicket, OrderOutcome, OrderRecord, StoreError, StoreResult, TicketRecord};
use chrono::{DateTime, Utc};
use contract::model::{Answer, HoldStatus, TicketTypeId};
use contract::rules::hold::displayed_status;
use std::collections::HashMap;
use uuid::Uuid;

/// Rows per multi-row INSERT, to stay far below the bind-parameter limits (PostgreSQL: 65,535;
/// SQLite: 32,766) whatever `BATCH_MAX` is: 14 parameters per order, 6 per ticket, 4 per answer.
const ORDERS_PER_INSERT: usize = 1_000;
const TICKETS_PER_INSERT: usize = 2_000;
const ANSWERS_PER_INSERT: usize = 2_000;

const ORDER_COLUMNS: &str = "id, reference, access_token, hold_id, event_id, buyer_name, buyer_email, \
     status, payment, total_minor, currency, created_at, discount_minor, \
     (SELECT d.code FROM discount_codes d WHERE d.id = orders.discount_code_id) AS discount_code";

/// Each order's record (None: its hold could not be claimed) and the stock to move from held to sold.
pub(super) type Written = (Vec<Option<OrderRecord>>, Vec<(TicketTypeId, i64)>);

/// The key made an order before: for this hold (a replay) or for another.
pub(super) fn replay(existing: OrderRecord, order: &NewOrder) -> OrderOutcome {
    if existing.hold_id == order.hold_id {
        OrderOutcome::Replayed(existing)
    } else {
        OrderOutcome::KeyReused
    }
}

/// Moves ordered stock from held to sold, summed per ticket type, in ascending id order.
pub(super) async fn move_held_to_sold(tx: &mut Tx, items: Vec<(TicketTypeId, i64)>) -> StoreResult<()> {
    for (ticket_type_id, quantity) in per_ticket_type(items) {
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

impl Backend {
    /// Orders without a discount, in one transaction: every order's rows, then one UPDATE per
    /// ticket type for the whole batch, last. Any error (a reused key, which PostgreSQL cannot
    /// recover from inside the transaction) fails the batch, and the batcher goes again one by one.
    pub(super) async fn place_orders_together(&self, orders: &[NewOrder]) -> StoreResult<Vec<OrderOutcome>> {
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

    /// Writes a batch of orders with one statement per step, whatever the batch size. A hold
    /// named twice goes to the first order that names it.
    pub(super) async fn write_orders(&self, tx: &mut Tx, orders: &[NewOrder]) -> Result<Written, sqlx::Error> {
        // Claimed as of the latest order of the batch: a hold that expired while its order waited
        // for the batch is not claimed.
        let Some(now) = orders.iter().map(|order| order.created_at).max() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let mut claim = sqlx::QueryBuilder::<Db>::new("UPDATE holds SET status = 'ordered', closed_at = ");
        claim.push_bind(now).push(" WHERE status = 'active' AND expires_at > ").push_bind(now).push(" AND id IN (");
        let mut ids = claim.separated(", ");
        for order in orders {
            ids.push_bind(order.hold_id);
        }
        claim.push(") RETURNING id, event_id");
        let mut claimed: HashMap<Uuid, i64> = claim.build_query_as().fetch_all(&mut **tx).await?.into_iter().collect();
        let winners: Vec<Option<i64>> = orders.iter().map(|order| claimed.remove(&order.hold_id)).collect();
        Self::write_claimed(tx, orders, winners).await
    }

    /// Writes the rows of the orders whose holds are claimed (`winners`: each order's event, None
    /// for an order whose hold was not), one statement per step: their records, and the stock their
    /// holds held (for the caller to move to sold).
    pub(super) async fn write_claimed(tx: &mut Tx, orders: &[NewOrder], winners: Vec<Option<i64>>) -> Result<Written, sqlx::Error> {
        let made: Vec<(&NewOrder, i64)> =
            orders.iter().zip(&winners).filter_map(|(order, event)| event.map(|event| (order, event))).collect();
        if made.is_empty() {
            return Ok((winners.iter().map(|_| None).collect(), Vec::new()));
        }

        let mut items = sqlx::QueryBuilder::<Db>::new(
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
        for (id, quantity, name) in items.build_query_as::<(TicketTypeId, i64, String)>().fetch_all(&mut **tx).await? {
            moves.push((id, quantity));
            names.entry(id).or_insert(name);
        }

        let mut order_ids: HashMap<String, i64> = HashMap::with_capacity(made.len());
        for chunk in made.chunks(ORDERS_PER_INSERT) {
            let mut insert = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO orders (reference, access_token, idempotency_key, hold_id, event_id, buyer_name, \
                 buyer_email, status, payment, total_minor, currency, created_at, pay_by, discount_code_id, discount_minor, \
                 confirmation_sent_at) ",
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
                    .push_bind(order.payment.as_str())
                    .push_bind(order.total_minor)
                    .push_bind(&order.currency)
                    .push_bind(order.created_at)
                    .push_bind(order.pay_by)
                    .push_bind(order.discount.as_ref().map(|discount| discount.code_id))
                    .push_bind(order.discount.as_ref().map_or(0, |discount| discount.minor))
                    .push_bind(order.created_at);
            });
            insert.push(" RETURNING id, reference");
            for (id, reference) in insert.build_query_as::<(i64, String)>().fetch_all(&mut **tx).await? {
                order_ids.insert(reference, id);
            }
        }

        // Each made order's id, in `made`'s order; RETURNING gives every inserted row.
        let made_ids = made
            .iter()
            .map(|(order, _)| {
                order_ids
                    .get(&order.reference)
                    .copied()
                    .ok_or_else(|| sqlx::Error::Protocol(format!("the insert of order {} returned no id", order.reference)))
            })
            .collect::<Result<Vec<i64>, _>>()?;
        // The confirmations, in the orders' transaction: an order is never without its email.
        let confirmations: Vec<(i64, &NewOrder)> = made.iter().zip(&made_ids).map(|((order, _), &id)| (id, *order)).collect();
        for chunk in confirmations.chunks(ORDERS_PER_INSERT) {
            let mut insert =
                sqlx::QueryBuilder::<Db>::new("INSERT INTO outbox_emails (order_id, kind, recipient, subject, body, created_at) ");
            insert.push_values(chunk, |mut row, (order_id, order)| {
                row.push_bind(*order_id)
                    .push_bind(EmailKind::OrderConfirmation.as_str())
                    .push_bind(&order.buyer_email)
                    .push_bind(&order.confirmation_subject)
                    .push_bind("")
                    .push_bind(order.created_at);
            });
            insert.build().execute(&mut **tx).await?;
        }
        let tickets: Vec<(i64, usize, &NewTicket)> = made
            .iter()
            .zip(&made_ids)
            .flat_map(|((order, _), &order_id)| {
                order.tickets.iter().enumerate().map(move |(position, ticket)| (order_id, position, ticket))
            })
            .collect();
        for chunk in tickets.chunks(TICKETS_PER_INSERT) {
            let mut insert = sqlx::QueryBuilder::<Db>::new(
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
        let answers: Vec<(i64, &Answer)> = made
            .iter()
            .zip(&made_ids)
            .flat_map(|((order, _), &order_id)| order.answers.iter().map(move |answer| (order_id, answer)))
            .collect();
        for chunk in answers.chunks(ANSWERS_PER_INSERT) {
            let mut insert = sqlx::QueryBuilder::<Db>::new("INSERT INTO order_answers (order_id, question_id, label, answer) ");
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
                Some(OrderRecord {
                    event_id: event_id?,
                    id: made_ids.next()?,
                    reference: order.reference.clone(),
                    access_token: order.access_token.clone(),
                    hold_id: order.hold_id,
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
    pub(super) async fn order_not_made(&self, order: &NewOrder) -> StoreResult<OrderOutcome> {
        if let Some(existing) = self.order_by_key(&order.idempotency_key).await? {
            return Ok(replay(existing, order));
        }
        let hold: Option<(HoldStatus, DateTime<Utc>)> =
            sqlx::query_as("SELECT status, expires_at FROM holds WHERE id = $1").bind(order.hold_id).fetch_optional(&self.pool).await?;
        // Past its expiry but not reaped yet: expired all the same.
        let status = hold.map(|(status, expires_at)| displayed_status(status, expires_at, order.created_at));
        Ok(OrderOutcome::HoldNotLive(status))
    }

    pub(super) async fn order_by_key(&self, key: &str) -> StoreResult<Option<OrderRecord>> {
        self.order_where("idempotency_key = $1", key).await
    }

    pub(super) async fn order_where(&self, condition: &str, key: &str) -> StoreResult<Option<OrderRecord>> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE {condition}");
        let order: Option<OrderRecord> = sqlx::query_as(&sql).bind(key).fetch_optional(&self.pool).await?;
        match order {
            Some(order) => Ok(Some(self.with_tickets_and_answers(order).await?)),
            None => Ok(None),
        }
    }

    pub(super) async fn order_with_id(&self, id: i64) -> StoreResult<Option<OrderRecord>> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1");
        let order: Option<OrderRecord> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
        match order {
            Some(order) => Ok(Some(self.with_tickets_and_answers(order).await?)),
            None => Ok(None),
        }
    }

    async fn with_tickets_and_answers(&self, mut order: OrderRecord) -> StoreResult<OrderRecord> {
        order.tickets = sqlx::query_as(
            "SELECT tk.code, tk.ticket_type_id, t.name AS ticket_type_name, tk.attendee_name, tk.attendee_email FROM tickets tk \
             JOIN ticket_types t ON t.id = tk.ticket_type_id WHERE tk.order_id = $1 ORDER BY tk.position",
        )
        .bind(order.id)
        .fetch_all(&self.pool)
        .await?;
        let answers: Vec<AnswerRecord> = sqlx::query_as(
            "SELECT a.order_id, a.question_id, a.label, a.answer FROM order_answers a LEFT JOIN questions q ON q.id = a.question_id \
             WHERE a.order_id = $1 ORDER BY COALESCE(q.position, 9223372036854775807), a.question_id",
        )
        .bind(order.id)
        .fetch_all(&self.pool)
        .await?;
        order.answers = answers.into_iter().map(|record| record.answer).collect();
        Ok(order)
    }
}
