//! `users`, `organisers`, `memberships`, `admin_sessions`, `server_keys`, and whose a resource is.
use super::{Backend, Tx, LOCK};
use crate::store::{
    AccountOutcome, Accounts, MemberRecord, MembershipRecord, NewAccount, NewOrganiser, Owner, Resource, Saved, StoreResult, UserRecord,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::Role;

/// Locks the organisation's owner rows and counts them: taken first by every change that could
/// remove an owner, so two such changes queue and the second sees the first's result.
async fn lock_owners(tx: &mut Tx, organiser_id: i64) -> StoreResult<i64> {
    let sql = format!("SELECT user_id FROM memberships WHERE organiser_id = $1 AND role = 'owner'{LOCK}");
    let owners: Vec<i64> = sqlx::query_scalar(&sql).bind(organiser_id).fetch_all(&mut **tx).await?;
    Ok(owners.len() as i64)
}

async fn role_in(tx: &mut Tx, organiser_id: i64, user_id: i64) -> StoreResult<Option<Role>> {
    Ok(sqlx::query_scalar("SELECT role FROM memberships WHERE organiser_id = $1 AND user_id = $2")
        .bind(organiser_id)
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?)
}

/// A user, the organisation they own and their owner's membership; `None` when the address has
/// an account already.
pub(super) async fn insert_account(tx: &mut Tx, account: &NewAccount) -> StoreResult<Option<(i64, i64)>> {
    let user_id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(&account.email)
    .bind(&account.name)
    .bind(&account.password_hash)
    .bind(account.created_at)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    // The organisation's contact address must be unique (organisers.email); the owner's own
    // address is, since users.email is.
    let organiser_id: i64 = sqlx::query_scalar("INSERT INTO organisers (name, email) VALUES ($1, $2) RETURNING id")
        .bind(&account.organisation)
        .bind(format!("user-{user_id}+{}", account.email))
        .fetch_one(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO memberships (organiser_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(organiser_id)
        .bind(user_id)
        .bind(Role::Owner.as_str())
        .bind(account.created_at)
        .execute(&mut **tx)
        .await?;
    Ok(Some((user_id, organiser_id)))
}

#[async_trait]
impl Accounts for Backend {
    async fn create_organiser(&self, organiser: &NewOrganiser) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("INSERT INTO organisers (name, email) VALUES ($1, $2) RETURNING id")
            .bind(&organiser.name)
            .bind(&organiser.email)
            .fetch_one(&self.pool)
            .await?)
    }

    #[tracing::instrument(skip(self, account), fields(email = %account.email))]
    async fn create_account(&self, account: &NewAccount) -> StoreResult<AccountOutcome> {
        let mut tx = self.begin_write().await?;
        let Some((user_id, organiser_id)) = insert_account(&mut tx, account).await? else {
            return Ok(AccountOutcome::EmailTaken);
        };
        tx.commit().await?;
        Ok(AccountOutcome::Created { user_id, organiser_id })
    }

    #[tracing::instrument(skip(self, email))]
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        Ok(sqlx::query_as("SELECT id, email, name, password_hash FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?)
    }

    #[tracing::instrument(skip(self))]
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>> {
        Ok(sqlx::query_as("SELECT id, email, name, password_hash FROM users WHERE id = $1").bind(id).fetch_optional(&self.pool).await?)
    }

    #[tracing::instrument(skip(self))]
    async fn memberships(&self, user_id: i64) -> StoreResult<Vec<MembershipRecord>> {
        Ok(sqlx::query_as(
            "SELECT m.organiser_id, o.name AS organisation_name, m.role FROM memberships m \
             JOIN organisers o ON o.id = m.organiser_id WHERE m.user_id = $1 ORDER BY o.name, m.organiser_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    #[tracing::instrument(skip(self))]
    async fn role_of(&self, user_id: i64, organiser_id: i64) -> StoreResult<Option<Role>> {
        Ok(sqlx::query_scalar("SELECT role FROM memberships WHERE user_id = $1 AND organiser_id = $2")
            .bind(user_id)
            .bind(organiser_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    #[tracing::instrument(skip(self))]
    async fn members(&self, organiser_id: i64) -> StoreResult<Vec<MemberRecord>> {
        Ok(sqlx::query_as(
            "SELECT u.id AS user_id, u.name, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.organiser_id = $1 ORDER BY u.name, u.id",
        )
        .bind(organiser_id)
        .fetch_all(&self.pool)
        .await?)
    }

    #[tracing::instrument(skip(self))]
    async fn set_role(&self, organiser_id: i64, user_id: i64, role: Role) -> StoreResult<Saved<Option<()>>> {
        let mut tx = self.begin_write().await?;
        let owners = lock_owners(&mut tx, organiser_id).await?;
        let Some(current) = role_in(&mut tx, organiser_id, user_id).await? else {
            return Ok(Saved::NotFound);
        };
        if current == Role::Owner && role != Role::Owner && owners <= 1 {
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
        let owners = lock_owners(&mut tx, organiser_id).await?;
        let Some(current) = role_in(&mut tx, organiser_id, user_id).await? else {
            return Ok(Saved::NotFound);
        };
        if current == Role::Owner && owners <= 1 {
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
        Ok(sqlx::query_scalar("SELECT record FROM admin_sessions WHERE id_hash = $1 AND expires_at > $2")
            .bind(id_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn session_create(&self, id_hash: &str, record: &str, expires_at: DateTime<Utc>) -> StoreResult<bool> {
        let inserted =
            sqlx::query("INSERT INTO admin_sessions (id_hash, record, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id_hash) DO NOTHING")
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

    #[tracing::instrument(skip(self, candidate))]
    async fn server_key(&self, name: &str, candidate: &str) -> StoreResult<String> {
        // The first origin's candidate wins; every origin then reads the same key.
        sqlx::query("INSERT INTO server_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM server_keys WHERE name = $1").bind(name).fetch_one(&self.pool).await?)
    }

    #[tracing::instrument(skip(self))]
    async fn owner_of(&self, resource: Resource, id: i64) -> StoreResult<Option<Owner>> {
        let sql = match resource {
            Resource::Event => "SELECT e.id AS event_id, e.organiser_id FROM events e WHERE e.id = $1",
            Resource::TicketType => {
                "SELECT e.id AS event_id, e.organiser_id FROM ticket_types x JOIN events e ON e.id = x.event_id WHERE x.id = $1"
            }
            Resource::Discount => {
                "SELECT e.id AS event_id, e.organiser_id FROM discount_codes x JOIN events e ON e.id = x.event_id WHERE x.id = $1"
            }
            Resource::Question => {
                "SELECT e.id AS event_id, e.organiser_id FROM questions x JOIN events e ON e.id = x.event_id WHERE x.id = $1"
            }
            Resource::Order => "SELECT e.id AS event_id, e.organiser_id FROM orders x JOIN events e ON e.id = x.event_id WHERE x.id = $1",
            Resource::Export => "SELECT e.id AS event_id, e.organiser_id FROM exports x JOIN events e ON e.id = x.event_id WHERE x.id = $1",
        };
        Ok(sqlx::query_as(sql).bind(id).fetch_optional(&self.pool).await?)
    }
}
