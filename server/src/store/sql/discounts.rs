//! `discount_codes`: configuration, lookup at checkout, and taking a use in an order's transaction.
use super::{Backend, Db, Tx};
use crate::store::columns::IdList;
use crate::store::unique::is_foreign_key_violation;
use crate::store::{DiscountChange, DiscountRecord, Discounts, Removed, Saved, StoreResult, Unique};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

const DISCOUNT_COLUMNS: &str = "id, event_id, code, kind, amount, max_uses, uses, expires_at, ticket_type_ids";

type DiscountQuery<'q> = sqlx::query::QueryAs<'q, Db, DiscountRecord, <Db as sqlx::Database>::Arguments<'q>>;

/// Binds a discount form's fields as the next six parameters.
fn bind_discount<'q>(query: DiscountQuery<'q>, change: &'q DiscountChange) -> DiscountQuery<'q> {
    query
        .bind(&change.code)
        .bind(change.kind.as_str())
        .bind(change.amount)
        .bind(change.max_uses)
        .bind(change.expires_at)
        .bind(IdList::new(&change.ticket_type_ids))
}

/// What a write of a code found: saved, or the event has the code already.
fn saved(written: Result<Option<DiscountRecord>, sqlx::Error>) -> StoreResult<Saved<DiscountRecord>> {
    match written {
        Ok(Some(record)) => Ok(Saved::Saved(record)),
        Ok(None) => Ok(Saved::NotFound),
        Err(err) if Unique::violated_by(&err) == Some(Unique::DiscountCode) => Ok(Saved::Taken),
        Err(err) => Err(err.into()),
    }
}

/// Takes one use of a discount code if it has one left and has not expired at `now`: false when
/// it cannot (used up, expired, or removed).
pub(super) async fn take_discount_use(tx: &mut Tx, code_id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
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

#[async_trait]
impl Discounts for Backend {
    #[tracing::instrument(skip(self, code))]
    async fn discount_code(&self, event_id: i64, code: &str) -> StoreResult<Option<DiscountRecord>> {
        let sql = format!("SELECT {DISCOUNT_COLUMNS} FROM discount_codes WHERE event_id = $1 AND code = $2");
        Ok(sqlx::query_as(&sql).bind(event_id).bind(code).fetch_optional(&self.pool).await?)
    }

    #[tracing::instrument(skip(self))]
    async fn discounts(&self, event_id: i64) -> StoreResult<Vec<DiscountRecord>> {
        let sql = format!("SELECT {DISCOUNT_COLUMNS} FROM discount_codes WHERE event_id = $1 ORDER BY code");
        Ok(sqlx::query_as(&sql).bind(event_id).fetch_all(&self.pool).await?)
    }

    #[tracing::instrument(skip(self, change), fields(code = %change.code))]
    async fn insert_discount(&self, event_id: i64, change: &DiscountChange, now: DateTime<Utc>) -> StoreResult<Saved<DiscountRecord>> {
        let sql = format!(
            "INSERT INTO discount_codes (event_id, code, kind, amount, max_uses, expires_at, ticket_type_ids, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {DISCOUNT_COLUMNS}"
        );
        saved(bind_discount(sqlx::query_as(&sql).bind(event_id), change).bind(now).fetch_optional(&self.pool).await)
    }

    #[tracing::instrument(skip(self, change), fields(code = %change.code))]
    async fn update_discount(&self, id: i64, change: &DiscountChange) -> StoreResult<Saved<DiscountRecord>> {
        // A limit below the uses so far would break the CHECK: it is raised to them, which stops
        // the code as the organiser meant.
        let sql = format!(
            "UPDATE discount_codes SET code = $2, kind = $3, amount = $4, \
             max_uses = CASE WHEN $5 IS NULL THEN NULL WHEN $5 < uses THEN uses ELSE $5 END, \
             expires_at = $6, ticket_type_ids = $7 WHERE id = $1 RETURNING {DISCOUNT_COLUMNS}"
        );
        saved(bind_discount(sqlx::query_as(&sql).bind(id), change).fetch_optional(&self.pool).await)
    }

    #[tracing::instrument(skip(self))]
    async fn delete_discount(&self, id: i64) -> StoreResult<Removed> {
        let mut tx = self.begin_write().await?;
        let used: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE discount_code_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if used > 0 {
            return Ok(Removed::InUse);
        }
        match sqlx::query("DELETE FROM discount_codes WHERE id = $1").bind(id).execute(&mut *tx).await {
            Ok(done) => {
                tx.commit().await?;
                Ok(if done.rows_affected() == 1 { Removed::Removed } else { Removed::NotFound })
            }
            // An order took the code between the count and the delete.
            Err(err) if is_foreign_key_violation(&err) => Ok(Removed::InUse),
            Err(err) => Err(err.into()),
        }
    }
}
