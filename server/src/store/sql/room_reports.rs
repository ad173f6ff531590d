//! `waiting_room_reports`: each event's room, as it last reported.
use super::Backend;
use crate::store::{admitted_per_minute, RoomReports, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::AdminRoom;
use contract::model::RoomReport;

#[async_trait]
impl RoomReports for Backend {
    #[tracing::instrument(skip(self, report))]
    async fn record_room_report(&self, event_id: i64, report: &RoomReport, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM events WHERE id = $1").bind(event_id).fetch_optional(&mut *tx).await?;
        if exists.is_none() {
            return Ok(false);
        }
        let before: Option<(i64, DateTime<Utc>)> =
            sqlx::query_as("SELECT admitted, reported_at FROM waiting_room_reports WHERE event_id = $1")
                .bind(event_id)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO waiting_room_reports \
             (event_id, in_queue, admitted, active, estimated_wait_seconds, per_minute_now, sold_out, admitted_per_minute, reported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (event_id) DO UPDATE SET in_queue = excluded.in_queue, admitted = excluded.admitted, active = excluded.active, \
             estimated_wait_seconds = excluded.estimated_wait_seconds, per_minute_now = excluded.per_minute_now, \
             sold_out = excluded.sold_out, admitted_per_minute = excluded.admitted_per_minute, reported_at = excluded.reported_at",
        )
        .bind(event_id)
        .bind(report.in_queue)
        .bind(report.admitted)
        .bind(report.active)
        .bind(report.estimated_wait_seconds)
        .bind(report.per_minute_now)
        .bind(report.sold_out)
        .bind(admitted_per_minute(before, report.admitted, now))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    #[tracing::instrument(skip(self))]
    async fn room_report(&self, event_id: i64) -> StoreResult<Option<AdminRoom>> {
        Ok(sqlx::query_as(
            "SELECT in_queue, admitted, active, estimated_wait_seconds, per_minute_now, sold_out, admitted_per_minute, reported_at \
             FROM waiting_room_reports WHERE event_id = $1",
        )
        .bind(event_id)
        .fetch_optional(&self.pool)
        .await?)
    }
}
