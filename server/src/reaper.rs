//! Returns the stock of expired holds to sale, every `interval`, for as long as the app runs.
//! Reads check expiry too (see `store`), so a late reaper delays bookkeeping, never a sale.
use crate::storefront::Storefront;
use std::sync::Arc;
use std::time::Duration;

pub fn spawn(storefront: Arc<Storefront>, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match storefront.expire_holds().await {
                Ok(0) => {}
                Ok(expired) => tracing::info!(expired, "expired holds returned to sale"),
                Err(err) => tracing::warn!(error = %err, "could not expire holds; will retry"),
            }
        }
    })
}
