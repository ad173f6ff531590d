//! Who may act: users, the organisations (organisers) they belong to with a role, their admin
//! sessions, and whose a resource is.
//!
//! Policy: an organisation always keeps an owner. Demoting or removing an owner locks the
//! organisation's owner rows first, so two organisers demoting each other at once cannot both see
//! "another owner remains". Sessions are stored by the hash of their id only, so a copy of the
//! table signs nobody in. Memberships are made by spending an invitation (`account_links`), never
//! by an owner naming an address.
use super::{Saved, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::Role;

#[derive(Clone, Debug)]
pub struct NewOrganiser {
    pub name: String,
    pub email: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
}

#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub organisation: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub enum AccountOutcome {
    Created { user_id: i64, organiser_id: i64 },
    EmailTaken,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MembershipRecord {
    pub organiser_id: i64,
    pub organisation_name: String,
    pub role: Role,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberRecord {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// Anything an admin route names by id; [`Accounts::owner_of`] says whose it is.
#[derive(Clone, Copy, Debug)]
pub enum Resource {
    Event,
    TicketType,
    Discount,
    Question,
    Order,
    Export,
}

/// The event a resource belongs to, and the organisation that runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Owner {
    pub event_id: i64,
    pub organiser_id: i64,
}

#[async_trait]
pub trait Accounts: Send + Sync {
    async fn create_organiser(&self, organiser: &NewOrganiser) -> StoreResult<i64>;
    /// A user and the organisation they own, in one transaction.
    async fn create_account(&self, account: &NewAccount) -> StoreResult<AccountOutcome>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>>;
    async fn memberships(&self, user_id: i64) -> StoreResult<Vec<MembershipRecord>>;
    async fn role_of(&self, user_id: i64, organiser_id: i64) -> StoreResult<Option<Role>>;
    async fn members(&self, organiser_id: i64) -> StoreResult<Vec<MemberRecord>>;
    /// Changes a member's role unless that would leave the organisation without an owner
    /// (`Ok(None)` then). `NotFound` when not a member.
    async fn set_role(&self, organiser_id: i64, user_id: i64, role: Role) -> StoreResult<Saved<Option<()>>>;
    /// Removes a member unless they are the last owner (`Ok(None)` then).
    async fn remove_member(&self, organiser_id: i64, user_id: i64) -> StoreResult<Saved<Option<()>>>;

    // Sessions, keyed by the hash of their id.
    async fn session_load(&self, id_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<String>>;
    /// Inserts a new session; false if the id is taken.
    async fn session_create(&self, id_hash: &str, record: &str, expires_at: DateTime<Utc>) -> StoreResult<bool>;
    async fn session_save(&self, id_hash: &str, record: &str, expires_at: DateTime<Utc>) -> StoreResult<()>;
    async fn session_delete(&self, id_hash: &str) -> StoreResult<()>;
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;

    /// The secret every origin shares under `name`: the stored one, or `candidate` if none is yet.
    async fn server_key(&self, name: &str, candidate: &str) -> StoreResult<String>;

    async fn owner_of(&self, resource: Resource, id: i64) -> StoreResult<Option<Owner>>;
}
