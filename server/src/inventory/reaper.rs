//! Returns the stock of expired holds to sale (the database, then the gate), every `interval`, for
//! as long as the app runs. Reads check expiry too (see `store`), so a late reaper delays
//! bookkeeping, never a sale on the database path.
use super::Inventory;
use std::sync::Arc;
use std::time::Duration;

pub fn spawn(inventory: Arc<Inventory>, interval: Duration) -> tokio::task::JoinHandle<()> {
    crate::jobs::every(interval, move || {
        let inventory = inventory.clone();
        async move {
            match inventory.expire_holds(crate::store::now()).await {
                Ok(0) => {}
                Ok(expired) => tracing::info!(expired, "expired holds returned to sale"),
                Err(err) => tracing::warn!(error = %err, "could not expire holds; will retry"),
            }
        }
    })
}
