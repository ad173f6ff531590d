//! The mailer: sends what the outbox holds (order confirmations resent by organisers, sign-up
//! links, invitations), in order, marking each sent.
//!
//! Transports: the log (`email sent (log transport)` lines with the recipient and subject; the
//! default, as Stampede has no SMTP relay configured anywhere yet) or, with `MAIL_DIR` set, a
//! directory that gets each email as a file `<milliseconds>-<id>.eml` (headers, a blank line, the
//! body; the time keeps names apart when origins with different databases share the directory),
//! which is how `make run` and the browser tests read the links they are sent. The outbox is in the
//! database, so none is lost when an SMTP transport is added.
//!
//! Policy: what reaches a header is one line, whatever the database holds (inputs refuse line
//! breaks there already; this is the second wall).
use crate::store::{self, EmailRecord, Store};
use contract::validate::flatten_line;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const BATCH: i64 = 50;

#[derive(Clone, Debug)]
pub enum Transport {
    Log,
    Directory(PathBuf),
}

impl Transport {
    pub fn new(mail_dir: Option<PathBuf>) -> Transport {
        mail_dir.map_or(Transport::Log, Transport::Directory)
    }

    async fn send(&self, email: &EmailRecord) -> std::io::Result<()> {
        match self {
            Transport::Log => {
                tracing::info!(to = %email.recipient, subject = %email.subject, bytes = email.body.len(), "email sent (log transport)");
                Ok(())
            }
            Transport::Directory(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                let text = format!(
                    "To: {}\r\nSubject: {}\r\nDate: {}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}",
                    flatten_line(&email.recipient),
                    flatten_line(&email.subject),
                    chrono::Utc::now().to_rfc2822(),
                    email.body
                );
                // Written whole, then renamed: a reader never sees half an email.
                let name = format!("{}-{:010}.eml", chrono::Utc::now().timestamp_millis(), email.id);
                let partial = dir.join(format!("{name}.partial"));
                tokio::fs::write(&partial, text).await?;
                tokio::fs::rename(&partial, dir.join(name)).await
            }
        }
    }
}

pub fn spawn(store: Arc<dyn Store>, interval: Duration, transport: Transport) -> tokio::task::JoinHandle<()> {
    crate::jobs::every(interval, move || {
        let (store, transport) = (store.clone(), transport.clone());
        async move { send_queued(store.as_ref(), &transport).await }
    })
}

pub async fn send_queued(store: &dyn Store, transport: &Transport) {
    let emails = match store.unsent_emails(BATCH).await {
        Ok(emails) => emails,
        Err(err) => {
            tracing::warn!(error = %err, "could not read the outbox");
            return;
        }
    };
    let mut sent = Vec::with_capacity(emails.len());
    for email in &emails {
        if let Err(err) = transport.send(email).await {
            tracing::warn!(error = %err, "could not send an email; it stays in the outbox");
            break;
        }
        sent.push(email.id);
    }
    if sent.is_empty() {
        return;
    }
    if let Err(err) = store.mark_sent(&sent, store::now()).await {
        tracing::warn!(error = %err, "could not mark emails sent; they will be sent again");
    }
}
