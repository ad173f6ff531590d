//! SQLite, the embedded default: one file, WAL journal, writers serialised by the database.
//! Write transactions start with BEGIN IMMEDIATE so they take the write lock up front and wait for
//! it (busy timeout) instead of failing when a read turns into a write; for the same reason a
//! SELECT needs no `FOR UPDATE` here (SQLite has none): the write lock already serialises.
use super::DatabaseSettings;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
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

// What the shared SQL in `sql/` needs to know about this backend.
type Backend = SqliteStore;
type Db = sqlx::Sqlite;
const NAME: &str = "sqlite";
/// Nothing: the write transaction holds the database's write lock already.
const LOCK: &str = "";
const SKIP_LOCKED: &str = "";
/// An order's creation time cut to its minute, in the text form SQLite keeps timestamps in.
const ORDER_MINUTE: &str = "strftime('%Y-%m-%dT%H:%M:00+00:00', o.created_at)";

#[allow(clippy::duplicate_mod)] // why: the same SQL, compiled once per backend (see sql/mod.rs)
#[path = "sql/mod.rs"]
mod sql;
