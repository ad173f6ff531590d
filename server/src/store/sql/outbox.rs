//! `outbox_emails`.
use super::Backend;
use crate::store::{EmailRecord, NewEmail, Outbox, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl Outbox for Backend {
    #[tracing::instrument(skip(self, email), fields(order_id = ?email.order_id))]
    async fn queue_email(&self, email: &NewEmail) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO outbox_emails (order_id, recipient, subject, body, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(email.order_id)
            .bind(&email.recipient)
            .bind(&email.subject)
            .bind(&email.body)
            .bind(email.created_at)
            .execute(&mut *tx)
            .await?;
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
    async fn unsent_emails(&self, limit: i64) -> StoreResult<Vec<EmailRecord>> {
        Ok(sqlx::query_as("SELECT id, recipient, subject, body FROM outbox_emails WHERE sent_at IS NULL ORDER BY created_at, id LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    #[tracing::instrument(skip(self, ids), fields(emails = ids.len()))]
    async fn mark_sent(&self, ids: &[i64], now: DateTime<Utc>) -> StoreResult<()> {
        for id in ids {
            sqlx::query("UPDATE outbox_emails SET sent_at = $2 WHERE id = $1").bind(id).bind(now).execute(&self.pool).await?;
        }
        Ok(())
    }
}
