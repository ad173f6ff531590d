//! Whether a ticket type is on sale.
//!
//! Policy: a window that has closed wins over everything ([`SaleStatus::Ended`]), then one that has
//! not opened ([`SaleStatus::Scheduled`]); inside the window a type with nothing
//! [`available`](super::stock::available) is [`SaleStatus::SoldOut`], else [`SaleStatus::OnSale`].
//! The start is inclusive and the end exclusive: at `sale_starts_at` exactly the type is on sale,
//! at `sale_ends_at` exactly it is not. Hosts compute the status for snapshots; the browser
//! recomputes it every second from the same inputs, so a countdown flips to "on sale" without a
//! reload and never disagrees with the origin about the moment.
use crate::model::{SaleStatus, TicketTypeSnapshot};
use chrono::{DateTime, Duration, Utc};

impl SaleStatus {
    /// The status at `now` of a ticket type with `available` left and the given sale window.
    pub fn at(
        now: DateTime<Utc>,
        available: i64,
        sale_starts_at: Option<DateTime<Utc>>,
        sale_ends_at: Option<DateTime<Utc>>,
    ) -> SaleStatus {
        if sale_ends_at.is_some_and(|end| now >= end) {
            SaleStatus::Ended
        } else if sale_starts_at.is_some_and(|start| now < start) {
            SaleStatus::Scheduled
        } else if available <= 0 {
            SaleStatus::SoldOut
        } else {
            SaleStatus::OnSale
        }
    }
}

/// Nothing left to buy, now or later: every type is sold out or its sale has ended (and there is
/// at least one). A waiting room ends its line at this, and sends its visitors to the waiting list.
pub fn nothing_left(statuses: impl IntoIterator<Item = SaleStatus>) -> bool {
    let mut any = false;
    for status in statuses {
        if !matches!(status, SaleStatus::SoldOut | SaleStatus::Ended) {
            return false;
        }
        any = true;
    }
    any
}

/// The on-sale moment: the earliest start of a public type's sale window (None when one has no
/// start, or none has a window: the sale is open).
pub fn on_sale_at(types: &[TicketTypeSnapshot]) -> Option<DateTime<Utc>> {
    types.iter().map(|t| t.sale_starts_at).try_fold(None::<DateTime<Utc>>, |earliest, start| {
        let start = start?;
        Some(Some(earliest.map_or(start, |earliest| earliest.min(start))))
    })?
}

/// How often a page that waits for a sale reloads itself in a browser without the script, by how
/// near the opening is: (at most this many seconds before it, reload every so many seconds), and
/// further off, every `WAITING_RELOAD_FAR_OFF` seconds. The hydrated page counts down by itself
/// and never reloads.
const WAITING_RELOAD_PACES: [(i64, u32); 2] = [(60, 5), (10 * 60, 30)];
const WAITING_RELOAD_FAR_OFF: u32 = 5 * 60;

/// Seconds after which a page rendered at `now` reloads itself without the script: only while every
/// type's sale is still to open (then the page has nothing to lose but the wait; once one is open a
/// reload could wipe what a buyer is typing), at the pace of the nearest opening. Each pace holds
/// until a moment [`next_change`] names, so a page served later than it was rendered (from a cache
/// that renders again at those moments) never reloads more slowly than is due.
pub fn waiting_reload_seconds(types: &[TicketTypeSnapshot], now: DateTime<Utc>) -> Option<u32> {
    if !types.iter().all(|t| t.sale_starts_at.is_some_and(|start| start > now)) {
        return None;
    }
    let seconds_left = (on_sale_at(types)? - now).num_seconds();
    Some(WAITING_RELOAD_PACES.iter().find(|(within, _)| seconds_left <= *within).map_or(WAITING_RELOAD_FAR_OFF, |(_, every)| *every))
}

/// The first moment after `after` at which a page rendered at `after` would be rendered otherwise
/// (stock aside): a type's sale opens or closes, or a waiting page's reload quickens
/// ([`waiting_reload_seconds`]). Until then it shows every status as it is.
pub fn next_change(types: &[TicketTypeSnapshot], after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let quickenings = types
        .iter()
        .filter_map(|t| t.sale_starts_at)
        .flat_map(|start| WAITING_RELOAD_PACES.map(|(within, _)| start - Duration::seconds(within)));
    let moments = types.iter().flat_map(|t| [t.sale_starts_at, t.sale_ends_at]).flatten().chain(quickenings);
    moments.filter(|at| *at > after).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 12, hour, 0, 0).unwrap()
    }

    fn window_type() -> TicketTypeSnapshot {
        TicketTypeSnapshot {
            id: 1,
            name: "General".into(),
            description: String::new(),
            price_minor: 0,
            currency: "EUR".into(),
            available: 1,
            min_per_order: 1,
            max_per_order: 10,
            sale_starts_at: None,
            sale_ends_at: None,
            status: SaleStatus::OnSale,
        }
    }

    #[test]
    fn the_window_decides_before_the_stock() {
        let (start, end) = (Some(at(10)), Some(at(20)));
        assert_eq!(SaleStatus::at(at(9), 5, start, end), SaleStatus::Scheduled);
        assert_eq!(SaleStatus::at(at(10), 5, start, end), SaleStatus::OnSale, "the start is inclusive");
        assert_eq!(SaleStatus::at(at(12), 0, start, end), SaleStatus::SoldOut);
        assert_eq!(SaleStatus::at(at(20), 5, start, end), SaleStatus::Ended, "the end is exclusive");
        assert_eq!(SaleStatus::at(at(21), 0, start, end), SaleStatus::Ended);
        assert_eq!(SaleStatus::at(at(9), 0, start, end), SaleStatus::Scheduled);
    }

    #[test]
    fn no_window_means_always_open() {
        assert_eq!(SaleStatus::at(at(3), 1, None, None), SaleStatus::OnSale);
        assert_eq!(SaleStatus::at(at(3), -2, None, None), SaleStatus::SoldOut);
    }

    #[test]
    fn a_page_changes_at_the_next_start_or_end_of_a_sale() {
        let window = |start: Option<u32>, end: Option<u32>| TicketTypeSnapshot {
            sale_starts_at: start.map(at),
            sale_ends_at: end.map(at),
            ..window_type()
        };
        let types = [window(Some(10), Some(20)), window(Some(12), None), window(None, Some(15))];
        let minutes_before = |hour, minutes| at(hour) - Duration::minutes(minutes);
        assert_eq!(next_change(&types, at(9)), Some(minutes_before(10, 10)), "a waiting page's reload quickens 10 minutes before");
        assert_eq!(next_change(&types, minutes_before(10, 10)), Some(minutes_before(10, 1)), "and again a minute before");
        assert_eq!(next_change(&types, minutes_before(10, 1)), Some(at(10)));
        assert_eq!(next_change(&types, at(10)), Some(minutes_before(12, 10)), "a moment already reached is no change to come");
        assert_eq!(next_change(&types, minutes_before(12, 1)), Some(at(12)));
        assert_eq!(next_change(&types, at(16)), Some(at(20)));
        assert_eq!(next_change(&types, at(20)), None);
    }

    #[test]
    fn a_page_waiting_for_its_sale_reloads_more_often_as_it_nears() {
        let opening = |start: DateTime<Utc>| TicketTypeSnapshot { sale_starts_at: Some(start), ..window_type() };
        let types = [opening(at(10)), opening(at(12))];
        let before = |seconds| at(10) - Duration::seconds(seconds);
        assert_eq!(waiting_reload_seconds(&types, before(3 * 3600)), Some(300));
        assert_eq!(waiting_reload_seconds(&types, before(600)), Some(30), "from the moment next_change names");
        assert_eq!(waiting_reload_seconds(&types, before(61)), Some(30));
        assert_eq!(waiting_reload_seconds(&types, before(60)), Some(5));
        assert_eq!(waiting_reload_seconds(&types, before(1)), Some(5));
        assert_eq!(waiting_reload_seconds(&types, at(10)), None, "one type is open: a reload could lose what a buyer types");
        let always_open = TicketTypeSnapshot { sale_starts_at: None, ..window_type() };
        assert_eq!(waiting_reload_seconds(&[opening(at(12)), always_open], at(9)), None);
        assert_eq!(waiting_reload_seconds(&[], at(9)), None);
    }

    #[test]
    fn nothing_is_left_when_every_type_is_gone() {
        use SaleStatus::*;
        assert!(nothing_left([SoldOut, Ended]));
        assert!(!nothing_left([SoldOut, OnSale]));
        assert!(!nothing_left([SoldOut, Scheduled]), "a sale still to come");
        assert!(!nothing_left([]), "no types: nothing was for sale, nothing sold out");
    }
}
