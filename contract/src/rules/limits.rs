//! How long texts and codes may be, and the other bounds input is held to.
//!
//! Policy: every bound is a named constant here, used by the origin (which refuses what exceeds it,
//! with a message that states it) and by the pages (as the inputs' `maxlength`, so a phone cannot
//! type past it). Lengths are counted in characters (`chars()`), except the idempotency key, which
//! is ASCII and counted in bytes.
//!
//! Codes have two bounds on purpose. An organiser may set an access or discount code of at most
//! [`MAX_CODE_CHARS`]: short enough to read out loud and type on a phone. The storefront's inputs
//! and lookups accept longer text ([`MAX_ACCESS_CODE_CHARS`], [`MAX_DISCOUNT_CODE_CHARS`]), so a
//! buyer who pastes too much is told "no such code" in the usual words rather than cut off; beyond
//! those bounds a code is answered without a lookup, since nothing that long can exist.

/// An event's slug (see [`super::slug`]).
pub const MAX_SLUG_CHARS: usize = 100;
/// A person's name, as printed on a ticket.
pub const MAX_NAME_CHARS: usize = 100;
/// An email address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// An answer to a checkout question.
pub const MAX_ANSWER_CHARS: usize = 500;

/// An access or discount code as an organiser sets it.
pub const MAX_CODE_CHARS: usize = 40;
/// The longest access code the storefront compares (the event page's input).
pub const MAX_ACCESS_CODE_CHARS: usize = 100;
/// The longest discount code the storefront looks up (the checkout's input).
pub const MAX_DISCOUNT_CODE_CHARS: usize = 64;
/// An `Idempotency-Key` header, in bytes of visible ASCII.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 200;

/// The most days an order may stay unpaid when an event offers offline payment (the schema's CHECK too).
pub const MAX_OFFLINE_PAYMENT_DAYS: i64 = 365;

/// An event's title and venue, and a question's label.
pub const MAX_TITLE_CHARS: usize = 200;
/// An event's description.
pub const MAX_DESCRIPTION_CHARS: usize = 5_000;
/// A ticket type's name.
pub const MAX_TICKET_TYPE_NAME_CHARS: usize = 100;
/// A ticket type's description.
pub const MAX_TICKET_TYPE_DESCRIPTION_CHARS: usize = 1_000;
/// One option of a choice question, and how many options a question may have.
pub const MAX_OPTION_CHARS: usize = 100;
pub const MAX_OPTIONS: usize = 50;

/// Distinct ticket types in one hold: more is a mistake or abuse, not a purchase.
pub const MAX_ITEMS_PER_HOLD: usize = 20;
/// A ticket type's capacity.
pub const MAX_CAPACITY: i64 = 1_000_000;
/// The largest per-order maximum a ticket type may set.
pub const MAX_PER_ORDER: i64 = 100;
/// A million in any currency, in minor units: a typo guard, not a business rule.
pub const MAX_PRICE_MINOR: i64 = 100_000_000;
/// What door staff may type or scan at check-in (a ticket code is 20 characters; longer is no ticket).
pub const MAX_CHECK_IN_CODE_CHARS: usize = 100;
/// An organiser's order search (reference, buyer name or email).
pub const MAX_SEARCH_CHARS: usize = 200;
/// A refund's reason, as organisers type it.
pub const MAX_REFUND_REASON_CHARS: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_storefront_accepts_every_code_an_organiser_can_set() {
        const { assert!(MAX_CODE_CHARS <= MAX_ACCESS_CODE_CHARS) };
        const { assert!(MAX_CODE_CHARS <= MAX_DISCOUNT_CODE_CHARS) };
    }

    #[test]
    fn values_are_the_published_ones() {
        // The pages' maxlength and docs/api.md state these; changing one is an API change.
        assert_eq!((MAX_NAME_CHARS, MAX_EMAIL_CHARS, MAX_ANSWER_CHARS), (100, 254, 500));
        assert_eq!((MAX_CODE_CHARS, MAX_ACCESS_CODE_CHARS, MAX_DISCOUNT_CODE_CHARS, MAX_IDEMPOTENCY_KEY_LEN), (40, 100, 64, 200));
    }
}
