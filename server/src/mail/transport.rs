//! Where a composed email goes: an SMTP relay (`SMTP_URL`), a directory (`MAIL_DIR`: each email
//! as an `.eml` file, which `make run` and the browser tests read), or the log.
//!
//! Policy: a failure says whose it is. [`SendError::Refused`] is the relay's answer about this
//! message (its code and words; the message is retried later and, when it keeps failing, marked
//! failed); [`SendError::Unreachable`] is the relay itself being away (no connection, a timeout):
//! no message is to blame, so the round stops and nothing is counted against any of them.
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone)]
pub enum Transport {
    Log,
    Directory(PathBuf),
    Smtp { relay: AsyncSmtpTransport<Tokio1Executor>, described: String },
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the relay refused the message: {0}")]
    Refused(String),
    #[error("the relay could not be reached: {0}")]
    Unreachable(String),
}

impl Transport {
    /// The SMTP relay at `smtp_url` (lettre's URL form: `smtp://user:pass@host:587?tls=required`
    /// for STARTTLS, `smtps://host:465` for TLS), with a pool of `connections` and a `timeout` on
    /// every wait; else the directory, else the log.
    pub fn new(smtp_url: Option<&str>, mail_dir: Option<PathBuf>, connections: u32, timeout: Duration) -> anyhow::Result<Transport> {
        if let Some(url) = smtp_url {
            let relay = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|err| anyhow::anyhow!("SMTP_URL: {err}"))?
                .timeout(Some(timeout))
                .pool_config(PoolConfig::new().max_size(connections).idle_timeout(Duration::from_secs(60)))
                .build();
            return Ok(Transport::Smtp { relay, described: describe(url) });
        }
        Ok(mail_dir.map_or(Transport::Log, Transport::Directory))
    }

    /// For the startup line: where email goes, in words.
    pub fn describe(&self) -> String {
        match self {
            Transport::Log => "the log (no SMTP_URL or MAIL_DIR set): emails are written to the log, not sent".into(),
            Transport::Directory(dir) => format!("the directory {} (MAIL_DIR): emails are written as files, not sent", dir.display()),
            Transport::Smtp { described, .. } => format!("the SMTP relay {described}"),
        }
    }

    pub async fn send(&self, id: i64, message: Message) -> Result<(), SendError> {
        match self {
            Transport::Log => {
                let to = message.envelope().to().iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                let subject = message.headers().get_raw("Subject").unwrap_or_default().to_string();
                tracing::info!(%to, %subject, bytes = message.formatted().len(), "email sent (log transport)");
                Ok(())
            }
            Transport::Directory(dir) => {
                write_file(dir, id, &message.formatted()).await.map_err(|err| SendError::Unreachable(err.to_string()))
            }
            Transport::Smtp { relay, .. } => match relay.send(message).await {
                Ok(_) => Ok(()),
                Err(err) => Err(match err.status() {
                    Some(code) => SendError::Refused(format!("{code} {err}")),
                    None => SendError::Unreachable(err.to_string()),
                }),
            },
        }
    }
}

/// The relay's address without its credentials.
fn describe(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{host}")
        }
        None => "(unreadable SMTP_URL)".into(),
    }
}

/// Written whole, then renamed: a reader never sees half an email. The time keeps names apart
/// when origins with different databases share the directory.
async fn write_file(dir: &std::path::Path, id: i64, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let name = format!("{}-{id:010}.eml", chrono::Utc::now().timestamp_millis());
    let partial = dir.join(format!("{name}.partial"));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, dir.join(name)).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_relay_is_described_without_its_password() {
        assert_eq!(super::describe("smtp://user:secret@relay.example:587?tls=required"), "smtp://relay.example:587?tls=required");
        assert_eq!(super::describe("smtps://relay.example"), "smtps://relay.example");
    }
}
