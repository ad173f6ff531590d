//! Where a hold's stock is decided: the gate admits, the database decides (contract 3).
//!
//! - With a gate (Redis or in-process), a hold takes its stock from the gate first. A refusal is
//!   answered without touching the database. An admitted hold goes to the hold batcher (one
//!   transaction for many holds); if the database refuses it anyway, the database wins: the stock
//!   goes back to the gate and the event is reloaded from the database.
//! - When the gate cannot answer (Redis down or failing over) or is switched off, holds take the
//!   database path behind a concurrency limit; a buyer who cannot get a slot within a short wait
//!   gets a fast 503 with Retry-After rather than a place in a queue that only grows.
//! - The gate is (re)loaded from the database per event: before its first use, after every
//!   reconnection to Redis, when a key is missing, when a drift is found, and every
//!   `reload_interval`, so that any drift heals within that interval.
use crate::error::ApiError;
use crate::gate::{Admission, Gate, GateError, Items};
use crate::batch::{BatchSettings, Batcher, Holds};
use crate::metrics::Metrics;
use crate::store::{HoldOutcome, NewHold, Store};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

#[derive(Clone, Debug)]
pub struct InventorySettings {
    pub batch: BatchSettings,
    /// Holds on the database path at once (gate off or unavailable).
    pub database_path_limit: usize,
    /// How long a hold may wait for a database-path slot before a 503.
    pub database_path_wait: Duration,
    /// How often every event's gate levels are reloaded from the database.
    pub reload_interval: Duration,
}

pub struct Inventory {
    store: Arc<dyn Store>,
    gate: Option<Arc<dyn Gate>>,
    batcher: Batcher<Holds>,
    database_path: Semaphore,
    database_path_wait: Duration,
    reload_interval: Duration,
    /// Event id → (gate generation, when) of its last load.
    loaded: Mutex<HashMap<i64, (u64, Instant)>>,
    loading: tokio::sync::Mutex<()>,
    metrics: Arc<Metrics>,
}

impl Inventory {
    pub fn new(store: Arc<dyn Store>, gate: Option<Arc<dyn Gate>>, settings: &InventorySettings, metrics: Arc<Metrics>) -> Inventory {
        let batch_metrics = metrics.clone();
        let batcher = Batcher::spawn(store.clone(), settings.batch, Arc::new(move |size| batch_metrics.observe_batch("holds", size)));
        Inventory {
            store,
            gate,
            batcher,
            database_path: Semaphore::new(settings.database_path_limit.max(1)),
            database_path_wait: settings.database_path_wait,
            reload_interval: settings.reload_interval,
            loaded: Mutex::new(HashMap::new()),
            loading: tokio::sync::Mutex::new(()),
            metrics,
        }
    }

    pub fn gate(&self) -> Option<&Arc<dyn Gate>> {
        self.gate.as_ref()
    }

    /// Takes the hold's stock, or says what is left. `items` is the hold's (type, quantity) list.
    pub async fn hold(&self, hold: NewHold) -> Result<HoldOutcome, ApiError> {
        let Some(gate) = &self.gate else {
            return self.database_path(hold).await;
        };
        let items = hold.items.clone();
        match self.admit(gate.as_ref(), hold.event_id, &items).await {
            Ok(Admission::Admitted) => {
                self.metrics.count_gate("admitted");
                let outcome = self.batcher.submit(hold.clone()).await;
                match &outcome {
                    Ok(HoldOutcome::Created { .. }) => {}
                    Ok(HoldOutcome::Short(_)) => {
                        self.metrics.count_gate("drift");
                        tracing::info!(event_id = hold.event_id, "the gate admitted a hold the database refused; reloading");
                        self.give_back(&items).await;
                        self.forget(hold.event_id);
                    }
                    // The database may or may not have the hold; giving the stock back errs on
                    // the side that cannot oversell (the database refuses any surplus).
                    Err(_) => self.give_back(&items).await,
                }
                outcome
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

    /// Stock the database has taken back (released or expired holds) goes back to the gate.
    pub async fn give_back(&self, items: &Items) {
        if let (Some(gate), false) = (&self.gate, items.is_empty()) {
            // If this fails, the gate undercounts until its next reload, which the failure itself
            // brings forward (a reconnection reloads every event).
            if let Err(err) = gate.give_back(items).await {
                tracing::debug!(error = %err, "stock not given back to the gate; the next reload counts it");
            }
        }
    }

    /// Keeps the gate's connection checked and its levels fresh; run by the background keeper.
    pub async fn keep(&self) {
        if let Some(gate) = &self.gate {
            if let Err(err) = gate.ping().await {
                tracing::debug!(error = %err, "the inventory gate is unavailable");
            }
        }
        let stale_before = Instant::now().checked_sub(self.reload_interval);
        let mut loaded = self.loaded.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loaded.retain(|_, (_, at)| stale_before.is_none_or(|before| *at > before));
    }

    async fn admit(&self, gate: &dyn Gate, event_id: i64, items: &Items) -> Result<Admission, GateError> {
        if !self.is_loaded(event_id, gate.generation()) {
            self.load(gate, event_id).await?;
        }
        match gate.take(items).await? {
            Admission::NotLoaded => {
                // Flushed or restarted under us: load, and ask once more.
                self.forget(event_id);
                self.load(gate, event_id).await?;
                gate.take(items).await
            }
            decided => Ok(decided),
        }
    }

    fn is_loaded(&self, event_id: i64, generation: u64) -> bool {
        let loaded = self.loaded.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loaded.get(&event_id).is_some_and(|(at_generation, _)| *at_generation == generation)
    }

    /// Reloads the event's gate levels from the database before its next hold: after an
    /// organiser changed a capacity, which only the database knows.
    pub fn reload_event(&self, event_id: i64) {
        self.forget(event_id);
    }

    fn forget(&self, event_id: i64) {
        self.loaded.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&event_id);
    }

    async fn load(&self, gate: &dyn Gate, event_id: i64) -> Result<(), GateError> {
        let _one_at_a_time = self.loading.lock().await;
        // Read before the levels: if the connection changes meanwhile, the load is redone.
        let generation = gate.generation();
        if self.is_loaded(event_id, generation) {
            return Ok(());
        }
        let levels = self
            .store
            .stock_levels(event_id)
            .await
            .map_err(|err| GateError::Unavailable(format!("cannot read stock levels: {err}")))?;
        gate.load(&levels).await?;
        self.metrics.count_gate("reloaded");
        self.loaded.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(event_id, (generation, Instant::now()));
        Ok(())
    }

    async fn database_path(&self, hold: NewHold) -> Result<HoldOutcome, ApiError> {
        let Ok(Ok(_slot)) = tokio::time::timeout(self.database_path_wait, self.database_path.acquire()).await else {
            self.metrics.count_database_path("busy");
            return Err(ApiError::Busy(
                "Tickets are selling fast and we are at capacity. Please try again in a moment.".into(),
            ));
        };
        self.metrics.count_database_path("admitted");
        self.batcher.submit(hold).await
    }
}

/// Runs [`Inventory::keep`] every `interval` for as long as the app runs.
pub fn spawn_keeper(inventory: Arc<Inventory>, interval: Duration) -> tokio::task::JoinHandle<()> {
    crate::every::spawn(interval, move || {
        let inventory = inventory.clone();
        async move { inventory.keep().await }
    })
}
