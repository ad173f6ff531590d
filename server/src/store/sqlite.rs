//! SQLite, the embedded default: one file, WAL journal, writers serialised by the database.
//! Write transactions start with BEGIN IMMEDIATE so they take the write lock up front and wait for
//! it (busy timeout) instead of failing when a read turns into a write.
use super::admin_sql::impl_admin_sql_store;
use super::sql::impl_sql_store;
use super::*;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Row;
use std::str::FromStr;

pub struct SqliteStore {
    pool: sqlx::SqlitePool,
}

impl SqliteStore {
    pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(&settings.url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(settings.statement_timeout);
        if let Some(dir) = options.get_filename().parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    pub fn pool(&self) -> &sqlx::SqlitePool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

impl_sql_store!(SqliteStore, sqlx::Sqlite, "sqlite", "", "");
impl_admin_sql_store!(SqliteStore, sqlx::Sqlite, "", "strftime('%Y-%m-%dT%H:%M:00+00:00', o.created_at)");
