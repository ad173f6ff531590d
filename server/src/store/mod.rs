//! Persistence, laid out by table: each module (`events`, `ticket_types`, `holds`, `orders`, ...)
//! holds its table's records, its input types and a trait with its operations. [`Store`] is the sum
//! of those traits, implemented once per backend (PostgreSQL for production, SQLite as the embedded
//! default), each with its own connection setup and migrations under `migrations/`.
//!
//! Policy: the database is the authority on stock. Every change to `sold` or `held` happens in a
//! conditional UPDATE inside the transaction that records why (a hold, a release, an order, an
//! expiry), and a CHECK constraint refuses `sold + held > capacity` whatever the code above does.
//! Rows are locked in one order everywhere (a hold's row, then ticket types by ascending id) so
//! concurrent transactions queue instead of deadlocking.
//!
//! This layer trusts its caller about *who* may do something (the admin service checks roles and
//! tenancy first, with [`Accounts::owner_of`]), and is the authority on *whether* it can be done:
//! a capacity below what is sold, a second check-in or a discount's last use are decided by
//! conditional statements, so two people at two desks cannot both win.
//!
//! The SQL is written once, in `sql/`, and compiled once per backend (see `sql/mod.rs`); what is
//! decoded from a column (statuses, kinds, id lists) is decoded in one place, `columns.rs`.
mod account_links;
mod accounts;
mod audit;
mod checkins;
mod columns;
mod discounts;
mod events;
mod exports;
mod holds;
mod orders;
mod outbox;
mod payments;
mod postgres;
mod questions;
mod room_reports;
mod sqlite;
mod ticket_types;
mod unique;
mod waiting_list;

pub use account_links::*;
pub use accounts::*;
pub use audit::*;
pub use checkins::*;
pub use discounts::*;
pub use events::*;
pub use exports::*;
pub use holds::*;
pub use orders::*;
pub use outbox::*;
pub use payments::*;
pub use postgres::PostgresStore;
pub use questions::*;
pub use room_reports::*;
pub use sqlite::SqliteStore;
pub use ticket_types::*;
pub use unique::Unique;
pub use waiting_list::*;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database did not answer in time (pool exhausted, statement timeout, locked): worth a retry.
    #[error("the database is busy: {0}")]
    Busy(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        let busy = match &err {
            sqlx::Error::PoolTimedOut => true,
            // 57014: statement timeout, 40P01: chosen as a deadlock's victim, 40001: serialization
            // failure (PostgreSQL); 5 and 6: busy and locked (SQLite). Each is gone on a retry.
            sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("57014" | "40P01" | "40001" | "5" | "6" | "517")),
            _ => false,
        };
        if busy {
            StoreError::Busy(err.to_string())
        } else {
            StoreError::Unexpected(anyhow::Error::new(err))
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// What a write that must keep a unique name found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved<T> {
    Saved(T),
    /// Another row already has this name (slug, code, member).
    Taken,
    NotFound,
}

impl<T> Saved<T> {
    /// For seeders (the demo, tests, the simulator), which choose names that cannot be taken.
    pub fn saved(self, what: &str) -> StoreResult<T> {
        match self {
            Saved::Saved(value) => Ok(value),
            Saved::Taken => Err(StoreError::Unexpected(anyhow::anyhow!("{what} is taken already"))),
            Saved::NotFound => Err(StoreError::Unexpected(anyhow::anyhow!("{what}: what it belongs to is gone"))),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Removed {
    Removed,
    NotFound,
    /// Orders refer to it: it can be limited or expired, not deleted.
    InUse,
}

/// The connection pool as it is now, for metrics.
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolState {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// The whole database: every table's operations, and the connection's own.
#[async_trait]
pub trait Store:
    Events
    + TicketTypes
    + Holds
    + Orders
    + Accounts
    + AccountLinks
    + Discounts
    + Questions
    + CheckIns
    + Exports
    + Outbox
    + Payments
    + Audits
    + WaitingLists
    + RoomReports
    + Send
    + Sync
    + 'static
{
    /// "postgres" or "sqlite", for logs and health output.
    fn backend(&self) -> &'static str;
    fn pool_state(&self) -> PoolState;
    async fn ping(&self) -> StoreResult<()>;
}

/// Bounds on every wait the database can impose.
#[derive(Clone, Debug)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
}

/// Opens the database named by the URL (postgres:// or sqlite:), applies its migrations.
pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Arc<dyn Store>> {
    if settings.url.starts_with("postgres://") || settings.url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(settings).await?))
    } else if settings.url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(settings).await?))
    } else {
        anyhow::bail!("DATABASE_URL must start with postgres:// or sqlite: (got {:?})", settings.url)
    }
}

/// Timestamps are kept to the millisecond: both backends store that exactly, so what is written is
/// what is read back, and SQLite's text timestamps compare in time order.
pub fn now() -> DateTime<Utc> {
    truncate_to_millis(Utc::now())
}

pub fn truncate_to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}
