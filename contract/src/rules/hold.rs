//! Whether a hold still keeps its stock.
//!
//! Policy: a hold is live while its status is [`HoldStatus::Active`] and `now` is before its
//! `expires_at` (the expiry itself is not live). Only a live hold may become an order; a hold that
//! is `Active` but past its expiry has already lost its stock (it counts as available, see
//! [`super::stock`]) even before the reaper marks it `Expired`, so it is shown as
//! [`HoldStatus::Expired`] everywhere, and the checkout page counts down to the same instant.
use crate::model::HoldStatus;
use chrono::{DateTime, Utc};

/// Whether a hold that expires at `expires_at` has run out at `now`, whatever its status.
pub fn has_expired(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    expires_at <= now
}

/// Whether the hold keeps its stock at `now` and may become an order.
pub fn is_live(status: HoldStatus, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == HoldStatus::Active && !has_expired(expires_at, now)
}

/// The status to show at `now`: `Active` past its expiry is `Expired`, the rest as stored.
pub fn displayed_status(status: HoldStatus, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> HoldStatus {
    if status == HoldStatus::Active && has_expired(expires_at, now) {
        HoldStatus::Expired
    } else {
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn live_until_the_expiry() {
        let expires = Utc.with_ymd_and_hms(2026, 12, 12, 20, 0, 0).unwrap();
        let second = Duration::seconds(1);
        assert!(is_live(HoldStatus::Active, expires, expires - second));
        assert!(!is_live(HoldStatus::Active, expires, expires), "the expiry itself is not live");
        assert!(!is_live(HoldStatus::Active, expires, expires + second));
        for closed in [HoldStatus::Expired, HoldStatus::Released, HoldStatus::Ordered] {
            assert!(!is_live(closed, expires, expires - second), "{closed:?}");
        }
    }

    #[test]
    fn an_active_hold_past_its_expiry_shows_as_expired() {
        let expires = Utc.with_ymd_and_hms(2026, 12, 12, 20, 0, 0).unwrap();
        let before = expires - Duration::seconds(1);
        assert_eq!(displayed_status(HoldStatus::Active, expires, before), HoldStatus::Active);
        assert_eq!(displayed_status(HoldStatus::Active, expires, expires), HoldStatus::Expired);
        assert_eq!(displayed_status(HoldStatus::Ordered, expires, expires), HoldStatus::Ordered);
        assert_eq!(displayed_status(HoldStatus::Released, expires, before), HoldStatus::Released);
    }
}
