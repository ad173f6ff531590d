//! The reconciliation worker: every `interval`, card payments left unsettled for `left_for`
//! (no webhook, a lost answer, a buyer who closed the tab during 3-D Secure) are settled from the
//! provider's word, and refunds the provider has not confirmed are sent or checked again
//! (`Storefront::reconcile_payments`). Nothing it does depends on having run before: every step is
//! idempotent, so several origins may run it at once.
use crate::storefront::Storefront;
use std::sync::Arc;
use std::time::Duration;

pub fn spawn(storefront: Arc<Storefront>, interval: Duration, left_for: Duration) -> tokio::task::JoinHandle<()> {
    crate::jobs::every(interval, move || {
        let storefront = storefront.clone();
        async move {
            match storefront.reconcile_payments(left_for).await {
                Ok(done) if done.payments + done.refunds > 0 => {
                    tracing::info!(payments = done.payments, refunds = done.refunds, "payments reconciled with the provider")
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "payments could not be reconciled this round; will retry"),
            }
        }
    })
}
