//! Email: the outbox (`store/outbox.rs`) holds every email from the transaction that caused it;
//! the mailer here sends what is due through the transport (`transport`), writing confirmations
//! from their order as it is when sent (`letters`, `compose`, `documents`).
//!
//! Policy:
//! - Checkout never waits for email: the order's transaction only enqueues.
//! - The mailer drains at `MAIL_RATE_PER_SECOND` over at most `MAIL_CONNECTIONS` connections, so a
//!   burst of thousands of orders reaches the relay as a steady stream, not a herd.
//! - A message the relay refuses is tried again later, each wait about twice the last
//!   (`MAIL_RETRY_BASE_MS`, with ±50% jitter so retries do not arrive together), and is marked
//!   failed after `MAIL_MAX_ATTEMPTS` tries: the order's page in the admin shows it, to resend.
//! - A relay that cannot be reached is nobody's message's fault: the round stops, the emails it
//!   took wait for the relay (from 5 s, doubling up to 5 minutes), and no try is counted.
//! - An email that cannot be written at all (an address that cannot be mailed, an order that is
//!   gone) is marked failed at once, with the reason.
pub mod compose;
pub mod letters;
pub mod transport;
mod worker;

pub use transport::Transport;
pub use worker::{Mailer, Round};

use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `SMTP_URL`: the relay (lettre's URL form); unset, email goes to `MAIL_DIR` or the log.
    pub smtp_url: Option<String>,
    /// `MAIL_DIR`: each email written there as an `.eml` file instead of sent.
    pub mail_dir: Option<PathBuf>,
    /// `MAIL_FROM`: "Tickets <tickets@example.com>"; required with `SMTP_URL`.
    pub from: String,
    pub rate_per_second: u32,
    pub connections: u32,
    /// On every wait for the relay: connecting, each command, each answer.
    pub timeout: Duration,
    pub max_attempts: i32,
    pub retry_base: Duration,
    /// How often the mailer looks for due email.
    pub interval: Duration,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_url: None,
            mail_dir: None,
            from: "Stampede <tickets@localhost>".into(),
            rate_per_second: 20,
            connections: 4,
            timeout: Duration::from_secs(15),
            max_attempts: 6,
            retry_base: Duration::from_secs(60),
            interval: Duration::from_millis(500),
        }
    }
}
