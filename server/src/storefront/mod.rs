//! The storefront's rules: what may be held, by whom, for how long, and how a hold becomes an order.
//! HTTP handlers and page renderers call this. Input is checked here with messages a person can
//! act on; stock moves through the [`Inventory`]; the database decides (see `store`).
//!
//! - `catalogue`: events as attendees see them, and secret ticket types unlocked by a code.
//! - `holds`: a hold's request checked against the event's rules, taken, shown, released.
//! - `checkout`: the buyer, attendees, answers and discount code of an order, checked.
//! - `orders`: a hold turned into an order (once per idempotency key), and the order shown.
//! - `views`: records shaped as the JSON contract (`contract::model`).
//! - `fair_use`: how much one buyer may hold at once, and how often they may ask or guess a code.
//! - `card`: paying by card, from the first attempt to the order (or the refund).
//!
//! Secret ticket types (a type with an access code) are never in the public snapshot: a buyer sees
//! them only through `unlock` with the right code, and a hold of one must carry that code. A wrong
//! code and a type that does not exist get the same answer, so ids cannot be used to probe for
//! codes. Discount codes are previewed from the hold, and applied for real only in the order's
//! transaction.
mod admission;
mod card;
mod catalogue;
mod checkout;
pub mod fair_use;
mod holds;
mod orders;
mod room_reports;
mod views;
mod waiting_list;

use crate::events::EventCache;
use crate::inventory::Inventory;
use crate::metrics::Metrics;
use crate::payments::{CardProvider, Payments};
use crate::store::Store;
use admission::Admissions;
pub use card::Reconciled;
use fair_use::{FairUse, FairUseSettings};
pub use orders::OrderAttempt;
use std::sync::Arc;
use std::time::Duration;

pub struct Storefront {
    store: Arc<dyn Store>,
    events: Arc<EventCache>,
    inventory: Arc<Inventory>,
    payments: Payments,
    metrics: Arc<Metrics>,
    /// How long a hold keeps its tickets out of sale.
    hold_ttl: Duration,
    fair_use: FairUse,
    cards: Arc<CardProvider>,
    /// How long a hold is kept, at least, once its first card payment starts.
    payment_hold_extension: Duration,
    admissions: Admissions,
}

/// The storefront's own settings.
#[derive(Clone, Debug)]
pub struct StorefrontSettings {
    /// How long a hold keeps its tickets out of sale.
    pub hold_ttl: Duration,
    pub fair_use: FairUseSettings,
    /// How long a hold is kept, at least, once its first card payment starts.
    pub payment_hold_extension: Duration,
    /// What the waiting room's admissions are signed with (`admission`).
    pub waiting_room_key: Option<crate::config::WaitingRoomKey>,
}

impl Storefront {
    pub fn new(
        store: Arc<dyn Store>,
        events: Arc<EventCache>,
        inventory: Arc<Inventory>,
        metrics: Arc<Metrics>,
        cards: Arc<CardProvider>,
        settings: StorefrontSettings,
    ) -> Self {
        Storefront {
            store,
            events,
            inventory,
            payments: Payments::default(),
            metrics,
            hold_ttl: settings.hold_ttl,
            fair_use: FairUse::new(settings.fair_use),
            cards,
            payment_hold_extension: settings.payment_hold_extension,
            admissions: Admissions::new(settings.waiting_room_key),
        }
    }
}
