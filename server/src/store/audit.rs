//! The books of an event, read back and checked against each other after a sale.
//!
//! Policy: [`Audit::problems`] is the one statement of the books' invariants (counters within
//! capacity, counters equal to what tickets and holds add up to, no orphans, no hold outliving its
//! expiry; every succeeded card payment with exactly one order or one full refund, no card order
//! without its payment, no double charge; the waiting list served in order, each offer its own
//! hold, no stock left free while someone waits whose request it fits); the load tool and the
//! tests call it rather than restating any of them.
use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::model::TicketTypeId;
use std::time::Duration;

/// What an event's books say after a sale, checked against each other (see [`Audit::problems`]).
#[derive(Clone, Debug, Default)]
pub struct Audit {
    pub event_id: i64,
    pub types: Vec<TicketTypeAudit>,
    pub orders: i64,
    /// Tickets of this event's types whose order does not exist.
    pub tickets_without_order: i64,
    /// Holds marked ordered with no order made from them.
    pub ordered_holds_without_order: i64,
    /// Holds still active although their expiry passed longer ago than the grace given.
    pub live_holds_past_ttl: i64,
    /// The money: card payments checked against orders and refunds.
    pub money: MoneyAudit,
    /// The waiting lists, checked against the holds offered from them.
    pub waiting_list: WaitingListAudit,
}

/// An event's waiting lists, counted from the rows (see [`Audit::problems`]).
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct WaitingListAudit {
    /// Entries still waiting.
    pub waiting: i64,
    /// Entries offered tickets (whatever became of the offer).
    pub offered: i64,
    /// Offers bought.
    pub claimed: i64,
    /// Offered entries with someone ahead of them on the same list still waiting: served out of
    /// turn.
    pub out_of_order: i64,
    /// Offered entries whose hold is not theirs alone, for their type and quantity.
    pub offers_astray: i64,
    /// Ticket types with stock free while the head of their list waits for no more than that.
    pub idle_while_waiting: i64,
}

/// An event's card payments, counted from the rows (see [`Audit::problems`]).
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct MoneyAudit {
    /// Payments the provider confirmed.
    pub succeeded: i64,
    /// Succeeded payments with neither an order nor a refund decided: money kept without tickets.
    pub orphan_payments: i64,
    /// Payments settled by a refund whose refunds (not failed) do not add up to what was paid.
    pub refunds_missing: i64,
    /// Card orders without the succeeded payment that made them: tickets without money.
    pub unpaid_orders: i64,
    /// Holds whose buyer was charged more than once and not refunded for the extra.
    pub double_charges: i64,
    /// Payments whose refunds (not failed) add up to more than was paid.
    pub over_refunded: i64,
}

#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct TicketTypeAudit {
    pub id: TicketTypeId,
    pub name: String,
    pub capacity: i64,
    pub sold: i64,
    pub held: i64,
    /// Tickets issued in orders not cancelled.
    #[sqlx(default)]
    pub tickets: i64,
    /// Quantity in holds turned into orders not cancelled.
    #[sqlx(default)]
    pub ordered_in_holds: i64,
    /// Quantity in active holds.
    #[sqlx(default)]
    pub held_in_holds: i64,
}

impl Audit {
    pub fn capacity(&self) -> i64 {
        self.types.iter().map(|t| t.capacity).sum()
    }

    pub fn sold(&self) -> i64 {
        self.types.iter().map(|t| t.sold).sum()
    }

    pub fn held(&self) -> i64 {
        self.types.iter().map(|t| t.held).sum()
    }

    /// Tickets sold beyond capacity, over all types: anything but 0 is the one unforgivable bug.
    pub fn oversold(&self) -> i64 {
        self.types.iter().map(|t| (t.sold - t.capacity).max(0)).sum()
    }

    /// Every way the books disagree with themselves, in words; empty when they add up.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for t in &self.types {
            if t.sold + t.held > t.capacity {
                problems.push(format!("{}: sold {} + held {} exceeds capacity {}", t.name, t.sold, t.held, t.capacity));
            }
            if t.tickets != t.sold {
                problems.push(format!("{}: {} tickets issued but the counter says {} sold", t.name, t.tickets, t.sold));
            }
            if t.ordered_in_holds != t.sold {
                problems.push(format!("{}: ordered holds add up to {} but the counter says {} sold", t.name, t.ordered_in_holds, t.sold));
            }
            if t.held_in_holds != t.held {
                problems.push(format!("{}: active holds add up to {} but the counter says {} held", t.name, t.held_in_holds, t.held));
            }
        }
        if self.tickets_without_order > 0 {
            problems.push(format!("{} tickets belong to no order", self.tickets_without_order));
        }
        if self.ordered_holds_without_order > 0 {
            problems.push(format!("{} holds are marked ordered but have no order", self.ordered_holds_without_order));
        }
        if self.live_holds_past_ttl > 0 {
            problems.push(format!("{} holds outlived their expiry and still hold stock", self.live_holds_past_ttl));
        }
        let money = &self.money;
        for (count, what) in [
            (money.orphan_payments, "succeeded payments have neither an order nor a refund"),
            (money.refunds_missing, "payments settled by a refund were not refunded in full"),
            (money.unpaid_orders, "card orders have no succeeded payment"),
            (money.double_charges, "reservations were charged more than once"),
            (money.over_refunded, "payments were refunded more than was paid"),
        ] {
            if count > 0 {
                problems.push(format!("{count} {what}"));
            }
        }
        let list = &self.waiting_list;
        for (count, what) in [
            (list.out_of_order, "waiting-list offers went to someone while a person ahead of them still waits"),
            (list.offers_astray, "waiting-list offers are not a hold of their own for the tickets asked for"),
            (list.idle_while_waiting, "ticket types have tickets free while the next person on their waiting list asks for no more"),
        ] {
            if count > 0 {
                problems.push(format!("{count} {what}"));
            }
        }
        problems
    }
}

#[async_trait]
pub trait Audits: Send + Sync {
    /// Reads the event's books for [`Audit::problems`]; holds active more than `grace` past their
    /// expiry (at `now`) count as outliving their TTL.
    async fn audit(&self, event_id: i64, now: DateTime<Utc>, grace: Duration) -> StoreResult<Audit>;
}
