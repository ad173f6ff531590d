//! The outbox: emails queued in the transaction of what they announce, sent later by the mailer
//! (`mail/`).
//!
//! Policy: an email is written to the database before anyone tries to send it, so a crash or an
//! SMTP outage delays mail but never loses it; marking it sent is a separate statement, made
//! after it went out (at least once, never zero times). A mailer takes emails by leasing them
//! (moving their next try on), so several origins can run one without sending an email twice in
//! the normal run of things. An email that keeps failing is marked failed, never deleted.
use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::OrderEmail;

/// What the outbox row holds: a finished text, or an order's confirmation, made when it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailKind {
    Text,
    OrderConfirmation,
}

impl EmailKind {
    /// As the `kind` column spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Text => "text",
            EmailKind::OrderConfirmation => "order_confirmation",
        }
    }
}

#[derive(Clone, Debug)]
pub struct NewEmail {
    pub order_id: Option<i64>,
    pub kind: EmailKind,
    pub recipient: String,
    pub subject: String,
    /// The text (empty for a confirmation, which is written when sent).
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl NewEmail {
    pub fn text(recipient: &str, subject: String, body: String, order_id: Option<i64>) -> NewEmail {
        NewEmail { order_id, kind: EmailKind::Text, recipient: recipient.to_string(), subject, body, created_at: super::now() }
    }

    /// The confirmation of an order: its tickets, written from the order when the mailer sends it.
    pub fn order_confirmation(order_id: i64, recipient: &str, subject: String, created_at: DateTime<Utc>) -> NewEmail {
        NewEmail {
            order_id: Some(order_id),
            kind: EmailKind::OrderConfirmation,
            recipient: recipient.to_string(),
            subject,
            body: String::new(),
            created_at,
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EmailRecord {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: EmailKind,
    pub order_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Failed tries before this one.
    pub attempts: i32,
}

impl TryFrom<String> for EmailKind {
    type Error = String;

    fn try_from(word: String) -> Result<Self, Self::Error> {
        [EmailKind::Text, EmailKind::OrderConfirmation]
            .into_iter()
            .find(|kind| kind.as_str() == word)
            .ok_or_else(|| format!("unknown email kind {word:?} in the database"))
    }
}

#[async_trait]
pub trait Outbox: Send + Sync {
    /// Queues the email and, when it is about an order, stamps the order's confirmation time.
    async fn queue_email(&self, email: &NewEmail) -> StoreResult<()>;
    /// Takes up to `limit` emails due by `now`, oldest first, leased until `lease_until`.
    async fn claim_emails(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64) -> StoreResult<Vec<EmailRecord>>;
    async fn mark_sent(&self, ids: &[i64], now: DateTime<Utc>) -> StoreResult<()>;
    /// One failed try of an email, with the relay's words: tried again at `retry_at`, or, when
    /// None, marked failed.
    async fn mark_try_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> StoreResult<()>;
    /// Emails taken but not tried (the relay could not be reached): due again at `retry_at`, no
    /// try counted against them.
    async fn postpone_emails(&self, ids: &[i64], retry_at: DateTime<Utc>) -> StoreResult<()>;
    /// An order's emails, newest first.
    async fn order_emails(&self, order_id: i64) -> StoreResult<Vec<OrderEmail>>;
    /// How many emails wait to be sent (for the operators' metrics and the drain benchmark).
    async fn unsent_email_count(&self) -> StoreResult<i64>;
}
