//! PostgreSQL, for production. Row locks taken by the conditional UPDATEs serialise writers per
//! ticket type; READ COMMITTED re-checks each UPDATE's condition against the latest row, which is
//! what makes `sold + held + n <= capacity` safe under concurrency.
use super::admin_sql::impl_admin_sql_store;
use super::sql::impl_sql_store;
use super::*;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::Row;
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

impl_sql_store!(PostgresStore, sqlx::Postgres, "postgres", " FOR UPDATE", " FOR UPDATE SKIP LOCKED");
impl_admin_sql_store!(PostgresStore, sqlx::Postgres, " FOR UPDATE", "date_trunc('minute', o.created_at)");
