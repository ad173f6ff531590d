//! The SQL both backends run, one file per table. PostgreSQL and SQLite (through sqlx) accept the
//! same `$N` parameters, `RETURNING` and conditional UPDATEs, so one text serves both.
//!
//! Mechanism: this directory is an ordinary module tree that each backend's module includes with
//! `#[path = "sql/mod.rs"] mod sql;`, after defining `Backend` (its store struct, with a `pool`
//! field and `begin_write`), `Db` (its `sqlx::Database`) and the few fragments that differ
//! (`LOCK`, `SKIP_LOCKED`, `ORDER_MINUTE`). So the code is compiled twice, each time concrete:
//! rustfmt formats it, errors point at real lines, and the queries need no bounds. The alternative,
//! functions generic over `sqlx::Database`, needs a where-clause per function naming every type
//! it binds or decodes (`for<'q> i64: Encode<'q, DB> + Type<DB>`, `&mut DB::Connection: Executor`,
//! ...) for no gain: there are exactly two backends, known at compile time.
//!
//! Every stock change is a conditional UPDATE of a ticket type's counters; its `rows_affected`
//! says whether the stock was there. Ticket types are always updated in ascending id order, and
//! last in their transaction, so their rows (the hottest in a sale) stay locked only until commit.
mod account_links;
mod accounts;
mod audit;
mod checkins;
mod discounts;
mod events;
mod exports;
mod holds;
mod order_writes;
mod orders;
mod outbox;
mod payments;
mod questions;
mod room_reports;
mod ticket_types;
mod waiting_list;

use super::{Backend, Db, LOCK, NAME, ORDER_MINUTE, SKIP_LOCKED};
use crate::store::{PoolState, Store, StoreResult};
use async_trait::async_trait;

type Tx = sqlx::Transaction<'static, Db>;

#[async_trait]
impl Store for Backend {
    fn backend(&self) -> &'static str {
        NAME
    }

    fn pool_state(&self) -> PoolState {
        PoolState { open: self.pool.size(), idle: self.pool.num_idle() as u32, max: self.pool.options().get_max_connections() }
    }

    #[tracing::instrument(skip(self))]
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
