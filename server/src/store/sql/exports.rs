//! `exports`, the job queue of attendee exports, and the pages of tickets they read.
use super::Backend;
use crate::store::{AttendeeRow, Exports, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::ExportJob;
use contract::admin::ExportStatus;

const EXPORT_COLUMNS: &str = "id, event_id, status, done, total, created_at, finished_at, error";

#[async_trait]
impl Exports for Backend {
    #[tracing::instrument(skip(self))]
    async fn insert_export(&self, event_id: i64, user_id: i64, now: DateTime<Utc>) -> StoreResult<ExportJob> {
        let sql = format!(
            "INSERT INTO exports (event_id, requested_by, status, created_at) VALUES ($1, $2, 'queued', $3) RETURNING {EXPORT_COLUMNS}"
        );
        Ok(sqlx::query_as(&sql).bind(event_id).bind(user_id).bind(now).fetch_one(&self.pool).await?)
    }

    #[tracing::instrument(skip(self))]
    async fn export(&self, id: i64) -> StoreResult<Option<ExportJob>> {
        let sql = format!("SELECT {EXPORT_COLUMNS} FROM exports WHERE id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    #[tracing::instrument(skip(self))]
    async fn export_csv(&self, id: i64) -> StoreResult<Option<String>> {
        let csv: Option<Option<String>> =
            sqlx::query_scalar("SELECT csv FROM exports WHERE id = $1 AND status = 'done'").bind(id).fetch_optional(&self.pool).await?;
        Ok(csv.flatten())
    }

    #[tracing::instrument(skip(self))]
    async fn claim_export(&self, now: DateTime<Utc>) -> StoreResult<Option<ExportJob>> {
        let sql = format!(
            "UPDATE exports SET status = 'running', started_at = $1 WHERE id = \
             (SELECT id FROM exports WHERE status = 'queued' ORDER BY created_at, id LIMIT 1) AND status = 'queued' \
             RETURNING {EXPORT_COLUMNS}"
        );
        Ok(sqlx::query_as(&sql).bind(now).fetch_optional(&self.pool).await?)
    }

    async fn export_progress(&self, id: i64, done: i64, total: i64) -> StoreResult<()> {
        sqlx::query("UPDATE exports SET done = $2, total = $3 WHERE id = $1").bind(id).bind(done).bind(total).execute(&self.pool).await?;
        Ok(())
    }

    #[tracing::instrument(skip(self, result))]
    async fn finish_export(&self, id: i64, result: Result<String, String>, now: DateTime<Utc>) -> StoreResult<()> {
        let (status, csv, error) = match result {
            Ok(csv) => (ExportStatus::Done, Some(csv), None),
            Err(error) => (ExportStatus::Failed, None, Some(error)),
        };
        sqlx::query("UPDATE exports SET status = $2, csv = $3, error = $4, finished_at = $5 WHERE id = $1")
            .bind(id)
            .bind(status.as_str())
            .bind(csv)
            .bind(error)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self))]
    async fn count_attendees(&self, event_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM tickets tk JOIN ticket_types t ON t.id = tk.ticket_type_id WHERE t.event_id = $1",
        )
        .bind(event_id)
        .fetch_one(&self.pool)
        .await?)
    }

    #[tracing::instrument(skip(self))]
    async fn attendees_page(&self, event_id: i64, after: i64, limit: i64) -> StoreResult<Vec<AttendeeRow>> {
        Ok(sqlx::query_as(
            "SELECT tk.id AS ticket_id, tk.order_id, tk.code, t.name AS ticket_type_name, tk.attendee_name, tk.attendee_email, \
             o.reference AS order_reference, o.buyer_name, o.buyer_email, o.status, o.cancelled_at, o.payment, o.total_minor, \
             o.refunded_minor, o.currency, \
             o.cancelled_at IS NOT NULL AS cancelled, tk.checked_in_at, o.created_at AS ordered_at \
             FROM tickets tk JOIN ticket_types t ON t.id = tk.ticket_type_id JOIN orders o ON o.id = tk.order_id \
             WHERE t.event_id = $1 AND tk.id > $2 ORDER BY tk.id LIMIT $3",
        )
        .bind(event_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
