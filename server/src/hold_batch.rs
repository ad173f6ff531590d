//! Group commit for holds. Every hold for an event changes the same ticket_types row, so one
//! transaction per hold makes thousands of buyers queue on one row lock. Instead, holds are queued
//! and a dispatcher hands whatever has arrived to one transaction (`Store::create_holds`), which
//! updates each ticket type once for the whole batch.
//!
//! No batch waits on a timer: when a transaction slot is free, the next batch goes at once with
//! whatever is queued (one hold when traffic is light, so light traffic pays no latency). While
//! slots are busy, arrivals accumulate into the next batch: the busier the sale, the bigger the
//! batches, the fewer the transactions per hold.
use crate::error::ApiError;
use crate::store::{HoldOutcome, NewHold, Store, StoreError, StoreResult};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

struct Pending {
    hold: NewHold,
    reply: oneshot::Sender<StoreResult<HoldOutcome>>,
}

#[derive(Clone, Copy, Debug)]
pub struct BatchSettings {
    /// Most holds in one transaction (1: no batching, one transaction per hold).
    pub max_batch: usize,
    /// Transactions running at once.
    pub in_flight: usize,
    /// Holds waiting for a transaction; beyond this, buyers get a fast 503.
    pub queue: usize,
}

#[derive(Clone)]
pub struct HoldBatcher {
    queue: mpsc::Sender<Pending>,
}

/// Observes each batch's size (for metrics).
pub type BatchObserver = Arc<dyn Fn(usize) + Send + Sync>;

impl HoldBatcher {
    /// Starts the dispatcher; it runs until every `HoldBatcher` clone is dropped.
    pub fn spawn(store: Arc<dyn Store>, settings: BatchSettings, observe: BatchObserver) -> HoldBatcher {
        let (queue, mut arrivals) = mpsc::channel::<Pending>(settings.queue.max(1));
        let slots = Arc::new(Semaphore::new(settings.in_flight.max(1)));
        let max_batch = settings.max_batch.max(1);
        tokio::spawn(async move {
            while let Some(first) = arrivals.recv().await {
                let Ok(slot) = slots.clone().acquire_owned().await else { break };
                let mut batch = vec![first];
                while batch.len() < max_batch {
                    match arrivals.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                observe(batch.len());
                let store = store.clone();
                tokio::spawn(async move {
                    run_batch(store.as_ref(), batch).await;
                    drop(slot);
                });
            }
        });
        HoldBatcher { queue }
    }

    /// Queues the hold and waits for its transaction.
    pub async fn create_hold(&self, hold: NewHold) -> Result<HoldOutcome, ApiError> {
        let (reply, outcome) = oneshot::channel();
        self.queue.try_send(Pending { hold, reply }).map_err(|_| busy())?;
        match outcome.await {
            Ok(outcome) => Ok(outcome?),
            Err(_) => Err(ApiError::Unexpected(anyhow::anyhow!("the hold batcher stopped"))),
        }
    }
}

fn busy() -> ApiError {
    ApiError::Busy("Tickets are selling fast and we are at capacity. Please try again in a moment.".into())
}

async fn run_batch(store: &dyn Store, batch: Vec<Pending>) {
    let holds: Vec<NewHold> = batch.iter().map(|pending| pending.hold.clone()).collect();
    match store.create_holds(&holds).await {
        Ok(outcomes) if outcomes.len() == batch.len() => {
            for (pending, outcome) in batch.into_iter().zip(outcomes) {
                let _ = pending.reply.send(Ok(outcome));
            }
        }
        Ok(outcomes) => {
            let err = || StoreError::Unexpected(anyhow::anyhow!("{} outcomes for {} holds", outcomes.len(), holds.len()));
            for pending in batch {
                let _ = pending.reply.send(Err(err()));
            }
        }
        // One bad hold must not fail its neighbours: an unexpected error in a batch means going
        // again one by one, so only the culprit sees it. A busy database fails them all alike.
        Err(StoreError::Unexpected(_)) if batch.len() > 1 => {
            for pending in batch {
                let outcome = store.create_hold(&pending.hold).await;
                let _ = pending.reply.send(outcome);
            }
        }
        Err(err) => {
            let message = err.to_string();
            let mut batch = batch.into_iter();
            if let Some(first) = batch.next() {
                let _ = first.reply.send(Err(err));
            }
            for pending in batch {
                let _ = pending.reply.send(Err(StoreError::Busy(message.clone())));
            }
        }
    }
}
