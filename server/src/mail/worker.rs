//! The mailer's rounds (module policy in `mail/mod.rs`).
use super::compose::{self, Letter};
use super::letters;
use super::transport::{SendError, Transport};
use super::MailSettings;
use crate::store::{self, EmailKind, EmailRecord, EventRecord, NewEmail, Store};
use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use rand::Rng;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinSet;

/// The longest wait before a refused message is tried again.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(6 * 3600);
/// How long the mailer waits for an unreachable relay: first, and at most.
const FIRST_PAUSE: Duration = Duration::from_secs(5);
const MAX_PAUSE: Duration = Duration::from_secs(300);
/// The most emails one round takes.
const MAX_BATCH: i64 = 500;

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    /// Tries that failed (retried later, or marked failed).
    pub failed: usize,
    /// Taken but left for later because the relay could not be reached.
    pub postponed: usize,
}

pub struct Mailer {
    store: Arc<dyn Store>,
    transport: Transport,
    from: Mailbox,
    public_url: String,
    settings: MailSettings,
    /// While the relay cannot be reached: how long to wait before the next try.
    pause: Mutex<Option<Duration>>,
}

enum Outcome {
    Sent(i64),
    Failed,
    Unreachable(i64),
}

impl Mailer {
    pub fn new(store: Arc<dyn Store>, settings: MailSettings, public_url: &str) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings.from.parse().map_err(|err| anyhow::anyhow!("MAIL_FROM {:?}: {err}", settings.from))?;
        let transport = Transport::new(settings.smtp_url.as_deref(), settings.mail_dir.clone(), settings.connections, settings.timeout)?;
        Ok(Mailer { store, transport, from, public_url: public_url.trim_end_matches('/').to_string(), settings, pause: Mutex::new(None) })
    }

    pub fn describe(&self) -> String {
        self.transport.describe()
    }

    pub fn spawn(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        crate::jobs::every(self.settings.interval, move || {
            let mailer = self.clone();
            async move {
                if let Err(err) = mailer.round().await {
                    tracing::warn!(error = %err, "the mailer could not read the outbox; will retry");
                }
            }
        })
    }

    /// Queues the emails of waiting-list offers made since the last round (the store's offers are
    /// made where stock comes back, which does not know the site's address).
    async fn queue_offers(&self) -> anyhow::Result<()> {
        let offers = self.store.unsent_offers(MAX_BATCH).await?;
        if !offers.is_empty() {
            let emails: Vec<(i64, NewEmail)> =
                offers.iter().map(|offer| (offer.entry_id, letters::waiting_list_offer(offer, &self.public_url))).collect();
            self.store.queue_offer_emails(&emails, store::now()).await?;
        }
        Ok(())
    }

    /// Sends what is due, at the set rate: as many as one interval allows.
    pub async fn round(&self) -> anyhow::Result<Round> {
        self.queue_offers().await?;
        let rate = self.settings.rate_per_second.max(1);
        let batch = ((rate as f64 * self.settings.interval.as_secs_f64()).ceil() as i64).clamp(1, MAX_BATCH);
        let now = store::now();
        // Long enough for the batch at the set rate, every send taking its whole timeout.
        let lease = self.settings.timeout * 2 + Duration::from_secs_f64(batch as f64 / rate as f64) + Duration::from_secs(30);
        let emails = self.store.claim_emails(now, now + chrono::Duration::from_std(lease)?, batch).await?;
        if emails.is_empty() {
            return Ok(Round::default());
        }
        let mut round = Round::default();
        let mut events: HashMap<i64, Arc<EventRecord>> = HashMap::new();
        let mut sending = JoinSet::new();
        let mut pacing = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
        pacing.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut sent = Vec::new();
        let mut waiting: Vec<i64> = Vec::new();
        let mut unreachable = false;
        for email in emails {
            if unreachable {
                waiting.push(email.id);
                continue;
            }
            let (id, attempts) = (email.id, email.attempts);
            let message = match self.letter(email, &mut events).await.and_then(|letter| Ok(compose::message(&self.from, letter)?)) {
                Ok(message) => message,
                Err(err) => {
                    // Nothing to retry: the email cannot be written.
                    self.store.mark_try_failed(id, &format!("could not be written: {err}"), None, store::now()).await?;
                    round.failed += 1;
                    continue;
                }
            };
            while sending.len() >= self.settings.connections.max(1) as usize {
                if let Some(done) = sending.join_next().await {
                    self.collect(done?, &mut sent, &mut waiting, &mut round, &mut unreachable);
                }
            }
            if unreachable {
                waiting.push(id);
                continue;
            }
            pacing.tick().await;
            let (transport, store, settings) = (self.transport.clone(), self.store.clone(), self.settings.clone());
            sending.spawn(async move {
                match transport.send(id, message).await {
                    Ok(()) => Outcome::Sent(id),
                    Err(SendError::Unreachable(error)) => {
                        tracing::info!(%error, "the mail relay could not be reached");
                        Outcome::Unreachable(id)
                    }
                    Err(SendError::Refused(error)) => {
                        let retry_at = retry_at(&settings, attempts + 1, store::now());
                        tracing::warn!(email_id = id, attempts = attempts + 1, gave_up = retry_at.is_none(), %error, "an email was refused");
                        if let Err(err) = store.mark_try_failed(id, &error, retry_at, store::now()).await {
                            tracing::warn!(error = %err, "could not record a failed email; it will be tried again");
                        }
                        Outcome::Failed
                    }
                }
            });
        }
        while let Some(done) = sending.join_next().await {
            self.collect(done?, &mut sent, &mut waiting, &mut round, &mut unreachable);
        }
        if !sent.is_empty() {
            // After they went out: a crash before this line sends them again (at least once).
            self.store.mark_sent(&sent, store::now()).await?;
        }
        let pause = {
            let mut pause = self.pause.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *pause = match (unreachable, *pause) {
                (false, _) => None,
                (true, None) => Some(FIRST_PAUSE),
                (true, Some(last)) => Some((last * 2).min(MAX_PAUSE)),
            };
            *pause
        };
        if let Some(pause) = pause {
            round.postponed = waiting.len();
            self.store.postpone_emails(&waiting, store::now() + chrono::Duration::from_std(pause)?).await?;
            tracing::warn!(waiting = waiting.len(), pause_s = pause.as_secs(), "the mail relay is unreachable; emails wait for it");
        }
        Ok(round)
    }

    fn collect(&self, outcome: Outcome, sent: &mut Vec<i64>, waiting: &mut Vec<i64>, round: &mut Round, unreachable: &mut bool) {
        match outcome {
            Outcome::Sent(id) => {
                sent.push(id);
                round.sent += 1;
            }
            Outcome::Failed => round.failed += 1,
            Outcome::Unreachable(id) => {
                waiting.push(id);
                *unreachable = true;
            }
        }
    }

    /// The email as it goes out: a text as queued, or a confirmation written from its order now.
    async fn letter(&self, email: EmailRecord, events: &mut HashMap<i64, Arc<EventRecord>>) -> anyhow::Result<Letter> {
        match email.kind {
            EmailKind::Text => Ok(Letter { to: email.recipient, subject: email.subject, text: email.body, attachments: Vec::new() }),
            EmailKind::OrderConfirmation => {
                let order_id = email.order_id.ok_or_else(|| anyhow::anyhow!("a confirmation without its order"))?;
                let order = self.store.order_by_id(order_id).await?.ok_or_else(|| anyhow::anyhow!("order {order_id} is gone"))?;
                let event = match events.get(&order.event_id) {
                    Some(event) => event.clone(),
                    None => {
                        let event = Arc::new(
                            self.store.event_by_id(order.event_id).await?.ok_or_else(|| anyhow::anyhow!("the order's event is gone"))?,
                        );
                        events.insert(order.event_id, event.clone());
                        event
                    }
                };
                let mut letter = letters::confirmation(&event, &order, email.subject, &self.public_url)?;
                // The address the email was queued for: a resend goes where the organiser saw it go.
                letter.to = email.recipient;
                Ok(letter)
            }
        }
    }
}

/// When a message refused for the `attempts`-th time is tried again; None: it has had its tries.
fn retry_at(settings: &MailSettings, attempts: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if attempts >= settings.max_attempts {
        return None;
    }
    let doubled = settings.retry_base.as_secs_f64() * 2f64.powi((attempts - 1).clamp(0, 30));
    let jittered = doubled.min(MAX_RETRY_WAIT.as_secs_f64()) * rand::thread_rng().gen_range(0.5..1.5);
    Some(now + chrono::Duration::milliseconds((jittered * 1000.0) as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_about_twice_as_long_each_time_then_stop() {
        let settings = MailSettings { retry_base: Duration::from_secs(60), max_attempts: 4, ..MailSettings::default() };
        let now = store::now();
        for (attempts, expected) in [(1, 60.0), (2, 120.0), (3, 240.0)] {
            let wait = (retry_at(&settings, attempts, now).unwrap() - now).num_milliseconds() as f64 / 1000.0;
            assert!((expected * 0.5..=expected * 1.5).contains(&wait), "try {attempts}: {wait} s");
        }
        assert_eq!(retry_at(&settings, 4, now), None, "the fourth failure is the last");
    }
}
