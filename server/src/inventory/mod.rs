//! Every move of stock goes through here: holds, orders, releases, expiries and cancellations.
//! The gate admits, the database decides (contract 3); this module keeps the two in step.
//!
//! - With a gate (Redis or in-process), a hold takes its stock from the gate first. A refusal is
//!   answered without touching the database. An admitted hold goes to the hold batcher (one
//!   transaction for many holds); if the database refuses it anyway, the database wins: the stock
//!   goes back to the gate and the event is reloaded from the database.
//! - When the gate cannot answer (Redis down or failing over) or is switched off, holds take the
//!   database path behind a concurrency limit; a buyer who cannot get a slot within a short wait
//!   is told to retry at once rather than given a place in a queue that only grows.
//! - Stock the database takes back (a hold released or expired, an order cancelled) goes back to
//!   the gate after the database has it, never before: the gate may undercount for a moment, it
//!   may never admit what the database does not have.
//! - Orders are group-committed by the order batcher, except orders with a discount code: the
//!   code's conditional UPDATE may refuse one, and it must not take a batch down with it.
//! - Waiting-list joins are group-committed too: they take the type's row like a stock change.
//! - The gate's levels are (re)loaded from the database per event ([`levels`]).
//! - Orders left unpaid past their deadline are cancelled like any other ([`unpaid`]).
mod batch;
pub mod gate;
mod levels;
pub mod reaper;
pub mod unpaid;

pub use batch::BatchSettings;

use crate::metrics::Metrics;
use crate::store::{
    CancelOutcome, HoldOutcome, Joined, NewEmail, NewHold, NewOrder, NewWaitingEntry, OrderChange, OrderOutcome, Store, StoreError,
};
use batch::{BatchError, Batcher};
use chrono::{DateTime, Utc};
use contract::model::HoldStatus;
use gate::{Admission, Gate, GateError, Items};
use levels::Levels;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use uuid::Uuid;

/// Expired holds closed per transaction by the reaper; it goes on until fewer are left.
const EXPIRE_PER_ROUND: i64 = 500;
/// Expired holds a buyer's short hold may free before trying once more.
const EXPIRE_FOR_A_BUYER: i64 = 1_000;

#[derive(Clone, Debug)]
pub struct InventorySettings {
    pub batch: BatchSettings,
    /// Holds on the database path at once (gate off or unavailable).
    pub database_path_limit: usize,
    /// How long a hold may wait for a database-path slot before it is refused as busy.
    pub database_path_wait: Duration,
    /// How often every event's gate levels are reloaded from the database.
    pub reload_interval: Duration,
}

/// Why a stock move could not be tried now. Both are worth a retry in a moment.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// No slot on the database path within the wait, or the batch queue is full.
    #[error("at capacity: {0}")]
    AtCapacity(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<BatchError> for InventoryError {
    fn from(err: BatchError) -> Self {
        match err {
            BatchError::Full => InventoryError::AtCapacity("the batch queue is full"),
            BatchError::Store(err) => InventoryError::Store(err),
        }
    }
}

pub struct Inventory {
    store: Arc<dyn Store>,
    gate: Option<Arc<dyn Gate>>,
    holds: Batcher<NewHold, HoldOutcome>,
    orders: Batcher<NewOrder, OrderOutcome>,
    joins: Batcher<NewWaitingEntry, Joined>,
    database_path: Semaphore,
    database_path_wait: Duration,
    levels: Levels,
    metrics: Arc<Metrics>,
}

impl Inventory {
    /// `gate`: the inventory gate in front of the database, or None for the database alone.
    pub fn new(store: Arc<dyn Store>, gate: Option<Arc<dyn Gate>>, settings: &InventorySettings, metrics: Arc<Metrics>) -> Inventory {
        let observer = |kind: &'static str| {
            let metrics = metrics.clone();
            Arc::new(move |size| metrics.observe_batch(kind, size)) as batch::BatchObserver
        };
        Inventory {
            holds: Batcher::spawn(store.clone(), batch::HOLDS, settings.batch, observer("holds")),
            orders: Batcher::spawn(store.clone(), batch::ORDERS, settings.batch, observer("orders")),
            joins: Batcher::spawn(store.clone(), batch::JOINS, settings.batch, observer("waiting_list_joins")),
            store,
            gate,
            database_path: Semaphore::new(settings.database_path_limit.max(1)),
            database_path_wait: settings.database_path_wait,
            levels: Levels::new(settings.reload_interval, metrics.clone()),
            metrics,
        }
    }

    pub fn gate(&self) -> Option<&Arc<dyn Gate>> {
        self.gate.as_ref()
    }

    /// Takes the hold's stock, or says what is left of each item.
    #[tracing::instrument(skip_all, fields(event_id = hold.event_id))]
    pub async fn hold(&self, hold: NewHold) -> Result<HoldOutcome, InventoryError> {
        let outcome = self.take(hold.clone()).await?;
        if !matches!(outcome, HoldOutcome::Short(_)) {
            return Ok(outcome);
        }
        // Stock may be sitting in holds that expired since the reaper last ran, which neither the
        // database's counters nor the gate count as for sale yet: free it, try once more. This
        // asks the database for a refusal the gate made too (one UPDATE that usually finds
        // nothing), the price of expired stock being for sale at once rather than at the next
        // reaper round.
        if self.expire(hold.created_at, EXPIRE_FOR_A_BUYER).await? == 0 {
            return Ok(outcome);
        }
        self.take(hold).await
    }

    async fn take(&self, hold: NewHold) -> Result<HoldOutcome, InventoryError> {
        let Some(gate) = &self.gate else {
            return self.database_path(hold).await;
        };
        let items = hold.items.clone();
        match self.levels.admit(gate.as_ref(), self.store.as_ref(), hold.event_id, &items).await {
            Ok(Admission::Admitted) => {
                self.metrics.count_gate("admitted");
                let outcome = self.holds.submit(hold.clone()).await;
                match &outcome {
                    Ok(HoldOutcome::Created { .. }) => {}
                    Ok(HoldOutcome::Short(_)) => {
                        self.metrics.count_gate("drift");
                        tracing::info!(event_id = hold.event_id, "the gate admitted a hold the database refused; reloading");
                        self.give_back(&items).await;
                        self.levels.forget(hold.event_id);
                    }
                    // The database may or may not have the hold; giving the stock back errs on
                    // the side that cannot oversell (the database refuses any surplus).
                    Err(_) => self.give_back(&items).await,
                }
                Ok(outcome?)
            }
            Ok(Admission::Refused(levels)) => {
                self.metrics.count_gate("refused");
                Ok(HoldOutcome::Short(levels.into_iter().map(|(id, level)| (id, level.max(0))).collect()))
            }
            Ok(Admission::NotLoaded) | Err(GateError::Unavailable(_)) => {
                self.metrics.count_gate("unavailable");
                self.database_path(hold).await
            }
        }
    }

    async fn database_path(&self, hold: NewHold) -> Result<HoldOutcome, InventoryError> {
        let Ok(Ok(_slot)) = tokio::time::timeout(self.database_path_wait, self.database_path.acquire()).await else {
            self.metrics.count_database_path("busy");
            return Err(InventoryError::AtCapacity("no database-path slot in time"));
        };
        self.metrics.count_database_path("admitted");
        Ok(self.holds.submit(hold).await?)
    }

    /// Turns a live hold into its order: group-committed, or alone when a discount code must take
    /// a use in the same transaction.
    #[tracing::instrument(skip_all)]
    pub async fn place_order(&self, order: NewOrder) -> Result<OrderOutcome, InventoryError> {
        if order.discount.is_some() {
            Ok(self.store.place_order(&order).await?)
        } else {
            Ok(self.orders.submit(order).await?)
        }
    }

    /// Puts a person on a type's waiting list (or finds their place), with others joining at the
    /// same moment in one transaction.
    pub async fn join_waiting_list(&self, entry: NewWaitingEntry) -> Result<Joined, InventoryError> {
        Ok(self.joins.submit(entry).await?)
    }

    /// Gives a live hold's stock back. The hold's status afterwards; None: there is no such hold.
    #[tracing::instrument(skip(self))]
    pub async fn release_hold(&self, id: Uuid, now: DateTime<Utc>) -> Result<Option<HoldStatus>, InventoryError> {
        let Some((status, returned)) = self.store.release_hold(id, now).await? else {
            return Ok(None);
        };
        self.give_back(&returned).await;
        Ok(Some(status))
    }

    /// Returns every hold expired by `now` to sale; how many there were. Run by the reaper.
    pub async fn expire_holds(&self, now: DateTime<Utc>) -> Result<u64, InventoryError> {
        let mut total = 0;
        loop {
            let expired = self.expire(now, EXPIRE_PER_ROUND).await?;
            total += expired;
            if expired < EXPIRE_PER_ROUND as u64 {
                return Ok(total);
            }
        }
    }

    async fn expire(&self, now: DateTime<Utc>, limit: i64) -> Result<u64, InventoryError> {
        let expired = self.store.expire_holds(now, limit).await?;
        self.metrics.count_expired_holds(expired.holds);
        self.give_back(&expired.returned).await;
        Ok(expired.holds)
    }

    /// Cancels an order, queueing `tell_buyer` with it; its tickets go back on sale.
    #[tracing::instrument(skip(self, tell_buyer))]
    pub async fn cancel_order(
        &self,
        order_id: i64,
        why: &OrderChange,
        tell_buyer: Option<&NewEmail>,
        now: DateTime<Utc>,
    ) -> Result<CancelOutcome, InventoryError> {
        let outcome = self.store.cancel_order(order_id, why, tell_buyer, now).await?;
        if let CancelOutcome::Cancelled(returned) = &outcome {
            self.give_back(returned).await;
        }
        Ok(outcome)
    }

    /// Reloads the event's gate levels from the database before its next hold: after an
    /// organiser changed a capacity, which only the database knows.
    pub fn reload_event(&self, event_id: i64) {
        self.levels.forget(event_id);
    }

    /// Keeps the gate's connection checked and its levels fresh; run by the background keeper.
    pub async fn keep(&self) {
        if let Some(gate) = &self.gate {
            if let Err(err) = gate.ping().await {
                tracing::debug!(error = %err, "the inventory gate is unavailable");
            }
        }
        self.levels.forget_stale();
    }

    async fn give_back(&self, items: &Items) {
        if let (Some(gate), false) = (&self.gate, items.is_empty()) {
            // If this fails, the gate undercounts until its next reload, which the failure brings
            // forward: every event is reloaded before its next hold.
            if let Err(err) = gate.give_back(items).await {
                tracing::debug!(error = %err, "stock not given back to the gate; the next hold's reload counts it");
                self.levels.forget_all();
            }
        }
    }
}

/// Runs [`Inventory::keep`] every `interval` for as long as the app runs.
pub fn spawn_keeper(inventory: Arc<Inventory>, interval: Duration) -> tokio::task::JoinHandle<()> {
    crate::jobs::every(interval, move || {
        let inventory = inventory.clone();
        async move { inventory.keep().await }
    })
}
