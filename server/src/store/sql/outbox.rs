//! `outbox_emails`.
use super::{Backend, Tx};
use crate::store::{EmailRecord, NewEmail, Outbox, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::OrderEmail;

/// Due: not sent, not given up on, and its next try has come.
const DUE: &str = "sent_at IS NULL AND failed_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= $1)";

/// Queues `email` in the transaction of what it announces.
pub(super) async fn queue_in(tx: &mut Tx, email: &NewEmail) -> StoreResult<()> {
    sqlx::query("INSERT INTO outbox_emails (order_id, kind, recipient, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(email.order_id)
        .bind(email.kind.as_str())
        .bind(&email.recipient)
        .bind(&email.subject)
        .bind(&email.body)
        .bind(email.created_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Backend {
    /// `UPDATE outbox_emails SET <column> = <at><then> id IN (<ids>)`, 500 ids a statement: `then`
    /// goes on from the SET to the WHERE and ends where the list of ids belongs.
    async fn update_listed(&self, column: &str, at: DateTime<Utc>, then: &str, ids: &[i64]) -> StoreResult<()> {
        for chunk in ids.chunks(500) {
            let mut update = sqlx::QueryBuilder::new(format!("UPDATE outbox_emails SET {column} = "));
            update.push_bind(at).push(then).push(" id IN (");
            let mut list = update.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            update.push(")");
            update.build().execute(&self.pool).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl Outbox for Backend {
    #[tracing::instrument(skip(self, email), fields(order_id = ?email.order_id))]
    async fn queue_email(&self, email: &NewEmail) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        queue_in(&mut tx, email).await?;
        if let Some(order_id) = email.order_id {
            sqlx::query("UPDATE orders SET confirmation_sent_at = $2 WHERE id = $1")
                .bind(order_id)
                .bind(email.created_at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self))]
    async fn claim_emails(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64) -> StoreResult<Vec<EmailRecord>> {
        // The outer WHERE repeats the condition: in PostgreSQL a mailer that waited for another's
        // row locks re-checks it and skips the rows the other took.
        let sql = format!(
            "UPDATE outbox_emails SET next_attempt_at = $2 \
             WHERE id IN (SELECT id FROM outbox_emails WHERE {DUE} ORDER BY id LIMIT $3) AND {DUE} \
             RETURNING id, kind, order_id, recipient, subject, body, attempts"
        );
        let mut taken: Vec<EmailRecord> = sqlx::query_as(&sql).bind(now).bind(lease_until).bind(limit).fetch_all(&self.pool).await?;
        taken.sort_by_key(|email| email.id);
        Ok(taken)
    }

    #[tracing::instrument(skip(self, ids), fields(emails = ids.len()))]
    async fn mark_sent(&self, ids: &[i64], now: DateTime<Utc>) -> StoreResult<()> {
        self.update_listed("sent_at", now, ", last_error = NULL WHERE", ids).await
    }

    #[tracing::instrument(skip(self, error))]
    async fn mark_try_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> StoreResult<()> {
        let error: String = error.chars().take(500).collect();
        sqlx::query(
            "UPDATE outbox_emails SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, \
             failed_at = CASE WHEN $3 IS NULL THEN $4 ELSE NULL END WHERE id = $1 AND sent_at IS NULL",
        )
        .bind(id)
        .bind(error)
        .bind(retry_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self, ids), fields(emails = ids.len()))]
    async fn postpone_emails(&self, ids: &[i64], retry_at: DateTime<Utc>) -> StoreResult<()> {
        self.update_listed("next_attempt_at", retry_at, " WHERE sent_at IS NULL AND", ids).await
    }

    #[tracing::instrument(skip(self))]
    async fn order_emails(&self, order_id: i64) -> StoreResult<Vec<OrderEmail>> {
        Ok(sqlx::query_as(
            "SELECT subject, recipient, \
             CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN failed_at IS NOT NULL THEN 'failed' ELSE 'queued' END AS status, \
             attempts, last_error, created_at AS queued_at, sent_at \
             FROM outbox_emails WHERE order_id = $1 ORDER BY id DESC LIMIT 50",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn unsent_email_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_emails WHERE sent_at IS NULL AND failed_at IS NULL")
            .fetch_one(&self.pool)
            .await?)
    }
}
