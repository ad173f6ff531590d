//! `events`: one write path for new events (`create_event`, for organisers and seeders alike), and
//! the version bump every page-visible change makes in its own transaction.
use super::{Backend, Db, Tx};
use crate::store::{AdminEventRecord, EventDetails, EventRecord, Events, Saved, StoreResult, Unique};
use async_trait::async_trait;

const EVENT_COLUMNS: &str =
    "id, organiser_id, slug, title, description, venue, timezone, starts_at, ends_at, currency, offline_payment_days, card_payments, waiting_list, waiting_list_offer_minutes, waiting_room, waiting_room_per_minute, waiting_room_max_active, published, version";

/// An event with its owner and totals over its ticket types ([`AdminEventRecord`]); a WHERE follows.
fn admin_event_select() -> String {
    format!(
        "SELECT {EVENT_COLUMNS}, \
         (SELECT CAST(COALESCE(SUM(sold), 0) AS BIGINT) FROM ticket_types t WHERE t.event_id = events.id) AS total_sold, \
         (SELECT CAST(COALESCE(SUM(capacity), 0) AS BIGINT) FROM ticket_types t WHERE t.event_id = events.id) AS total_capacity \
         FROM events"
    )
}

/// A statement that returns the event's id.
type IdQuery<'q> = sqlx::query::QueryScalar<'q, Db, i64, <Db as sqlx::Database>::Arguments<'q>>;

/// Binds an event form's fields as the next fifteen parameters, in the order the statements list them.
fn bind_event<'q>(query: IdQuery<'q>, change: &'q EventDetails) -> IdQuery<'q> {
    query
        .bind(&change.slug)
        .bind(&change.title)
        .bind(&change.description)
        .bind(&change.venue)
        .bind(&change.timezone)
        .bind(change.starts_at)
        .bind(change.ends_at)
        .bind(&change.currency)
        .bind(change.offline_payment_days)
        .bind(change.card_payments)
        .bind(change.waiting_list)
        .bind(change.waiting_list_offer_minutes)
        .bind(change.waiting_room)
        .bind(change.waiting_room_per_minute)
        .bind(change.waiting_room_max_active)
}

/// Bumps the event's version, in the transaction of the change that pages will show.
pub(super) async fn bump_version(tx: &mut Tx, event_id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE events SET version = version + 1 WHERE id = $1").bind(event_id).execute(&mut **tx).await?;
    Ok(())
}

#[async_trait]
impl Events for Backend {
    #[tracing::instrument(skip(self, details), fields(slug = %details.slug))]
    async fn create_event(&self, organiser_id: i64, details: &EventDetails, published: bool) -> StoreResult<Saved<i64>> {
        let query = sqlx::query_scalar(
            "INSERT INTO events (organiser_id, slug, title, description, venue, timezone, starts_at, ends_at, currency, \
             offline_payment_days, card_payments, waiting_list, waiting_list_offer_minutes, waiting_room, waiting_room_per_minute, \
             waiting_room_max_active, published) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
        )
        .bind(organiser_id);
        match bind_event(query, details).bind(published).fetch_one(&self.pool).await {
            Ok(id) => Ok(Saved::Saved(id)),
            Err(err) if Unique::violated_by(&err) == Some(Unique::EventSlug) => Ok(Saved::Taken),
            Err(err) => Err(err.into()),
        }
    }

    async fn count_events(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) AS n FROM events").fetch_one(&self.pool).await?)
    }

    #[tracing::instrument(skip(self))]
    async fn published_events(&self) -> StoreResult<Vec<EventRecord>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE published = $1 ORDER BY starts_at, id LIMIT 200");
        Ok(sqlx::query_as(&sql).bind(true).fetch_all(&self.pool).await?)
    }

    #[tracing::instrument(skip(self))]
    async fn event_by_slug(&self, slug: &str) -> StoreResult<Option<EventRecord>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE slug = $1");
        Ok(sqlx::query_as(&sql).bind(slug).fetch_optional(&self.pool).await?)
    }

    #[tracing::instrument(skip(self))]
    async fn event_by_id(&self, id: i64) -> StoreResult<Option<EventRecord>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    #[tracing::instrument(skip(self))]
    async fn organisation_events(&self, organiser_id: i64) -> StoreResult<Vec<AdminEventRecord>> {
        let sql = format!("{} WHERE organiser_id = $1 ORDER BY starts_at, id", admin_event_select());
        Ok(sqlx::query_as(&sql).bind(organiser_id).fetch_all(&self.pool).await?)
    }

    #[tracing::instrument(skip(self))]
    async fn admin_event(&self, event_id: i64) -> StoreResult<Option<AdminEventRecord>> {
        let sql = format!("{} WHERE id = $1", admin_event_select());
        Ok(sqlx::query_as(&sql).bind(event_id).fetch_optional(&self.pool).await?)
    }

    #[tracing::instrument(skip(self, change), fields(slug = %change.slug))]
    async fn update_event(&self, event_id: i64, change: &EventDetails) -> StoreResult<Saved<()>> {
        let query = sqlx::query_scalar(
            "UPDATE events SET slug = $2, title = $3, description = $4, venue = $5, timezone = $6, starts_at = $7, \
             ends_at = $8, currency = $9, offline_payment_days = $10, card_payments = $11, waiting_list = $12, \
             waiting_list_offer_minutes = $13, waiting_room = $14, waiting_room_per_minute = $15, waiting_room_max_active = $16, \
             version = version + 1 \
             WHERE id = $1 RETURNING id",
        )
        .bind(event_id);
        match bind_event(query, change).fetch_optional(&self.pool).await {
            Ok(Some(_)) => Ok(Saved::Saved(())),
            Ok(None) => Ok(Saved::NotFound),
            Err(err) if Unique::violated_by(&err) == Some(Unique::EventSlug) => Ok(Saved::Taken),
            Err(err) => Err(err.into()),
        }
    }

    #[tracing::instrument(skip(self))]
    async fn set_published(&self, event_id: i64, published: bool) -> StoreResult<()> {
        sqlx::query("UPDATE events SET published = $2, version = version + 1 WHERE id = $1")
            .bind(event_id)
            .bind(published)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
