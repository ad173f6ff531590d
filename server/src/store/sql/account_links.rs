//! `pending_signups` and `invitations`: each link is spent in the transaction that makes what it
//! grants, with its row locked, so two clicks on one link make one account or one membership.
use super::accounts::insert_account;
use super::{Backend, Tx, LOCK};
use crate::store::{
    Accepted, AccountLinks, Confirmed, InvitationRecord, Invited, InvitedSignUp, NewAccount, NewInvitation, NewSignUp, StoreResult,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::Role;

const INVITATION: &str = "SELECT i.id, i.organiser_id, o.name AS organisation_name, i.email, i.role, u.name AS invited_by_name, \
     i.created_at, i.expires_at FROM invitations i JOIN organisers o ON o.id = i.organiser_id JOIN users u ON u.id = i.invited_by";

#[derive(sqlx::FromRow)]
struct PendingSignUp {
    email: String,
    name: String,
    password_hash: String,
    organisation: String,
}

/// A live invitation, locked for the transaction that spends it.
#[derive(sqlx::FromRow)]
struct LiveInvitation {
    id: i64,
    organiser_id: i64,
    email: String,
    role: Role,
}

async fn lock_invitation(tx: &mut Tx, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<LiveInvitation>> {
    let sql = format!("SELECT id, organiser_id, email, role FROM invitations WHERE token_hash = $1 AND expires_at > $2{LOCK}");
    Ok(sqlx::query_as(&sql).bind(token_hash).bind(now).fetch_optional(&mut **tx).await?)
}

/// Makes the invited user a member and spends the invitation.
async fn join(tx: &mut Tx, invitation: &LiveInvitation, user_id: i64, now: DateTime<Utc>) -> StoreResult<()> {
    // Already a member (invited twice, or added meanwhile): the role they have stays.
    sqlx::query(
        "INSERT INTO memberships (organiser_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (organiser_id, user_id) DO NOTHING",
    )
    .bind(invitation.organiser_id)
    .bind(user_id)
    .bind(invitation.role.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM invitations WHERE id = $1").bind(invitation.id).execute(&mut **tx).await?;
    Ok(())
}

#[async_trait]
impl AccountLinks for Backend {
    #[tracing::instrument(skip_all)]
    async fn save_signup(&self, signup: &NewSignUp) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO pending_signups (token_hash, email, name, password_hash, organisation, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&signup.token_hash)
        .bind(&signup.email)
        .bind(&signup.name)
        .bind(&signup.password_hash)
        .bind(&signup.organisation)
        .bind(signup.created_at)
        .bind(signup.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn confirm_signup(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Confirmed> {
        let mut tx = self.begin_write().await?;
        let sql =
            format!("SELECT email, name, password_hash, organisation FROM pending_signups WHERE token_hash = $1 AND expires_at > $2{LOCK}");
        let Some(pending): Option<PendingSignUp> = sqlx::query_as(&sql).bind(token_hash).bind(now).fetch_optional(&mut *tx).await? else {
            return Ok(Confirmed::NotFound);
        };
        // Whatever comes of it, the address's other links are spent too: it has one account at most.
        sqlx::query("DELETE FROM pending_signups WHERE email = $1").bind(&pending.email).execute(&mut *tx).await?;
        let account = NewAccount {
            email: pending.email,
            name: pending.name,
            password_hash: pending.password_hash,
            organisation: pending.organisation,
            created_at: now,
        };
        let outcome = match insert_account(&mut tx, &account).await? {
            Some((user_id, organiser_id)) => Confirmed::Created { user_id, organiser_id },
            None => Confirmed::EmailTaken,
        };
        tx.commit().await?;
        Ok(outcome)
    }

    #[tracing::instrument(skip_all, fields(organiser_id = invitation.organiser_id))]
    async fn invite(&self, invitation: &NewInvitation) -> StoreResult<Invited> {
        let mut tx = self.begin_write().await?;
        let member: Option<i64> = sqlx::query_scalar(
            "SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organiser_id = $1 AND u.email = $2",
        )
        .bind(invitation.organiser_id)
        .bind(&invitation.email)
        .fetch_optional(&mut *tx)
        .await?;
        if member.is_some() {
            return Ok(Invited::AlreadyMember);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO invitations (organiser_id, email, role, token_hash, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (organiser_id, email) DO UPDATE SET role = excluded.role, token_hash = excluded.token_hash, \
             invited_by = excluded.invited_by, created_at = excluded.created_at, expires_at = excluded.expires_at RETURNING id",
        )
        .bind(invitation.organiser_id)
        .bind(&invitation.email)
        .bind(invitation.role.as_str())
        .bind(&invitation.token_hash)
        .bind(invitation.invited_by)
        .bind(invitation.created_at)
        .bind(invitation.expires_at)
        .fetch_one(&mut *tx)
        .await?;
        let record = sqlx::query_as(&format!("{INVITATION} WHERE i.id = $1")).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(Invited::Invited(record))
    }

    #[tracing::instrument(skip(self))]
    async fn invitations(&self, organiser_id: i64, now: DateTime<Utc>) -> StoreResult<Vec<InvitationRecord>> {
        Ok(sqlx::query_as(&format!("{INVITATION} WHERE i.organiser_id = $1 AND i.expires_at > $2 ORDER BY i.created_at, i.id"))
            .bind(organiser_id)
            .bind(now)
            .fetch_all(&self.pool)
            .await?)
    }

    #[tracing::instrument(skip_all)]
    async fn invitation(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<InvitationRecord>> {
        Ok(sqlx::query_as(&format!("{INVITATION} WHERE i.token_hash = $1 AND i.expires_at > $2"))
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?)
    }

    #[tracing::instrument(skip(self))]
    async fn revoke_invitation(&self, organiser_id: i64, invitation_id: i64) -> StoreResult<bool> {
        let deleted = sqlx::query("DELETE FROM invitations WHERE organiser_id = $1 AND id = $2")
            .bind(organiser_id)
            .bind(invitation_id)
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected() == 1)
    }

    #[tracing::instrument(skip(self, token_hash))]
    async fn accept_invitation(&self, token_hash: &str, user_id: i64, now: DateTime<Utc>) -> StoreResult<Accepted> {
        let mut tx = self.begin_write().await?;
        let Some(invitation) = lock_invitation(&mut tx, token_hash, now).await? else {
            return Ok(Accepted::NotFound);
        };
        let email: Option<String> =
            sqlx::query_scalar("SELECT email FROM users WHERE id = $1").bind(user_id).fetch_optional(&mut *tx).await?;
        if email.as_deref() != Some(invitation.email.as_str()) {
            return Ok(Accepted::OtherAddress);
        }
        join(&mut tx, &invitation, user_id, now).await?;
        tx.commit().await?;
        Ok(Accepted::Accepted { organiser_id: invitation.organiser_id, role: invitation.role })
    }

    #[tracing::instrument(skip_all)]
    async fn sign_up_invited(&self, token_hash: &str, name: &str, password_hash: &str, now: DateTime<Utc>) -> StoreResult<InvitedSignUp> {
        let mut tx = self.begin_write().await?;
        let Some(invitation) = lock_invitation(&mut tx, token_hash, now).await? else {
            return Ok(InvitedSignUp::NotFound);
        };
        let user_id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (email) DO NOTHING RETURNING id",
        )
        .bind(&invitation.email)
        .bind(name)
        .bind(password_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user_id) = user_id else {
            return Ok(InvitedSignUp::EmailTaken);
        };
        join(&mut tx, &invitation, user_id, now).await?;
        // The address has an account now: sign-up links sent to it before are spent.
        sqlx::query("DELETE FROM pending_signups WHERE email = $1").bind(&invitation.email).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(InvitedSignUp::Created { user_id })
    }

    #[tracing::instrument(skip(self))]
    async fn delete_expired_links(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let signups = sqlx::query("DELETE FROM pending_signups WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        let invitations = sqlx::query("DELETE FROM invitations WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(signups.rows_affected() + invitations.rows_affected())
    }
}
