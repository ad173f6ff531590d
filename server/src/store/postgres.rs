//! PostgreSQL, for production. Row locks taken by the conditional UPDATEs serialise writers per
//! ticket type; READ COMMITTED re-checks each UPDATE's condition against the latest row, which is
//! what makes `sold + held + n <= capacity` safe under concurrency. A SELECT that must lock says
//! `FOR UPDATE`; the reaper's says `SKIP LOCKED` so it never waits on a hold a buyer is ordering.
use super::DatabaseSettings;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;

pub struct PostgresStore {
    pool: sqlx::PgPool,
}

impl PostgresStore {
    pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let statement_timeout = format!("{}ms", settings.statement_timeout.as_millis());
        let options = PgConnectOptions::from_str(&settings.url)?
            .options([("statement_timeout", statement_timeout.as_str()), ("lock_timeout", statement_timeout.as_str())])
            .application_name("stampede");
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    pub fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

// What the shared SQL in `sql/` needs to know about this backend.
type Backend = PostgresStore;
type Db = sqlx::Postgres;
const NAME: &str = "postgres";
/// Makes a SELECT lock the rows it reads.
const LOCK: &str = " FOR UPDATE";
/// The same, skipping rows another transaction has locked.
const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";
/// An order's creation time cut to its minute.
const ORDER_MINUTE: &str = "date_trunc('minute', o.created_at)";

#[allow(clippy::duplicate_mod)] // why: the same SQL, compiled once per backend (see sql/mod.rs)
#[path = "sql/mod.rs"]
mod sql;
