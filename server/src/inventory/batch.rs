//! Group commit. Every hold and every order of an event changes the same ticket_types row, so one
//! transaction each makes thousands of buyers queue on one row lock, and on PostgreSQL piles
//! foreign-key share locks on it. Instead, requests are queued and a dispatcher hands whatever has
//! arrived to one transaction (`Store::create_holds`, `Store::place_orders`), which updates each
//! ticket type once for the whole batch.
//!
//! No batch waits on a timer: when a transaction slot is free, the next batch goes at once with
//! whatever is queued (one request when traffic is light, so light traffic pays no latency). While
//! slots are busy, arrivals accumulate into the next batch: the busier the sale, the bigger the
//! batches, the fewer the transactions per request.
use crate::store::{HoldOutcome, NewHold, NewOrder, OrderOutcome, Store, StoreError, StoreResult};
use async_trait::async_trait;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

#[derive(Clone, Copy, Debug)]
pub struct BatchSettings {
    /// Most requests in one transaction (1: no batching, one transaction each).
    pub max_batch: usize,
    /// Transactions running at once.
    pub in_flight: usize,
    /// Requests waiting for a transaction; beyond this, buyers get a fast 503.
    pub queue: usize,
}

/// A kind of request that can be committed in batches.
#[async_trait]
pub trait Job: Send + Sync + 'static {
    type Request: Send + Sync + Clone + 'static;
    type Outcome: Send + 'static;
    /// One transaction for all; outcomes in the order of `requests`.
    async fn run_batch(store: &dyn Store, requests: &[Self::Request]) -> StoreResult<Vec<Self::Outcome>>;
    async fn run_one(store: &dyn Store, request: &Self::Request) -> StoreResult<Self::Outcome>;
}

pub struct Holds;

#[async_trait]
impl Job for Holds {
    type Request = NewHold;
    type Outcome = HoldOutcome;
    async fn run_batch(store: &dyn Store, holds: &[NewHold]) -> StoreResult<Vec<HoldOutcome>> {
        store.create_holds(holds).await
    }
    async fn run_one(store: &dyn Store, hold: &NewHold) -> StoreResult<HoldOutcome> {
        store.create_hold(hold).await
    }
}

pub struct Orders;

#[async_trait]
impl Job for Orders {
    type Request = NewOrder;
    type Outcome = OrderOutcome;
    async fn run_batch(store: &dyn Store, orders: &[NewOrder]) -> StoreResult<Vec<OrderOutcome>> {
        store.place_orders(orders).await
    }
    async fn run_one(store: &dyn Store, order: &NewOrder) -> StoreResult<OrderOutcome> {
        store.place_order(order).await
    }
}

struct Pending<J: Job> {
    request: J::Request,
    reply: oneshot::Sender<StoreResult<J::Outcome>>,
}

pub struct Batcher<J: Job> {
    queue: mpsc::Sender<Pending<J>>,
}

impl<J: Job> Clone for Batcher<J> {
    fn clone(&self) -> Self {
        Batcher { queue: self.queue.clone() }
    }
}

/// Observes each batch's size (for metrics).
pub type BatchObserver = Arc<dyn Fn(usize) + Send + Sync>;

impl<J: Job> Batcher<J> {
    /// Starts the dispatcher; it runs until every clone of the batcher is dropped.
    pub fn spawn(store: Arc<dyn Store>, settings: BatchSettings, observe: BatchObserver) -> Batcher<J> {
        let (queue, mut arrivals) = mpsc::channel::<Pending<J>>(settings.queue.max(1));
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
                    run::<J>(store.as_ref(), batch).await;
                    drop(slot);
                });
            }
        });
        Batcher { queue }
    }

    /// Queues the request and waits for its transaction. A full queue answers at once: a buyer is
    /// better served by a fast "try again" than by a place at the back of a queue that only grows.
    pub async fn submit(&self, request: J::Request) -> Result<J::Outcome, BatchError> {
        let (reply, outcome) = oneshot::channel();
        self.queue.try_send(Pending { request, reply }).map_err(|_| BatchError::Full)?;
        match outcome.await {
            Ok(outcome) => Ok(outcome?),
            Err(_) => Err(BatchError::Store(StoreError::Unexpected(anyhow::anyhow!("the batcher stopped")))),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The queue holds as many requests as it may (`BATCH_QUEUE`).
    #[error("the batch queue is full")]
    Full,
    #[error(transparent)]
    Store(#[from] StoreError),
}

async fn run<J: Job>(store: &dyn Store, batch: Vec<Pending<J>>) {
    let requests: Vec<J::Request> = batch.iter().map(|pending| pending.request.clone()).collect();
    match J::run_batch(store, &requests).await {
        Ok(outcomes) if outcomes.len() == batch.len() => {
            for (pending, outcome) in batch.into_iter().zip(outcomes) {
                let _ = pending.reply.send(Ok(outcome));
            }
        }
        Ok(outcomes) => {
            let err = || StoreError::Unexpected(anyhow::anyhow!("{} outcomes for {} requests", outcomes.len(), requests.len()));
            for pending in batch {
                let _ = pending.reply.send(Err(err()));
            }
        }
        // One odd request (a reused idempotency key, a vanished row) must not fail its
        // neighbours: an unexpected error in a batch means going again one by one, where each
        // request has its own fallbacks (a reused key is told apart there). A busy database
        // fails them all alike.
        Err(StoreError::Unexpected(_)) => {
            for pending in batch {
                let outcome = J::run_one(store, &pending.request).await;
                let _ = pending.reply.send(outcome);
            }
        }
        Err(StoreError::Busy(message)) => {
            for pending in batch {
                let _ = pending.reply.send(Err(StoreError::Busy(message.clone())));
            }
        }
    }
}
