//! Returns the stock of expired holds to sale (the database, then the gate), every `interval`, for
//! as long as the app runs. Reads check expiry too (see `store`), so a late reaper delays
//! bookkeeping, never a sale on the database path.
use crate::storefront::Storefront;
use std::sync::Arc;
use std::time::Duration;

pub fn spawn(storefront: Arc<Storefront>, interval: Duration) -> tokio::task::JoinHandle<()> {
    crate::every::spawn(interval, move || {
        let storefront = storefront.clone();
        async move {
            match storefront.expire_holds().await {
                Ok(0) => {}
                Ok(expired) => tracing::info!(expired, "expired holds returned to sale"),
                Err(err) => tracing::warn!(error = %err, "could not expire holds; will retry"),
            }
        }
    })
}
