//! What a discount code takes off an order. Pure rules, no database: checkout previews with them
//! and the order applies them again, authoritatively, in the transaction that writes it (where the
//! code's use is taken by a conditional UPDATE; see `store`).
//!
//! Policy: the organiser never gives more than advertised. A percentage is rounded down to the
//! minor unit; a fixed amount comes off each eligible ticket but never below that ticket's price;
//! an order's total never goes below zero.
use crate::store::{DiscountRecord, HoldItemRecord};
use chrono::{DateTime, Utc};
use contract::admin::DiscountKind;
use contract::money::format_amount;

/// Codes are stored upper-cased; buyers type them any way.
pub fn normalise(code: &str) -> String {
    code.trim().to_uppercase()
}

/// Why a code that exists does not apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Expired,
    UsedUp,
    /// None of the order's tickets is a type the code is for.
    NotEligible,
}

/// The discount, in minor units, that `code` gives the hold's items at `now`.
pub fn discount_for(code: &DiscountRecord, items: &[HoldItemRecord], now: DateTime<Utc>) -> Result<i64, Refusal> {
    if code.expires_at.is_some_and(|expires| expires <= now) {
        return Err(Refusal::Expired);
    }
    if code.max_uses.is_some_and(|max| code.uses >= max) {
        return Err(Refusal::UsedUp);
    }
    let eligible: Vec<(i64, i64)> = items
        .iter()
        .filter(|item| code.ticket_type_ids.is_empty() || code.ticket_type_ids.contains(&item.ticket_type_id))
        .map(|item| (item.unit_price_minor, item.quantity))
        .collect();
    if eligible.is_empty() {
        return Err(Refusal::NotEligible);
    }
    Ok(amount_off(code.kind, code.amount, &eligible))
}

/// What `kind` and `amount` take off the eligible lines, (unit price, quantity) each.
pub fn amount_off(kind: DiscountKind, amount: i64, lines: &[(i64, i64)]) -> i64 {
    let amount = amount.max(0);
    match kind {
        DiscountKind::Percent => {
            let eligible: i128 = lines.iter().map(|&(price, quantity)| price as i128 * quantity as i128).sum();
            // Hundredths of a percent; more than 100% is still the whole price. Division rounds
            // toward zero, which for these non-negative numbers is down.
            let off = eligible * amount.min(10_000) as i128 / 10_000;
            off.clamp(0, i64::MAX as i128) as i64
        }
        DiscountKind::Fixed => {
            lines.iter().map(|&(price, quantity)| amount.min(price.max(0)).saturating_mul(quantity.max(0))).fold(0i64, i64::saturating_add)
        }
    }
}

/// "12.5% off", "€5.00 off each ticket".
pub fn describe(kind: DiscountKind, amount: i64, currency: &str) -> String {
    match kind {
        DiscountKind::Percent => {
            let (whole, hundredths) = (amount / 100, amount % 100);
            let percent = match hundredths {
                0 => whole.to_string(),
                h if h % 10 == 0 => format!("{whole}.{}", h / 10),
                h => format!("{whole}.{h:02}"),
            };
            format!("{percent}% off")
        }
        DiscountKind::Fixed => format!("{} off each ticket", format_amount(amount, currency)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(kind: DiscountKind, amount: i64) -> DiscountRecord {
        DiscountRecord {
            id: 1,
            event_id: 1,
            code: "SAVE".into(),
            kind,
            amount,
            max_uses: None,
            uses: 0,
            expires_at: None,
            ticket_type_ids: Vec::new(),
        }
    }

    fn item(ticket_type_id: i64, unit_price_minor: i64, quantity: i64) -> HoldItemRecord {
        HoldItemRecord { ticket_type_id, name: "T".into(), quantity, unit_price_minor }
    }

    #[test]
    fn percentages_round_down_to_the_minor_unit() {
        // 12.5% of 3 × €9.99 = €3.74625: €3.74 off, never €3.75.
        assert_eq!(amount_off(DiscountKind::Percent, 1250, &[(999, 3)]), 374);
        assert_eq!(amount_off(DiscountKind::Percent, 10_000, &[(999, 3)]), 2997);
        assert_eq!(amount_off(DiscountKind::Percent, 25_000, &[(999, 3)]), 2997, "never more than the price");
        assert_eq!(amount_off(DiscountKind::Percent, 1, &[(99, 1)]), 0);
    }

    #[test]
    fn fixed_amounts_come_off_each_ticket_but_not_below_its_price() {
        assert_eq!(amount_off(DiscountKind::Fixed, 500, &[(2_000, 2)]), 1_000);
        assert_eq!(amount_off(DiscountKind::Fixed, 500, &[(300, 2), (2_000, 1)]), 1_100);
        assert_eq!(amount_off(DiscountKind::Fixed, i64::MAX, &[(i64::MAX, 2)]), i64::MAX, "saturates, never wraps");
    }

    #[test]
    fn refusals_say_why() {
        let now = Utc::now();
        let items = [item(7, 1_000, 1)];
        let mut expired = code(DiscountKind::Percent, 1000);
        expired.expires_at = Some(now);
        assert_eq!(discount_for(&expired, &items, now), Err(Refusal::Expired));
        let mut used = code(DiscountKind::Percent, 1000);
        used.max_uses = Some(2);
        used.uses = 2;
        assert_eq!(discount_for(&used, &items, now), Err(Refusal::UsedUp));
        let mut other = code(DiscountKind::Percent, 1000);
        other.ticket_type_ids = vec![8];
        assert_eq!(discount_for(&other, &items, now), Err(Refusal::NotEligible));
        other.ticket_type_ids = vec![8, 7];
        assert_eq!(discount_for(&other, &[item(7, 1_000, 1), item(9, 5_000, 1)], now), Ok(100), "only eligible lines");
    }

    #[test]
    fn descriptions_read_like_the_organiser_wrote_them() {
        assert_eq!(describe(DiscountKind::Percent, 1000, "EUR"), "10% off");
        assert_eq!(describe(DiscountKind::Percent, 1250, "EUR"), "12.5% off");
        assert_eq!(describe(DiscountKind::Percent, 1205, "EUR"), "12.05% off");
        assert_eq!(describe(DiscountKind::Fixed, 500, "EUR"), "€5.00 off each ticket");
    }
}
