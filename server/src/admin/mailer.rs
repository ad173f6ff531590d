//! The mailer: sends what the outbox holds (order confirmations resent by organisers), in order,
//! marking each sent. The transport is the log for now (`mail queued for sending` lines with the
//! recipient and subject): Stampede has no SMTP relay configured anywhere yet, and an outbox in
//! the database means none is lost when one is added.
use crate::store::{self, Store};
use std::sync::Arc;
use std::time::Duration;

const BATCH: i64 = 50;

pub fn spawn(store: Arc<dyn Store>, interval: Duration) -> tokio::task::JoinHandle<()> {
    crate::jobs::every(interval, move || {
        let store = store.clone();
        async move { send_queued(store.as_ref()).await }
    })
}

pub async fn send_queued(store: &dyn Store) {
    let emails = match store.unsent_emails(BATCH).await {
        Ok(emails) => emails,
        Err(err) => {
            tracing::warn!(error = %err, "could not read the outbox");
            return;
        }
    };
    if emails.is_empty() {
        return;
    }
    for email in &emails {
        tracing::info!(to = %email.recipient, subject = %email.subject, bytes = email.body.len(), "email sent (log transport)");
    }
    let ids: Vec<i64> = emails.iter().map(|email| email.id).collect();
    if let Err(err) = store.mark_sent(&ids, store::now()).await {
        tracing::warn!(error = %err, "could not mark emails sent; they will be sent again");
    }
    // Expired admin sessions go with the same sweep: nothing else reads them.
    if let Err(err) = store.delete_expired_sessions(store::now()).await {
        tracing::debug!(error = %err, "could not delete expired admin sessions");
    }
}
