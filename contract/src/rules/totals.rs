//! What an order costs, in minor units.
//!
//! Policy: a line is quantity × unit price; the subtotal is the sum of the lines; the total is the
//! subtotal less the discount, never below zero (a discount larger than the order makes it free,
//! never a refund). The origin computes the amount that is charged (DESIGN.md, contract 8); the
//! pages use the same functions to show what will be charged, and show the origin's numbers once
//! it has answered. A total of zero is paid with [`PaymentMethod::Free`], anything else needs a
//! payment.
use crate::model::PaymentMethod;

/// One line of an order: `quantity` tickets at `unit_price_minor`.
pub fn line_total(quantity: i64, unit_price_minor: i64) -> i64 {
    quantity * unit_price_minor
}

/// The sum of the lines, each given as (quantity, unit price).
pub fn subtotal(lines: impl IntoIterator<Item = (i64, i64)>) -> i64 {
    lines.into_iter().map(|(quantity, unit_price_minor)| line_total(quantity, unit_price_minor)).sum()
}

/// What is due after `discount_minor` is taken off `subtotal_minor`.
pub fn total_after_discount(subtotal_minor: i64, discount_minor: i64) -> i64 {
    (subtotal_minor - discount_minor).max(0)
}

/// How an order of `total_minor` is paid: free when there is nothing to pay, by card when the
/// event takes cards, otherwise at the door or by invoice.
pub fn payment_for(total_minor: i64, takes_cards: bool) -> PaymentMethod {
    if total_minor == 0 {
        PaymentMethod::Free
    } else if takes_cards {
        PaymentMethod::Card
    } else {
        PaymentMethod::Offline
    }
}

/// The ways an order of `total_minor` may be paid, the default first: the buyer chooses between
/// card and paying later only when the event takes both (`pay_later`: `offline_payment_days`).
pub fn payment_choices(total_minor: i64, takes_cards: bool, pay_later: bool) -> Vec<PaymentMethod> {
    match payment_for(total_minor, takes_cards) {
        PaymentMethod::Card if pay_later => vec![PaymentMethod::Card, PaymentMethod::Offline],
        only => vec![only],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_add_up() {
        assert_eq!(line_total(3, 2_500), 7_500);
        assert_eq!(subtotal([(3, 2_500), (1, 1_000), (0, 9_999)]), 8_500);
        assert_eq!(subtotal(std::iter::empty()), 0);
    }

    #[test]
    fn a_discount_never_makes_the_total_negative() {
        assert_eq!(total_after_discount(8_500, 1_000), 7_500);
        assert_eq!(total_after_discount(8_500, 8_500), 0);
        assert_eq!(total_after_discount(8_500, 10_000), 0);
        assert_eq!(total_after_discount(0, 0), 0);
    }

    #[test]
    fn only_a_zero_total_is_free() {
        assert_eq!(payment_for(0, true), PaymentMethod::Free);
        assert_eq!(payment_for(1, false), PaymentMethod::Offline);
        assert_eq!(payment_for(1, true), PaymentMethod::Card);
    }

    #[test]
    fn a_buyer_chooses_only_between_what_the_event_takes() {
        use PaymentMethod::*;
        assert_eq!(payment_choices(0, true, true), [Free]);
        assert_eq!(payment_choices(500, true, true), [Card, Offline]);
        assert_eq!(payment_choices(500, true, false), [Card]);
        assert_eq!(payment_choices(500, false, true), [Offline]);
    }
}
