//! Group commit. Every hold, every order and every waiting-list join of an event takes the same
//! ticket_types row, so one transaction each makes thousands of buyers queue on one row lock, each
//! holding a database connection while it waits, and on PostgreSQL piles foreign-key share locks
//! on it. Instead, requests are queued and a dispatcher hands whatever has arrived to one
//! transaction (`Store::create_holds`, `Store::place_orders`, `Store::join_waiting_lists`), which
//! takes each ticket type once for the whole batch.
//!
//! No batch waits on a timer: when a transaction slot is free, the next batch goes at once with
//! whatever is queued (one request when traffic is light, so light traffic pays no latency). While
//! slots are busy, arrivals accumulate into the next batch: the busier the sale, the bigger the
//! batches, the fewer the transactions per request.
use crate::store::{HoldOutcome, Joined, NewHold, NewOrder, NewWaitingEntry, OrderOutcome, Store, StoreError, StoreResult};
use std::future::Future;
use std::pin::Pin;
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

/// What a batcher commits: one transaction for a batch of requests (outcomes in their order), and
/// one for a request alone, which is how the requests of a batch that failed unexpectedly go again.
pub struct Job<R, O> {
    pub batch: for<'a> fn(&'a dyn Store, &'a [R]) -> StoreFuture<'a, Vec<O>>,
    pub one: for<'a> fn(&'a dyn Store, &'a R) -> StoreFuture<'a, O>,
}

impl<R, O> Clone for Job<R, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R, O> Copy for Job<R, O> {}

/// What the store's operations return (they are `async_trait` methods).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = StoreResult<T>> + Send + 'a>>;

/// Holds: `Store::create_holds` for a batch.
pub const HOLDS: Job<NewHold, HoldOutcome> =
    Job { batch: |store, holds| store.create_holds(holds), one: |store, hold| store.create_hold(hold) };

/// Orders: `Store::place_orders` for a batch, `Store::place_order` (with its own fallbacks) alone.
pub const ORDERS: Job<NewOrder, OrderOutcome> =
    Job { batch: |store, orders| store.place_orders(orders), one: |store, order| store.place_order(order) };

/// Waiting-list joins: `Store::join_waiting_lists` for a batch. In a sell-out every buyer still
/// looking joins within seconds, while the last orders are being placed: one transaction each
/// would take the database's connections from those orders.
pub const JOINS: Job<NewWaitingEntry, Joined> =
    Job { batch: |store, entries| store.join_waiting_lists(entries), one: |store, entry| store.join_waiting_list(entry) };

struct Pending<R, O> {
    request: R,
    reply: oneshot::Sender<StoreResult<O>>,
}

pub struct Batcher<R, O> {
    queue: mpsc::Sender<Pending<R, O>>,
}

impl<R, O> Clone for Batcher<R, O> {
    fn clone(&self) -> Self {
        Batcher { queue: self.queue.clone() }
    }
}

/// Observes each batch's size (for metrics).
pub type BatchObserver = Arc<dyn Fn(usize) + Send + Sync>;

impl<R: Clone + Send + Sync + 'static, O: Send + 'static> Batcher<R, O> {
    /// Starts the dispatcher; it runs until every clone of the batcher is dropped.
    pub fn spawn(store: Arc<dyn Store>, job: Job<R, O>, settings: BatchSettings, observe: BatchObserver) -> Batcher<R, O> {
        let (queue, mut arrivals) = mpsc::channel::<Pending<R, O>>(settings.queue.max(1));
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
                    run(store.as_ref(), job, batch).await;
                    drop(slot);
                });
            }
        });
        Batcher { queue }
    }

    /// Queues the request and waits for its transaction. A full queue answers at once: a buyer is
    /// better served by a fast "try again" than by a place at the back of a queue that only grows.
    pub async fn submit(&self, request: R) -> Result<O, BatchError> {
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

async fn run<R: Clone, O>(store: &dyn Store, job: Job<R, O>, batch: Vec<Pending<R, O>>) {
    let requests: Vec<R> = batch.iter().map(|pending| pending.request.clone()).collect();
    match (job.batch)(store, &requests).await {
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
                let outcome = (job.one)(store, &pending.request).await;
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
