//! What an emailed link stands for until it is opened: a pending sign-up (`pending_signups`) or an
//! invitation to an organisation (`invitations`).
//!
//! Policy: nothing a link grants exists before the link is used. A sign-up becomes an account,
//! and an invitation a membership, in the transaction that spends the link, so a link works once.
//! Links are found by the SHA-256 of their token only (the caller hashes), and an expired link is
//! as good as none: every read compares `expires_at` with the caller's `now`.
use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::Role;

#[derive(Clone, Debug)]
pub struct NewSignUp {
    pub token_hash: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub organisation: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// The account and its organisation exist now.
    Created { user_id: i64, organiser_id: i64 },
    /// The address got an account meanwhile (another link, an invitation).
    EmailTaken,
    /// No such link, or it expired or was used.
    NotFound,
}

#[derive(Clone, Debug)]
pub struct NewInvitation {
    pub organiser_id: i64,
    pub email: String,
    pub role: Role,
    pub token_hash: String,
    pub invited_by: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A pending invitation, as the organisation's owners see it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InvitationRecord {
    pub id: i64,
    pub organiser_id: i64,
    pub organisation_name: String,
    pub email: String,
    pub role: Role,
    pub invited_by_name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub enum Invited {
    /// Made, or made again with a new token (the old link no longer works).
    Invited(InvitationRecord),
    /// The address belongs to a member already.
    AlreadyMember,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accepted {
    Accepted {
        organiser_id: i64,
        role: Role,
    },
    /// The signed-in user's address is not the one invited; the invitation stays.
    OtherAddress,
    /// No such link, or it expired, was revoked or used.
    NotFound,
}

#[async_trait]
pub trait AccountLinks: Send + Sync {
    async fn save_signup(&self, signup: &NewSignUp) -> StoreResult<()>;
    /// Spends the link: makes the account, its organisation and the owner's membership, and drops
    /// every other pending sign-up of the address.
    async fn confirm_signup(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Confirmed>;

    async fn invite(&self, invitation: &NewInvitation) -> StoreResult<Invited>;
    async fn invitations(&self, organiser_id: i64, now: DateTime<Utc>) -> StoreResult<Vec<InvitationRecord>>;
    async fn invitation(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<InvitationRecord>>;
    /// False when there is no such pending invitation in the organisation.
    async fn revoke_invitation(&self, organiser_id: i64, invitation_id: i64) -> StoreResult<bool>;
    /// Spends the link for the signed-in `user_id`, whose address must be the one invited.
    async fn accept_invitation(&self, token_hash: &str, user_id: i64, now: DateTime<Utc>) -> StoreResult<Accepted>;
    /// Spends the link for a new account of the invited address, a member from then on.
    async fn sign_up_invited(&self, token_hash: &str, name: &str, password_hash: &str, now: DateTime<Utc>) -> StoreResult<InvitedSignUp>;

    /// Deletes expired sign-ups and invitations; returns how many.
    async fn delete_expired_links(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvitedSignUp {
    Created {
        user_id: i64,
    },
    /// The invited address has an account: sign in and accept instead.
    EmailTaken,
    NotFound,
}
