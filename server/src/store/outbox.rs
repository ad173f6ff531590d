//! The outbox: emails queued in the transaction of what they announce, sent later by a worker.
//!
//! Policy: an email is written to the database before anyone tries to send it, so a crash or an
//! SMTP outage delays mail but never loses it; marking it sent is a separate statement, made
//! after it went out (at least once, never zero times).
use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[derive(Clone, Debug)]
pub struct NewEmail {
    pub order_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EmailRecord {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

#[async_trait]
pub trait Outbox: Send + Sync {
    /// Queues the email and, when it is about an order, stamps the order's confirmation time.
    async fn queue_email(&self, email: &NewEmail) -> StoreResult<()>;
    async fn unsent_emails(&self, limit: i64) -> StoreResult<Vec<EmailRecord>>;
    async fn mark_sent(&self, ids: &[i64], now: DateTime<Utc>) -> StoreResult<()>;
}
