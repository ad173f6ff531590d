//! Cancels orders that were to be paid at the door or by invoice and were not paid by their
//! `pay_by` (the event's `offline_payment_days` after the order), every `interval`: their tickets
//! go back on sale as any cancellation's do (the database, then the gate), and the order's
//! history says why. Check-in refuses an unpaid ticket meanwhile, so a lapse only frees stock.
use super::Inventory;
use crate::store::{CancelOutcome, OrderChange};
use std::sync::Arc;
use std::time::Duration;

/// Lapsed orders cancelled per round; the next round takes the rest.
const PER_ROUND: i64 = 200;

pub const REASON: &str = "not paid by its deadline";

pub fn spawn(inventory: Arc<Inventory>, interval: Duration) -> tokio::task::JoinHandle<()> {
    crate::jobs::every(interval, move || {
        let inventory = inventory.clone();
        async move {
            match cancel_lapsed(&inventory).await {
                Ok(0) => {}
                Ok(cancelled) => tracing::info!(cancelled, "unpaid orders lapsed; their tickets are back on sale"),
                Err(err) => tracing::warn!(error = %err, "could not cancel lapsed unpaid orders; will retry"),
            }
        }
    })
}

async fn cancel_lapsed(inventory: &Inventory) -> Result<u64, super::InventoryError> {
    let now = crate::store::now();
    let why = OrderChange { user_id: None, reason: REASON.into() };
    let mut cancelled = 0;
    for order_id in inventory.store.lapsed_unpaid_orders(now, PER_ROUND).await? {
        let email = lapse_email(inventory, order_id).await?;
        // Paid or cancelled meanwhile: the store's conditional UPDATE says so, and it is skipped.
        if let CancelOutcome::Cancelled(_) = inventory.cancel_order(order_id, &why, email.as_ref(), now).await? {
            cancelled += 1;
        }
    }
    Ok(cancelled)
}

/// The buyer's email about the lapse, queued with the cancellation.
async fn lapse_email(inventory: &Inventory, order_id: i64) -> Result<Option<crate::store::NewEmail>, super::InventoryError> {
    let Some(order) = inventory.store.order_by_id(order_id).await? else { return Ok(None) };
    let Some(event) = inventory.store.event_by_id(order.event_id).await? else { return Ok(None) };
    let (subject, text) = crate::mail::letters::lapsed(&event, &order);
    Ok(Some(crate::store::NewEmail::text(&order.buyer_email, subject, text, Some(order.id))))
}
