//! When the gate's levels are trusted. They are (re)loaded from the database per event: before
//! its first use, after every reconnection to Redis (the gate's generation changes: a restart or
//! failover may have lost or rolled back writes), when a key is missing (a flush), when a drift is
//! found, and every `reload_interval`, so that any drift heals within that interval.
use super::gate::{Admission, Gate, GateError, Items};
use crate::metrics::Metrics;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(super) struct Levels {
    reload_interval: Duration,
    /// Event id → (gate generation, when) of its last load.
    loaded: Mutex<HashMap<i64, (u64, Instant)>>,
    loading: tokio::sync::Mutex<()>,
    metrics: Arc<Metrics>,
}

impl Levels {
    pub(super) fn new(reload_interval: Duration, metrics: Arc<Metrics>) -> Levels {
        Levels { reload_interval, loaded: Mutex::new(HashMap::new()), loading: tokio::sync::Mutex::new(()), metrics }
    }

    /// Asks the gate for `items`, loading the event's levels first when they are not trusted.
    pub(super) async fn admit(&self, gate: &dyn Gate, store: &dyn Store, event_id: i64, items: &Items) -> Result<Admission, GateError> {
        if !self.is_loaded(event_id, gate.generation()) {
            self.load(gate, store, event_id).await?;
        }
        match gate.take(items).await? {
            Admission::NotLoaded => {
                // Flushed or restarted under us: load, and ask once more.
                self.forget(event_id);
                self.load(gate, store, event_id).await?;
                gate.take(items).await
            }
            decided => Ok(decided),
        }
    }

    /// The event's levels are read from the database again before its next hold.
    pub(super) fn forget(&self, event_id: i64) {
        self.lock().remove(&event_id);
    }

    /// Every event's levels are read from the database again before its next hold: after a
    /// write to the gate failed, when it is not known which events it left wrong.
    pub(super) fn forget_all(&self) {
        self.lock().clear();
    }

    /// Every event loaded longer ago than the reload interval is loaded again before its next hold.
    pub(super) fn forget_stale(&self) {
        let stale_before = Instant::now().checked_sub(self.reload_interval);
        self.lock().retain(|_, (_, at)| stale_before.is_none_or(|before| *at > before));
    }

    fn is_loaded(&self, event_id: i64, generation: u64) -> bool {
        self.lock().get(&event_id).is_some_and(|(at_generation, _)| *at_generation == generation)
    }

    async fn load(&self, gate: &dyn Gate, store: &dyn Store, event_id: i64) -> Result<(), GateError> {
        let _one_at_a_time = self.loading.lock().await;
        // Read before the levels: if the connection changes meanwhile, the load is redone.
        let generation = gate.generation();
        if self.is_loaded(event_id, generation) {
            return Ok(());
        }
        let levels =
            store.stock_levels(event_id).await.map_err(|err| GateError::Unavailable(format!("cannot read stock levels: {err}")))?;
        gate.load(&levels).await?;
        self.metrics.count_gate("reloaded");
        self.lock().insert(event_id, (generation, Instant::now()));
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (u64, Instant)>> {
        self.loaded.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
