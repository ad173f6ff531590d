//! The SQL of [`AdminStore`], shared by both backends like `sql.rs` is for the storefront. What
//! differs: how a SELECT locks its rows (`$lock`, as in `sql.rs`) and how a timestamp is cut to its
//! minute (`$minute`, over `o.created_at`).
//!
//! Stock moves here only on a cancellation, with the same conditional, ascending-id UPDATEs as
//! the storefront's, and a capacity change is a conditional UPDATE that cannot go below what is
//! sold and held (the table's CHECK would refuse it anyway; the condition turns that into an answer).
use super::*;
use anyhow::anyhow;
use app::admin::{DiscountKind, QuestionKind, Role};

pub(super) fn parse_role(s: &str) -> anyhow::Result<Role> {
    Role::parse(s).ok_or_else(|| anyhow!("unknown role {s:?} in the database"))
}

pub(super) fn parse_discount_kind(s: &str) -> anyhow::Result<DiscountKind> {
    DiscountKind::parse(s).ok_or_else(|| anyhow!("unknown discount kind {s:?} in the database"))
}

pub(super) fn parse_question_kind(s: &str) -> anyhow::Result<QuestionKind> {
    QuestionKind::parse(s).ok_or_else(|| anyhow!("unknown question kind {s:?} in the database"))
}

pub(super) fn ids_to_text(ids: &[TicketTypeId]) -> String {
    ids.iter().map(|id| id.to_string()).collect::<Vec<_>>().join(",")
}

pub(super) fn ids_from_text(text: &str) -> anyhow::Result<Vec<TicketTypeId>> {
    text.split(',')
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().map_err(|_| anyhow!("bad ticket type id {part:?} in a discount code")))
        .collect()
}

pub(super) fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|db| db.is_unique_violation())
}

pub(super) const TICKET_TYPE_COLUMNS: &str = "id, event_id, name, description, price_minor, capacity, sold, held, \
     sale_starts_at, sale_ends_at, min_per_order, max_per_order, access_code, position";

pub(super) const DISCOUNT_COLUMNS: &str = "id, event_id, code, kind, amount, max_uses, uses, expires_at, ticket_type_ids";

pub(super) const QUESTION_COLUMNS: &str = "id, event_id, label, kind, options, required, position";

pub(super) const EXPORT_COLUMNS: &str = "id, event_id, status, done, total, created_at, finished_at, error";

/// Order status as organisers see it: cancellation wins over the payment state.
pub(super) const ORDER_STATUS_SQL: &str = "CASE WHEN o.cancelled_at IS NOT NULL THEN 'cancelled' ELSE o.status END";

macro_rules! impl_admin_sql_store {
    ($store:ty, $db:ty, $lock:literal, $minute:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::AdminStore for $store {
            #[tracing::instrument(skip(self, account), fields(email = %account.email))]
            async fn create_account(&self, account: &NewAccount) -> StoreResult<AccountOutcome> {
                let mut tx = self.begin_write().await?;
                let user = sqlx::query(
                    "INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (email) DO NOTHING RETURNING id",
                )
                .bind(&account.email)
                .bind(&account.name)
                .bind(&account.password_hash)
                .bind(account.created_at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(user) = user else {
                    return Ok(AccountOutcome::EmailTaken);
                };
                let user_id: i64 = user.try_get("id")?;
                // The organisation's contact address must be unique (organisers.email); the
                // owner's own address is, since users.email is.
                let organiser = sqlx::query("INSERT INTO organisers (name, email) VALUES ($1, $2) RETURNING id")
                    .bind(&account.organisation)
                    .bind(format!("user-{user_id}+{}", account.email))
                    .fetch_one(&mut *tx)
                    .await?;
                let organiser_id: i64 = organiser.try_get("id")?;
                sqlx::query("INSERT INTO memberships (organiser_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)")
                    .bind(organiser_id)
                    .bind(user_id)
                    .bind(account.created_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(AccountOutcome::Created { user_id, organiser_id })
            }

            #[tracing::instrument(skip(self, email))]
            async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
                let row = sqlx::query("SELECT id, email, name, password_hash FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|row| user_from_row(&row)).transpose()
            }

            #[tracing::instrument(skip(self))]
            async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>> {
                let row = sqlx::query("SELECT id, email, name, password_hash FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|row| user_from_row(&row)).transpose()
            }

            #[tracing::instrument(skip(self))]
            async fn memberships(&self, user_id: i64) -> StoreResult<Vec<MembershipRecord>> {
                let rows = sqlx::query(
                    "SELECT m.organiser_id, o.name, m.role FROM memberships m JOIN organisers o ON o.id = m.organiser_id \
                     WHERE m.user_id = $1 ORDER BY o.name, m.organiser_id",
                )
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(MembershipRecord {
                            organiser_id: row.try_get(0)?,
                            organisation_name: row.try_get(1)?,
                            role: $crate::store::admin_sql::parse_role(row.try_get(2)?)?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self))]
            async fn role_of(&self, user_id: i64, organiser_id: i64) -> StoreResult<Option<app::admin::Role>> {
                let row = sqlx::query("SELECT role FROM memberships WHERE user_id = $1 AND organiser_id = $2")
                    .bind(user_id)
                    .bind(organiser_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(row) => Some($crate::store::admin_sql::parse_role(row.try_get(0)?)?),
                    None => None,
                })
            }

            #[tracing::instrument(skip(self))]
            async fn members(&self, organiser_id: i64) -> StoreResult<Vec<MemberRecord>> {
                let rows = sqlx::query(
                    "SELECT u.id, u.name, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
                     WHERE m.organiser_id = $1 ORDER BY u.name, u.id",
                )
                .bind(organiser_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(MemberRecord {
                            user_id: row.try_get(0)?,
                            name: row.try_get(1)?,
                            email: row.try_get(2)?,
                            role: $crate::store::admin_sql::parse_role(row.try_get(3)?)?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self))]
            async fn add_member(&self, organiser_id: i64, user_id: i64, role: app::admin::Role, now: DateTime<Utc>) -> StoreResult<Saved<()>> {
                let inserted = sqlx::query(
                    "INSERT INTO memberships (organiser_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (organiser_id, user_id) DO NOTHING",
                )
                .bind(organiser_id)
                .bind(user_id)
                .bind(role.as_str())
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(if inserted.rows_affected() == 1 { Saved::Saved(()) } else { Saved::Taken })
            }

            #[tracing::instrument(skip(self))]
            async fn set_role(&self, organiser_id: i64, user_id: i64, role: app::admin::Role) -> StoreResult<Saved<Option<()>>> {
                let mut tx = self.begin_write().await?;
                // Owners are locked first so two demotions cannot both see "another owner remains".
                let owners = Self::lock_owners(&mut tx, organiser_id).await?;
                let current = sqlx::query("SELECT role FROM memberships WHERE organiser_id = $1 AND user_id = $2")
                    .bind(organiser_id)
                    .bind(user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(current) = current else {
                    return Ok(Saved::NotFound);
                };
                let current = $crate::store::admin_sql::parse_role(current.try_get(0)?)?;
                if current == app::admin::Role::Owner && role != app::admin::Role::Owner && owners <= 1 {
                    return Ok(Saved::Saved(None));
                }
                sqlx::query("UPDATE memberships SET role = $3 WHERE organiser_id = $1 AND user_id = $2")
                    .bind(organiser_id)
                    .bind(user_id)
                    .bind(role.as_str())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Saved::Saved(Some(())))
            }

            #[tracing::instrument(skip(self))]
            async fn remove_member(&self, organiser_id: i64, user_id: i64) -> StoreResult<Saved<Option<()>>> {
                let mut tx = self.begin_write().await?;
                let owners = Self::lock_owners(&mut tx, organiser_id).await?;
                let current = sqlx::query("SELECT role FROM memberships WHERE organiser_id = $1 AND user_id = $2")
                    .bind(organiser_id)
                    .bind(user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(current) = current else {
                    return Ok(Saved::NotFound);
                };
                if $crate::store::admin_sql::parse_role(current.try_get(0)?)? == app::admin::Role::Owner && owners <= 1 {
                    return Ok(Saved::Saved(None));
                }
                sqlx::query("DELETE FROM memberships WHERE organiser_id = $1 AND user_id = $2")
                    .bind(organiser_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Saved::Saved(Some(())))
            }

            async fn session_load(&self, id_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<String>> {
                let row = sqlx::query("SELECT record FROM admin_sessions WHERE id_hash = $1 AND expires_at > $2")
                    .bind(id_hash)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(row) => Some(row.try_get(0)?),
                    None => None,
                })
            }

            async fn session_create(&self, id_hash: &str, record: &str, expires_at: DateTime<Utc>) -> StoreResult<bool> {
                let inserted = sqlx::query(
                    "INSERT INTO admin_sessions (id_hash, record, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id_hash) DO NOTHING",
                )
                .bind(id_hash)
                .bind(record)
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
                Ok(inserted.rows_affected() == 1)
            }

            async fn session_save(&self, id_hash: &str, record: &str, expires_at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO admin_sessions (id_hash, record, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (id_hash) DO UPDATE SET record = excluded.record, expires_at = excluded.expires_at",
                )
                .bind(id_hash)
                .bind(record)
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session_delete(&self, id_hash: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM admin_sessions WHERE id_hash = $1").bind(id_hash).execute(&self.pool).await?;
                Ok(())
            }

            #[tracing::instrument(skip(self))]
            async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
                let deleted = sqlx::query("DELETE FROM admin_sessions WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
                Ok(deleted.rows_affected())
            }

            #[tracing::instrument(skip(self))]
            async fn owner_of(&self, resource: Resource, id: i64) -> StoreResult<Option<Owner>> {
                let sql = match resource {
                    Resource::Event => "SELECT e.id, e.organiser_id FROM events e WHERE e.id = $1",
                    Resource::TicketType => "SELECT e.id, e.organiser_id FROM ticket_types x JOIN events e ON e.id = x.event_id WHERE x.id = $1",
                    Resource::Discount => "SELECT e.id, e.organiser_id FROM discount_codes x JOIN events e ON e.id = x.event_id WHERE x.id = $1",
                    Resource::Question => "SELECT e.id, e.organiser_id FROM questions x JOIN events e ON e.id = x.event_id WHERE x.id = $1",
                    Resource::Order => "SELECT e.id, e.organiser_id FROM orders x JOIN events e ON e.id = x.event_id WHERE x.id = $1",
                    Resource::Export => "SELECT e.id, e.organiser_id FROM exports x JOIN events e ON e.id = x.event_id WHERE x.id = $1",
                };
                let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                Ok(match row {
                    Some(row) => Some(Owner { event_id: row.try_get(0)?, organiser_id: row.try_get(1)? }),
                    None => None,
                })
            }

            #[tracing::instrument(skip(self))]
            async fn organisation_events(&self, organiser_id: i64) -> StoreResult<Vec<AdminEventRecord>> {
                let sql = format!(
                    "SELECT {}, organiser_id, \
                     (SELECT CAST(COALESCE(SUM(sold), 0) AS BIGINT) FROM ticket_types t WHERE t.event_id = events.id) AS total_sold, \
                     (SELECT CAST(COALESCE(SUM(capacity), 0) AS BIGINT) FROM ticket_types t WHERE t.event_id = events.id) AS total_capacity \
                     FROM events WHERE organiser_id = $1 ORDER BY starts_at, id",
                    $crate::store::sql::EVENT_COLUMNS
                );
                let rows = sqlx::query(&sql).bind(organiser_id).fetch_all(&self.pool).await?;
                rows.iter().map(|row| admin_event_from_row(row)).collect()
            }

            #[tracing::instrument(skip(self))]
            async fn admin_event(&self, event_id: i64) -> StoreResult<Option<AdminEventRecord>> {
                let sql = format!(
                    "SELECT {}, organiser_id, \
                     (SELECT CAST(COALESCE(SUM(sold), 0) AS BIGINT) FROM ticket_types t WHERE t.event_id = events.id) AS total_sold, \
                     (SELECT CAST(COALESCE(SUM(capacity), 0) AS BIGINT) FROM ticket_types t WHERE t.event_id = events.id) AS total_capacity \
                     FROM events WHERE id = $1",
                    $crate::store::sql::EVENT_COLUMNS
                );
                let row = sqlx::query(&sql).bind(event_id).fetch_optional(&self.pool).await?;
                row.map(|row| admin_event_from_row(&row)).transpose()
            }

            #[tracing::instrument(skip(self, change), fields(slug = %change.slug))]
            async fn insert_event(&self, organiser_id: i64, change: &EventChange) -> StoreResult<Saved<i64>> {
                let query = sqlx::query(
                    "INSERT INTO events (organiser_id, slug, title, description, venue, timezone, starts_at, ends_at, currency, published) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(organiser_id);
                let inserted = bind_event(query, change).bind(false).fetch_one(&self.pool).await;
                match inserted {
                    Ok(row) => Ok(Saved::Saved(row.try_get("id")?)),
                    Err(err) if $crate::store::admin_sql::is_unique_violation(&err) => Ok(Saved::Taken),
                    Err(err) => Err(err.into()),
                }
            }

            #[tracing::instrument(skip(self, change), fields(slug = %change.slug))]
            async fn update_event(&self, event_id: i64, change: &EventChange) -> StoreResult<Saved<()>> {
                let query = sqlx::query(
                    "UPDATE events SET slug = $2, title = $3, description = $4, venue = $5, timezone = $6, starts_at = $7, \
                     ends_at = $8, currency = $9, version = version + 1 WHERE id = $1",
                )
                .bind(event_id);
                let updated = bind_event(query, change).execute(&self.pool).await;
                match updated {
                    Ok(done) if done.rows_affected() == 1 => Ok(Saved::Saved(())),
                    Ok(_) => Ok(Saved::NotFound),
                    Err(err) if $crate::store::admin_sql::is_unique_violation(&err) => Ok(Saved::Taken),
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

            #[tracing::instrument(skip(self))]
            async fn admin_ticket_types(&self, event_id: i64) -> StoreResult<Vec<AdminTicketTypeRecord>> {
                let sql = format!(
                    "SELECT {} FROM ticket_types WHERE event_id = $1 ORDER BY position, id",
                    $crate::store::admin_sql::TICKET_TYPE_COLUMNS
                );
                let rows = sqlx::query(&sql).bind(event_id).fetch_all(&self.pool).await?;
                rows.iter().map(|row| admin_ticket_type_from_row(row)).collect()
            }

            #[tracing::instrument(skip(self, change))]
            async fn insert_ticket_type(&self, event_id: i64, change: &TicketTypeChange) -> StoreResult<AdminTicketTypeRecord> {
                let mut tx = self.begin_write().await?;
                let sql = format!(
                    "INSERT INTO ticket_types (event_id, name, description, price_minor, capacity, sale_starts_at, sale_ends_at, \
                     min_per_order, max_per_order, access_code, position) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
                     (SELECT COALESCE(MAX(position), 0) + 1 FROM ticket_types WHERE event_id = $1)) RETURNING {}",
                    $crate::store::admin_sql::TICKET_TYPE_COLUMNS
                );
                let row = bind_ticket_type(sqlx::query(&sql).bind(event_id), change)
                    .fetch_one(&mut *tx)
                    .await?;
                let record = admin_ticket_type_from_row(&row)?;
                Self::bump_version(&mut tx, event_id).await?;
                tx.commit().await?;
                Ok(record)
            }

            #[tracing::instrument(skip(self, change))]
            async fn update_ticket_type(&self, id: TicketTypeId, change: &TicketTypeChange) -> StoreResult<TicketTypeUpdate> {
                let mut tx = self.begin_write().await?;
                let sql = format!(
                    "UPDATE ticket_types SET name = $2, description = $3, price_minor = $4, capacity = $5, sale_starts_at = $6, \
                     sale_ends_at = $7, min_per_order = $8, max_per_order = $9, access_code = $10 \
                     WHERE id = $1 AND sold + held <= $5 RETURNING {}",
                    $crate::store::admin_sql::TICKET_TYPE_COLUMNS
                );
                let row = bind_ticket_type(sqlx::query(&sql).bind(id), change)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(row) = row else {
                    let stock = sqlx::query("SELECT sold, held FROM ticket_types WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    return Ok(match stock {
                        Some(stock) => TicketTypeUpdate::CapacityBelowSold { sold: stock.try_get(0)?, held: stock.try_get(1)? },
                        None => TicketTypeUpdate::NotFound,
                    });
                };
                let record = admin_ticket_type_from_row(&row)?;
                Self::bump_version(&mut tx, record.event_id).await?;
                tx.commit().await?;
                Ok(TicketTypeUpdate::Updated(record))
            }

            #[tracing::instrument(skip(self, ids))]
            async fn reorder_ticket_types(&self, event_id: i64, ids: &[TicketTypeId]) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                for (position, id) in ids.iter().enumerate() {
                    sqlx::query("UPDATE ticket_types SET position = $3 WHERE id = $1 AND event_id = $2")
                        .bind(id)
                        .bind(event_id)
                        .bind(position as i64 + 1)
                        .execute(&mut *tx)
                        .await?;
                }
                Self::bump_version(&mut tx, event_id).await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip(self))]
            async fn discounts(&self, event_id: i64) -> StoreResult<Vec<DiscountRecord>> {
                let sql = format!(
                    "SELECT {} FROM discount_codes WHERE event_id = $1 ORDER BY code",
                    $crate::store::admin_sql::DISCOUNT_COLUMNS
                );
                let rows = sqlx::query(&sql).bind(event_id).fetch_all(&self.pool).await?;
                rows.iter().map(|row| discount_from_row(row)).collect()
            }

            #[tracing::instrument(skip(self, change), fields(code = %change.code))]
            async fn insert_discount(&self, event_id: i64, change: &DiscountChange, now: DateTime<Utc>) -> StoreResult<Saved<DiscountRecord>> {
                let sql = format!(
                    "INSERT INTO discount_codes (event_id, code, kind, amount, max_uses, expires_at, ticket_type_ids, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {}",
                    $crate::store::admin_sql::DISCOUNT_COLUMNS
                );
                let inserted = bind_discount(sqlx::query(&sql).bind(event_id), change)
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await;
                match inserted {
                    Ok(row) => Ok(Saved::Saved(discount_from_row(&row)?)),
                    Err(err) if $crate::store::admin_sql::is_unique_violation(&err) => Ok(Saved::Taken),
                    Err(err) => Err(err.into()),
                }
            }

            #[tracing::instrument(skip(self, change), fields(code = %change.code))]
            async fn update_discount(&self, id: i64, change: &DiscountChange) -> StoreResult<Saved<DiscountRecord>> {
                // A limit below the uses so far would break the CHECK: it is raised to them, which
                // stops the code as the organiser meant.
                let sql = format!(
                    "UPDATE discount_codes SET code = $2, kind = $3, amount = $4, \
                     max_uses = CASE WHEN $5 IS NULL THEN NULL WHEN $5 < uses THEN uses ELSE $5 END, \
                     expires_at = $6, ticket_type_ids = $7 WHERE id = $1 RETURNING {}",
                    $crate::store::admin_sql::DISCOUNT_COLUMNS
                );
                let updated = bind_discount(sqlx::query(&sql).bind(id), change)
                    .fetch_optional(&self.pool)
                    .await;
                match updated {
                    Ok(Some(row)) => Ok(Saved::Saved(discount_from_row(&row)?)),
                    Ok(None) => Ok(Saved::NotFound),
                    Err(err) if $crate::store::admin_sql::is_unique_violation(&err) => Ok(Saved::Taken),
                    Err(err) => Err(err.into()),
                }
            }

            #[tracing::instrument(skip(self))]
            async fn delete_discount(&self, id: i64) -> StoreResult<Removed> {
                let mut tx = self.begin_write().await?;
                let used = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE discount_code_id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get::<i64, _>(0)?;
                if used > 0 {
                    return Ok(Removed::InUse);
                }
                let deleted = sqlx::query("DELETE FROM discount_codes WHERE id = $1").bind(id).execute(&mut *tx).await;
                match deleted {
                    Ok(done) => {
                        tx.commit().await?;
                        Ok(if done.rows_affected() == 1 { Removed::Removed } else { Removed::NotFound })
                    }
                    // An order took the code between the count and the delete.
                    Err(err) if err.as_database_error().is_some_and(|db| db.is_foreign_key_violation()) => Ok(Removed::InUse),
                    Err(err) => Err(err.into()),
                }
            }

            #[tracing::instrument(skip(self))]
            async fn questions(&self, event_id: i64) -> StoreResult<Vec<QuestionRecord>> {
                let sql = format!(
                    "SELECT {} FROM questions WHERE event_id = $1 ORDER BY position, id",
                    $crate::store::admin_sql::QUESTION_COLUMNS
                );
                let rows = sqlx::query(&sql).bind(event_id).fetch_all(&self.pool).await?;
                rows.iter().map(|row| question_from_row(row)).collect()
            }

            #[tracing::instrument(skip(self, change))]
            async fn insert_question(&self, event_id: i64, change: &QuestionChange) -> StoreResult<QuestionRecord> {
                let mut tx = self.begin_write().await?;
                let sql = format!(
                    "INSERT INTO questions (event_id, label, kind, options, required, position) VALUES ($1, $2, $3, $4, $5, \
                     (SELECT COALESCE(MAX(position), 0) + 1 FROM questions WHERE event_id = $1)) RETURNING {}",
                    $crate::store::admin_sql::QUESTION_COLUMNS
                );
                let row = bind_question(sqlx::query(&sql).bind(event_id), change)?
                    .fetch_one(&mut *tx)
                    .await?;
                let record = question_from_row(&row)?;
                Self::bump_version(&mut tx, event_id).await?;
                tx.commit().await?;
                Ok(record)
            }

            #[tracing::instrument(skip(self, change))]
            async fn update_question(&self, id: i64, change: &QuestionChange) -> StoreResult<Option<QuestionRecord>> {
                let mut tx = self.begin_write().await?;
                let sql = format!(
                    "UPDATE questions SET label = $2, kind = $3, options = $4, required = $5 WHERE id = $1 RETURNING {}",
                    $crate::store::admin_sql::QUESTION_COLUMNS
                );
                let row = bind_question(sqlx::query(&sql).bind(id), change)?
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let record = question_from_row(&row)?;
                Self::bump_version(&mut tx, record.event_id).await?;
                tx.commit().await?;
                Ok(Some(record))
            }

            #[tracing::instrument(skip(self))]
            async fn delete_question(&self, id: i64) -> StoreResult<Removed> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query("DELETE FROM questions WHERE id = $1 RETURNING event_id").bind(id).fetch_optional(&mut *tx).await?;
                let Some(row) = row else {
                    return Ok(Removed::NotFound);
                };
                Self::bump_version(&mut tx, row.try_get(0)?).await?;
                tx.commit().await?;
                Ok(Removed::Removed)
            }

            #[tracing::instrument(skip(self, filter))]
            async fn search_orders(&self, event_id: i64, filter: &OrderFilter) -> StoreResult<(i64, Vec<OrderSummaryRecord>)> {
                let pattern = format!(
                    "%{}%",
                    filter.query.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
                );
                let status = match filter.cancelled {
                    None => "",
                    Some(false) => " AND o.cancelled_at IS NULL",
                    Some(true) => " AND o.cancelled_at IS NOT NULL",
                };
                let condition = format!(
                    "o.event_id = $1{status} AND (LOWER(o.reference) LIKE $2 ESCAPE '\\' OR LOWER(o.buyer_name) LIKE $2 ESCAPE '\\' \
                     OR LOWER(o.buyer_email) LIKE $2 ESCAPE '\\')"
                );
                let total: i64 = sqlx::query(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM orders o WHERE {condition}"))
                    .bind(event_id)
                    .bind(&pattern)
                    .fetch_one(&self.pool)
                    .await?
                    .try_get(0)?;
                let sql = format!(
                    "SELECT o.id, o.reference, o.buyer_name, o.buyer_email, \
                     (SELECT CAST(COUNT(*) AS BIGINT) FROM tickets tk WHERE tk.order_id = o.id) AS tickets, \
                     o.total_minor, o.currency, {} AS status, o.cancelled_at, o.created_at \
                     FROM orders o WHERE {condition} ORDER BY o.created_at DESC, o.id DESC LIMIT $3 OFFSET $4",
                    $crate::store::admin_sql::ORDER_STATUS_SQL
                );
                let rows = sqlx::query(&sql)
                    .bind(event_id)
                    .bind(&pattern)
                    .bind(filter.limit)
                    .bind(filter.offset)
                    .fetch_all(&self.pool)
                    .await?;
                let orders = rows
                    .iter()
                    .map(|row| {
                        Ok(OrderSummaryRecord {
                            id: row.try_get("id")?,
                            reference: row.try_get("reference")?,
                            buyer_name: row.try_get("buyer_name")?,
                            buyer_email: row.try_get("buyer_email")?,
                            tickets: row.try_get("tickets")?,
                            total_minor: row.try_get("total_minor")?,
                            currency: row.try_get("currency")?,
                            status: row.try_get("status")?,
                            cancelled_at: row.try_get("cancelled_at")?,
                            created_at: row.try_get("created_at")?,
                        })
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok((total, orders))
            }

            #[tracing::instrument(skip(self))]
            async fn admin_order(&self, order_id: i64) -> StoreResult<Option<AdminOrderRecord>> {
                let sql = format!(
                    "SELECT o.id, o.event_id, o.reference, o.access_token, {} AS status, o.payment, o.buyer_name, o.buyer_email, \
                     o.total_minor, o.discount_minor, d.code AS discount_code, o.currency, o.created_at, o.cancelled_at, \
                     o.refunded_minor, o.confirmation_sent_at \
                     FROM orders o LEFT JOIN discount_codes d ON d.id = o.discount_code_id WHERE o.id = $1",
                    $crate::store::admin_sql::ORDER_STATUS_SQL
                );
                let Some(row) = sqlx::query(&sql).bind(order_id).fetch_optional(&self.pool).await? else {
                    return Ok(None);
                };
                let tickets = sqlx::query(
                    "SELECT tk.code, tk.ticket_type_id, t.name, tk.attendee_name, tk.attendee_email, tk.checked_in_at \
                     FROM tickets tk JOIN ticket_types t ON t.id = tk.ticket_type_id WHERE tk.order_id = $1 ORDER BY tk.position",
                )
                .bind(order_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| {
                    Ok(AdminTicketRecord {
                        code: row.try_get(0)?,
                        ticket_type_id: row.try_get(1)?,
                        ticket_type_name: row.try_get(2)?,
                        attendee_name: row.try_get(3)?,
                        attendee_email: row.try_get(4)?,
                        checked_in_at: row.try_get(5)?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
                let answers = self.answers_of(&[order_id]).await?;
                Ok(Some(AdminOrderRecord {
                    id: row.try_get("id")?,
                    event_id: row.try_get("event_id")?,
                    reference: row.try_get("reference")?,
                    access_token: row.try_get("access_token")?,
                    status: row.try_get("status")?,
                    payment: row.try_get("payment")?,
                    buyer_name: row.try_get("buyer_name")?,
                    buyer_email: row.try_get("buyer_email")?,
                    total_minor: row.try_get("total_minor")?,
                    discount_minor: row.try_get("discount_minor")?,
                    discount_code: row.try_get("discount_code")?,
                    currency: row.try_get("currency")?,
                    created_at: row.try_get("created_at")?,
                    cancelled_at: row.try_get("cancelled_at")?,
                    refunded_minor: row.try_get("refunded_minor")?,
                    confirmation_sent_at: row.try_get("confirmation_sent_at")?,
                    tickets,
                    answers,
                }))
            }

            #[tracing::instrument(skip(self))]
            async fn cancel_order(&self, order_id: i64, now: DateTime<Utc>) -> StoreResult<CancelOutcome> {
                let mut tx = self.begin_write().await?;
                let cancelled = sqlx::query(
                    "UPDATE orders SET cancelled_at = $2, refunded_minor = total_minor WHERE id = $1 AND cancelled_at IS NULL \
                     RETURNING discount_code_id",
                )
                .bind(order_id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(cancelled) = cancelled else {
                    let exists = sqlx::query("SELECT 1 FROM orders WHERE id = $1").bind(order_id).fetch_optional(&mut *tx).await?;
                    return Ok(if exists.is_some() { CancelOutcome::AlreadyCancelled } else { CancelOutcome::NotFound });
                };
                let discount: Option<i64> = cancelled.try_get(0)?;
                let rows = sqlx::query(
                    "SELECT ticket_type_id, CAST(COUNT(*) AS BIGINT) FROM tickets WHERE order_id = $1 \
                     GROUP BY ticket_type_id ORDER BY ticket_type_id",
                )
                .bind(order_id)
                .fetch_all(&mut *tx)
                .await?;
                let mut returned = Vec::with_capacity(rows.len());
                for row in &rows {
                    let (id, count): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
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
                    returned.push((id, count));
                }
                if let Some(discount) = discount {
                    sqlx::query("UPDATE discount_codes SET uses = uses - 1 WHERE id = $1 AND uses > 0")
                        .bind(discount)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(CancelOutcome::Cancelled(returned))
            }

            #[tracing::instrument(skip(self, code))]
            async fn check_in(&self, event_id: i64, code: &str, now: DateTime<Utc>) -> StoreResult<CheckInOutcome> {
                // One conditional UPDATE decides, so two doors scanning the same ticket cannot both
                // say "valid".
                let checked = sqlx::query(
                    "UPDATE tickets SET checked_in_at = $3 WHERE code = $1 AND checked_in_at IS NULL \
                     AND ticket_type_id IN (SELECT id FROM ticket_types WHERE event_id = $2) \
                     AND order_id IN (SELECT id FROM orders WHERE cancelled_at IS NULL) RETURNING id",
                )
                .bind(code)
                .bind(event_id)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                let row = sqlx::query(
                    "SELECT tk.attendee_name, t.name, o.reference, tk.checked_in_at, o.cancelled_at FROM tickets tk \
                     JOIN ticket_types t ON t.id = tk.ticket_type_id JOIN orders o ON o.id = tk.order_id \
                     WHERE tk.code = $1 AND t.event_id = $2",
                )
                .bind(code)
                .bind(event_id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else {
                    return Ok(CheckInOutcome::Unknown);
                };
                let ticket = CheckInTicket {
                    attendee_name: row.try_get(0)?,
                    ticket_type_name: row.try_get(1)?,
                    order_reference: row.try_get(2)?,
                    checked_in_at: row.try_get(3)?,
                };
                let cancelled: Option<DateTime<Utc>> = row.try_get(4)?;
                Ok(if checked.is_some() {
                    CheckInOutcome::CheckedIn(ticket)
                } else if cancelled.is_some() {
                    CheckInOutcome::Cancelled(ticket)
                } else {
                    CheckInOutcome::Already(ticket)
                })
            }

            #[tracing::instrument(skip(self))]
            async fn sales(&self, event_id: i64, since: DateTime<Utc>) -> StoreResult<SalesRecord> {
                let totals = sqlx::query(
                    "SELECT CAST(COALESCE(SUM(total_minor), 0) AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM orders \
                     WHERE event_id = $1 AND cancelled_at IS NULL",
                )
                .bind(event_id)
                .fetch_one(&self.pool)
                .await?;
                let checked_in: i64 = sqlx::query(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM tickets tk JOIN ticket_types t ON t.id = tk.ticket_type_id \
                     WHERE t.event_id = $1 AND tk.checked_in_at IS NOT NULL",
                )
                .bind(event_id)
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
                // Tickets of live orders, at the price their hold recorded.
                let revenue_by_type = sqlx::query(
                    "SELECT hi.ticket_type_id, CAST(SUM(hi.quantity * hi.unit_price_minor) AS BIGINT) FROM orders o \
                     JOIN hold_items hi ON hi.hold_id = o.hold_id WHERE o.event_id = $1 AND o.cancelled_at IS NULL \
                     GROUP BY hi.ticket_type_id",
                )
                .bind(event_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
                .collect::<StoreResult<Vec<_>>>()?;
                let per_minute = sqlx::query(concat!(
                    "SELECT ",
                    $minute,
                    " AS minute, CAST(COUNT(*) AS BIGINT) FROM orders o JOIN tickets tk ON tk.order_id = o.id \
                     WHERE o.event_id = $1 AND o.created_at >= $2 AND o.cancelled_at IS NULL GROUP BY 1 ORDER BY 1"
                ))
                .bind(event_id)
                .bind(since)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
                .collect::<StoreResult<Vec<_>>>()?;
                Ok(SalesRecord {
                    revenue_minor: totals.try_get(0)?,
                    orders: totals.try_get(1)?,
                    checked_in,
                    revenue_by_type,
                    per_minute,
                })
            }

            #[tracing::instrument(skip(self))]
            async fn insert_export(&self, event_id: i64, user_id: i64, now: DateTime<Utc>) -> StoreResult<ExportRecord> {
                let sql = format!(
                    "INSERT INTO exports (event_id, requested_by, status, created_at) VALUES ($1, $2, 'queued', $3) RETURNING {}",
                    $crate::store::admin_sql::EXPORT_COLUMNS
                );
                let row = sqlx::query(&sql).bind(event_id).bind(user_id).bind(now).fetch_one(&self.pool).await?;
                export_from_row(&row)
            }

            #[tracing::instrument(skip(self))]
            async fn export(&self, id: i64) -> StoreResult<Option<ExportRecord>> {
                let sql = format!("SELECT {} FROM exports WHERE id = $1", $crate::store::admin_sql::EXPORT_COLUMNS);
                let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.map(|row| export_from_row(&row)).transpose()
            }

            #[tracing::instrument(skip(self))]
            async fn export_csv(&self, id: i64) -> StoreResult<Option<String>> {
                let row = sqlx::query("SELECT csv FROM exports WHERE id = $1 AND status = 'done'").bind(id).fetch_optional(&self.pool).await?;
                Ok(match row {
                    Some(row) => row.try_get(0)?,
                    None => None,
                })
            }

            #[tracing::instrument(skip(self))]
            async fn claim_export(&self, now: DateTime<Utc>) -> StoreResult<Option<ExportRecord>> {
                let sql = format!(
                    "UPDATE exports SET status = 'running', started_at = $1 WHERE id = \
                     (SELECT id FROM exports WHERE status = 'queued' ORDER BY created_at, id LIMIT 1) AND status = 'queued' \
                     RETURNING {}",
                    $crate::store::admin_sql::EXPORT_COLUMNS
                );
                let row = sqlx::query(&sql).bind(now).fetch_optional(&self.pool).await?;
                row.map(|row| export_from_row(&row)).transpose()
            }

            async fn export_progress(&self, id: i64, done: i64, total: i64) -> StoreResult<()> {
                sqlx::query("UPDATE exports SET done = $2, total = $3 WHERE id = $1")
                    .bind(id)
                    .bind(done)
                    .bind(total)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            #[tracing::instrument(skip(self, result))]
            async fn finish_export(&self, id: i64, result: Result<String, String>, now: DateTime<Utc>) -> StoreResult<()> {
                let (status, csv, error) = match result {
                    Ok(csv) => ("done", Some(csv), None),
                    Err(error) => ("failed", None, Some(error)),
                };
                sqlx::query("UPDATE exports SET status = $2, csv = $3, error = $4, finished_at = $5 WHERE id = $1")
                    .bind(id)
                    .bind(status)
                    .bind(csv)
                    .bind(error)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            #[tracing::instrument(skip(self))]
            async fn count_attendees(&self, event_id: i64) -> StoreResult<i64> {
                let row = sqlx::query(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM tickets tk JOIN ticket_types t ON t.id = tk.ticket_type_id WHERE t.event_id = $1",
                )
                .bind(event_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.try_get(0)?)
            }

            #[tracing::instrument(skip(self))]
            async fn attendees_page(&self, event_id: i64, after: i64, limit: i64) -> StoreResult<Vec<AttendeeRow>> {
                let sql = format!(
                    "SELECT tk.id, tk.order_id, tk.code, t.name, tk.attendee_name, tk.attendee_email, o.reference, o.buyer_name, \
                     o.buyer_email, {} AS status, o.cancelled_at, tk.checked_in_at, o.created_at \
                     FROM tickets tk JOIN ticket_types t ON t.id = tk.ticket_type_id JOIN orders o ON o.id = tk.order_id \
                     WHERE t.event_id = $1 AND tk.id > $2 ORDER BY tk.id LIMIT $3",
                    $crate::store::admin_sql::ORDER_STATUS_SQL
                );
                let rows = sqlx::query(&sql).bind(event_id).bind(after).bind(limit).fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| {
                        let cancelled_at: Option<DateTime<Utc>> = row.try_get(10)?;
                        Ok(AttendeeRow {
                            ticket_id: row.try_get(0)?,
                            order_id: row.try_get(1)?,
                            code: row.try_get(2)?,
                            ticket_type_name: row.try_get(3)?,
                            attendee_name: row.try_get(4)?,
                            attendee_email: row.try_get(5)?,
                            order_reference: row.try_get(6)?,
                            buyer_name: row.try_get(7)?,
                            buyer_email: row.try_get(8)?,
                            order_status: row.try_get(9)?,
                            cancelled: cancelled_at.is_some(),
                            checked_in_at: row.try_get(11)?,
                            ordered_at: row.try_get(12)?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self, order_ids), fields(orders = order_ids.len()))]
            async fn answers_of(&self, order_ids: &[i64]) -> StoreResult<Vec<AnswerRecord>> {
                if order_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let placeholders = (1..=order_ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                let sql = format!(
                    "SELECT order_id, question_id, label, answer FROM order_answers WHERE order_id IN ({placeholders}) \
                     ORDER BY order_id, question_id"
                );
                let mut query = sqlx::query(&sql);
                for id in order_ids {
                    query = query.bind(*id);
                }
                let rows = query.fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok(AnswerRecord {
                            order_id: row.try_get(0)?,
                            question_id: row.try_get(1)?,
                            label: row.try_get(2)?,
                            answer: row.try_get(3)?,
                        })
                    })
                    .collect()
            }

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
                let rows = sqlx::query(
                    "SELECT id, recipient, subject, body FROM outbox_emails WHERE sent_at IS NULL ORDER BY created_at, id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| Ok(EmailRecord { id: row.try_get(0)?, recipient: row.try_get(1)?, subject: row.try_get(2)?, body: row.try_get(3)? }))
                    .collect()
            }

            #[tracing::instrument(skip(self, ids), fields(emails = ids.len()))]
            async fn mark_sent(&self, ids: &[i64], now: DateTime<Utc>) -> StoreResult<()> {
                for id in ids {
                    sqlx::query("UPDATE outbox_emails SET sent_at = $2 WHERE id = $1").bind(id).bind(now).execute(&self.pool).await?;
                }
                Ok(())
            }
        }

        impl $store {
            /// Locks the organisation's owner rows and counts them.
            async fn lock_owners(tx: &mut sqlx::Transaction<'static, $db>, organiser_id: i64) -> StoreResult<i64> {
                let rows = sqlx::query(concat!(
                    "SELECT user_id FROM memberships WHERE organiser_id = $1 AND role = 'owner'",
                    $lock
                ))
                .bind(organiser_id)
                .fetch_all(&mut **tx)
                .await?;
                Ok(rows.len() as i64)
            }

            async fn bump_version(tx: &mut sqlx::Transaction<'static, $db>, event_id: i64) -> StoreResult<()> {
                sqlx::query("UPDATE events SET version = version + 1 WHERE id = $1").bind(event_id).execute(&mut **tx).await?;
                Ok(())
            }
        }

        type AdminQuery<'q> = sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>;

        /// Binds an event form's fields as the next eight parameters, in the order the statements list them.
        fn bind_event<'q>(query: AdminQuery<'q>, change: &'q EventChange) -> AdminQuery<'q> {
            query
                .bind(&change.slug)
                .bind(&change.title)
                .bind(&change.description)
                .bind(&change.venue)
                .bind(&change.timezone)
                .bind(change.starts_at)
                .bind(change.ends_at)
                .bind(&change.currency)
        }

        /// Binds a ticket type form's fields as the next nine parameters.
        fn bind_ticket_type<'q>(query: AdminQuery<'q>, change: &'q TicketTypeChange) -> AdminQuery<'q> {
            query
                .bind(&change.name)
                .bind(&change.description)
                .bind(change.price_minor)
                .bind(change.capacity)
                .bind(change.sale_starts_at)
                .bind(change.sale_ends_at)
                .bind(change.min_per_order)
                .bind(change.max_per_order)
                .bind(&change.access_code)
        }

        /// Binds a discount form's fields as the next six parameters.
        fn bind_discount<'q>(query: AdminQuery<'q>, change: &'q DiscountChange) -> AdminQuery<'q> {
            query
                .bind(&change.code)
                .bind(change.kind.as_str())
                .bind(change.amount)
                .bind(change.max_uses)
                .bind(change.expires_at)
                .bind($crate::store::admin_sql::ids_to_text(&change.ticket_type_ids))
        }

        /// Binds a question form's fields as the next four parameters.
        fn bind_question<'q>(query: AdminQuery<'q>, change: &'q QuestionChange) -> StoreResult<AdminQuery<'q>> {
            Ok(query
                .bind(&change.label)
                .bind(change.kind.as_str())
                .bind(serde_json::to_string(&change.options).map_err(anyhow::Error::from)?)
                .bind(change.required))
        }

        fn user_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<UserRecord> {
            Ok(UserRecord {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                name: row.try_get("name")?,
                password_hash: row.try_get("password_hash")?,
            })
        }

        fn admin_event_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<AdminEventRecord> {
            Ok(AdminEventRecord {
                event: event_from_row(row)?,
                organiser_id: row.try_get("organiser_id")?,
                sold: row.try_get("total_sold")?,
                capacity: row.try_get("total_capacity")?,
            })
        }

        fn admin_ticket_type_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<AdminTicketTypeRecord> {
            Ok(AdminTicketTypeRecord {
                id: row.try_get("id")?,
                event_id: row.try_get("event_id")?,
                name: row.try_get("name")?,
                description: row.try_get("description")?,
                price_minor: row.try_get("price_minor")?,
                capacity: row.try_get("capacity")?,
                sold: row.try_get("sold")?,
                held: row.try_get("held")?,
                sale_starts_at: row.try_get("sale_starts_at")?,
                sale_ends_at: row.try_get("sale_ends_at")?,
                min_per_order: row.try_get("min_per_order")?,
                max_per_order: row.try_get("max_per_order")?,
                access_code: row.try_get("access_code")?,
                position: row.try_get("position")?,
            })
        }

        fn discount_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<DiscountRecord> {
            Ok(DiscountRecord {
                id: row.try_get("id")?,
                event_id: row.try_get("event_id")?,
                code: row.try_get("code")?,
                kind: $crate::store::admin_sql::parse_discount_kind(row.try_get("kind")?)?,
                amount: row.try_get("amount")?,
                max_uses: row.try_get("max_uses")?,
                uses: row.try_get("uses")?,
                expires_at: row.try_get("expires_at")?,
                ticket_type_ids: $crate::store::admin_sql::ids_from_text(row.try_get("ticket_type_ids")?)?,
            })
        }

        fn question_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<QuestionRecord> {
            let options: String = row.try_get("options")?;
            Ok(QuestionRecord {
                id: row.try_get("id")?,
                event_id: row.try_get("event_id")?,
                label: row.try_get("label")?,
                kind: $crate::store::admin_sql::parse_question_kind(row.try_get("kind")?)?,
                options: serde_json::from_str(&options).map_err(anyhow::Error::from)?,
                required: row.try_get("required")?,
                position: row.try_get("position")?,
            })
        }

        fn export_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<ExportRecord> {
            Ok(ExportRecord {
                id: row.try_get("id")?,
                event_id: row.try_get("event_id")?,
                status: row.try_get("status")?,
                done: row.try_get("done")?,
                total: row.try_get("total")?,
                created_at: row.try_get("created_at")?,
                finished_at: row.try_get("finished_at")?,
                error: row.try_get("error")?,
            })
        }
    };
}

pub(super) use impl_admin_sql_store;
