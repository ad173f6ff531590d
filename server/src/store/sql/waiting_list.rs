//! `waiting_list_entries`, and the offer made in every transaction that returns stock (module
//! policy in `store/waiting_list.rs`).
use super::{Backend, Tx};
use crate::store::{Joined, NewEmail, NewWaitingEntry, ReturnedStock, StoreResult, UnsentOffer, WaitingEntryRecord, WaitingLists};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::model::{HoldStatus, TicketTypeId};
use uuid::Uuid;

const ENTRY_SELECT: &str = "SELECT w.id, w.event_id, w.ticket_type_id, t.name AS ticket_type_name, w.name, w.email, w.quantity, \
     w.state, w.hold_id, h.status AS hold_status, h.expires_at AS offer_expires_at, w.joined_at, w.offered_at, w.removed_at, \
     CASE WHEN w.state = 'waiting' THEN (SELECT CAST(COUNT(*) AS BIGINT) FROM waiting_list_entries a \
     WHERE a.ticket_type_id = w.ticket_type_id AND a.state = 'waiting' AND a.id <= w.id) END AS position \
     FROM waiting_list_entries w JOIN ticket_types t ON t.id = w.ticket_type_id LEFT JOIN holds h ON h.id = w.hold_id";

/// Offers the stock of `returned` types (and whatever else is free of them) to their waiting
/// lists, in order, as holds made in `tx`, which has already updated (so locked) those types'
/// rows. What is left for the public: the returned stock less what was offered, and nothing of a
/// type whose list still has someone waiting (the gate is given back only that).
pub(super) async fn offer(tx: &mut Tx, returned: ReturnedStock, now: DateTime<Utc>) -> StoreResult<ReturnedStock> {
    let mut public = Vec::with_capacity(returned.len());
    for (ticket_type_id, quantity) in returned {
        let offered = offer_type(tx, ticket_type_id, now).await?;
        let still_waiting: Option<i64> =
            sqlx::query_scalar("SELECT id FROM waiting_list_entries WHERE ticket_type_id = $1 AND state = 'waiting' LIMIT 1")
                .bind(ticket_type_id)
                .fetch_optional(&mut **tx)
                .await?;
        let left = if still_waiting.is_some() { 0 } else { (quantity - offered).max(0) };
        if left > 0 {
            public.push((ticket_type_id, left));
        }
    }
    Ok(public)
}

/// Offers what is free of one type to the head of its list while the head's request fits; how
/// many tickets were offered.
async fn offer_type(tx: &mut Tx, ticket_type_id: TicketTypeId, now: DateTime<Utc>) -> StoreResult<i64> {
    let settings: Option<(i64, i64, i64, bool, i64)> = sqlx::query_as(
        "SELECT t.event_id, t.price_minor, t.capacity - t.sold - t.held, e.waiting_list, e.waiting_list_offer_minutes \
         FROM ticket_types t JOIN events e ON e.id = t.event_id WHERE t.id = $1",
    )
    .bind(ticket_type_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((event_id, price_minor, mut free, open, minutes)) = settings else { return Ok(0) };
    if !open {
        return Ok(0);
    }
    let mut offered = 0;
    loop {
        let head: Option<(i64, i64)> = sqlx::query_as(
            "SELECT id, quantity FROM waiting_list_entries WHERE ticket_type_id = $1 AND state = 'waiting' ORDER BY id LIMIT 1",
        )
        .bind(ticket_type_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((entry_id, quantity)) = head else { break };
        if quantity > free {
            break;
        }
        let hold_id = Uuid::new_v4();
        sqlx::query("INSERT INTO holds (id, event_id, status, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(hold_id)
            .bind(event_id)
            .bind(HoldStatus::Active.as_str())
            .bind(now + chrono::Duration::minutes(minutes))
            .bind(now)
            .execute(&mut **tx)
            .await?;
        sqlx::query("INSERT INTO hold_items (hold_id, ticket_type_id, quantity, unit_price_minor) VALUES ($1, $2, $3, $4)")
            .bind(hold_id)
            .bind(ticket_type_id)
            .bind(quantity)
            .bind(price_minor)
            .execute(&mut **tx)
            .await?;
        let taken = sqlx::query("UPDATE ticket_types SET held = held + $1 WHERE id = $2 AND sold + held + $1 <= capacity")
            .bind(quantity)
            .bind(ticket_type_id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        let marked = sqlx::query(
            "UPDATE waiting_list_entries SET state = 'offered', hold_id = $2, offered_at = $3 WHERE id = $1 AND state = 'waiting'",
        )
        .bind(entry_id)
        .bind(hold_id)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if taken != 1 || marked != 1 {
            return Err(anyhow::anyhow!("the offer to waiting list entry {entry_id} did not take its stock").into());
        }
        free -= quantity;
        offered += quantity;
    }
    Ok(offered)
}

impl Backend {
    async fn entry_where(&self, condition: &str, id: i64) -> StoreResult<Option<WaitingEntryRecord>> {
        let sql = format!("{ENTRY_SELECT} WHERE {condition}");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }
}

#[async_trait]
impl WaitingLists for Backend {
    #[tracing::instrument(skip_all, fields(entries = entries.len()))]
    async fn join_waiting_lists(&self, entries: &[NewWaitingEntry]) -> StoreResult<Vec<Joined>> {
        let Some(now) = entries.iter().map(|entry| entry.joined_at).max() else { return Ok(Vec::new()) };
        let mut types: Vec<TicketTypeId> = entries.iter().map(|entry| entry.ticket_type_id).collect();
        types.sort_unstable();
        types.dedup();
        let mut tx = self.begin_write().await?;
        // The types' rows first (in id order, as every stock change takes them): joins and offers
        // of one type queue behind each other.
        for ticket_type_id in &types {
            sqlx::query("UPDATE ticket_types SET held = held WHERE id = $1").bind(ticket_type_id).execute(&mut *tx).await?;
        }
        // (entry id, new): an address already waiting for the type keeps its place, also when it
        // joins twice within one batch.
        let mut ids = Vec::with_capacity(entries.len());
        for entry in entries {
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM waiting_list_entries WHERE ticket_type_id = $1 AND email = $2 AND state = 'waiting'")
                    .bind(entry.ticket_type_id)
                    .bind(&entry.email)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(id) = existing {
                ids.push((id, false));
                continue;
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO waiting_list_entries (event_id, ticket_type_id, name, email, quantity, state, joined_at) \
                 VALUES ($1, $2, $3, $4, $5, 'waiting', $6) RETURNING id",
            )
            .bind(entry.event_id)
            .bind(entry.ticket_type_id)
            .bind(&entry.name)
            .bind(&entry.email)
            .bind(entry.quantity)
            .bind(entry.joined_at)
            .fetch_one(&mut *tx)
            .await?;
            ids.push((id, true));
        }
        // Stock may be free (a hold expired a moment ago, and nobody was waiting then).
        offer(&mut tx, types.iter().map(|ticket_type_id| (*ticket_type_id, 0)).collect(), now).await?;
        tx.commit().await?;
        let mut joined = Vec::with_capacity(ids.len());
        for (id, new) in ids {
            let record = self.entry_where("w.id = $1", id).await?.ok_or_else(|| anyhow::anyhow!("entry {id} vanished"))?;
            joined.push(if new { Joined::Joined(record) } else { Joined::AlreadyWaiting(record) });
        }
        Ok(joined)
    }

    #[tracing::instrument(skip(self))]
    async fn waiting_list_after(&self, event_id: i64, after_id: i64, limit: i64) -> StoreResult<Vec<WaitingEntryRecord>> {
        let sql = format!("{ENTRY_SELECT} WHERE w.event_id = $1 AND w.id > $2 ORDER BY w.id LIMIT $3");
        Ok(sqlx::query_as(&sql).bind(event_id).bind(after_id).bind(limit).fetch_all(&self.pool).await?)
    }

    async fn waiting_entry(&self, entry_id: i64) -> StoreResult<Option<WaitingEntryRecord>> {
        self.entry_where("w.id = $1", entry_id).await
    }

    #[tracing::instrument(skip(self))]
    async fn remove_waiting_entry(&self, entry_id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let removed: Option<TicketTypeId> = sqlx::query_scalar(
            "UPDATE waiting_list_entries SET state = 'removed', removed_at = $2 WHERE id = $1 AND state = 'waiting' RETURNING ticket_type_id",
        )
        .bind(entry_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(ticket_type_id) = removed else {
            tx.rollback().await?;
            return Ok(false);
        };
        // The next in line may fit what the removed entry was waiting for.
        sqlx::query("UPDATE ticket_types SET held = held WHERE id = $1").bind(ticket_type_id).execute(&mut *tx).await?;
        offer(&mut tx, vec![(ticket_type_id, 0)], now).await?;
        tx.commit().await?;
        Ok(true)
    }

    #[tracing::instrument(skip(self))]
    async fn close_waiting_list(&self, event_id: i64, now: DateTime<Utc>) -> StoreResult<Vec<TicketTypeId>> {
        let types: Vec<TicketTypeId> = sqlx::query_scalar(
            "UPDATE waiting_list_entries SET state = 'removed', removed_at = $2 WHERE event_id = $1 AND state = 'waiting' \
             RETURNING ticket_type_id",
        )
        .bind(event_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut types = types;
        types.sort_unstable();
        types.dedup();
        Ok(types)
    }

    async fn unsent_offers(&self, limit: i64) -> StoreResult<Vec<UnsentOffer>> {
        Ok(sqlx::query_as(
            "SELECT w.id AS entry_id, w.name, w.email, w.quantity, e.title AS event_title, t.name AS ticket_type_name, \
             h.id AS hold_id, h.expires_at FROM waiting_list_entries w \
             JOIN ticket_types t ON t.id = w.ticket_type_id JOIN events e ON e.id = w.event_id JOIN holds h ON h.id = w.hold_id \
             WHERE w.state = 'offered' AND w.offer_emailed_at IS NULL ORDER BY w.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    #[tracing::instrument(skip(self, emails), fields(emails = emails.len()))]
    async fn queue_offer_emails(&self, emails: &[(i64, NewEmail)], now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (entry_id, email) in emails {
            let marked = sqlx::query("UPDATE waiting_list_entries SET offer_emailed_at = $2 WHERE id = $1 AND offer_emailed_at IS NULL")
                .bind(entry_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if marked == 1 {
                super::outbox::queue_in(&mut tx, email).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
