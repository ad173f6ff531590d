//! How responses may be cached: the `Cache-Control` values the origin sends and the edge stores and
//! serves, so the two cannot drift apart.
//!
//! Policy: what every buyer sees alike is public and short-lived: an event page and its snapshot
//! are fresh for a second, served stale for [`STALE_WHILE_REVALIDATE_SECONDS`] while one refresh
//! runs, and for [`STALE_IF_ERROR_SECONDS`] (a day) when no origin answers, because a slightly old
//! page is better than none in the minutes after an on-sale; availability is fresh for a second
//! and never served stale by a shared cache's own decision. Files whose URL carries a content hash
//! (`?v=`) never change and are immutable; other files are reused for five minutes. What belongs
//! to one buyer (checkout, orders, holds, errors) is never stored.

/// An event page (`/e/{slug}`), at the origin and at the edge.
pub const EVENT_PAGE: &str = "public, max-age=1, stale-while-revalidate=10, stale-if-error=86400";
/// An event's snapshot (`/api/events/{slug}`): the same life as the page made from it.
pub const SNAPSHOT: &str = EVENT_PAGE;
/// An event's availability (`/api/events/{slug}/availability`).
pub const AVAILABILITY: &str = "public, max-age=1";
/// The front page's list of events.
pub const HOME_PAGE: &str = "public, max-age=5";
/// The asset URLs pages link (`/api/site-assets`).
pub const SITE_ASSETS: &str = "public, max-age=60";
/// A file whose URL carries its content hash (`?v=`).
pub const HASHED_ASSET: &str = "public, max-age=31536000, immutable";
/// A file without a content hash in its URL.
pub const ASSET: &str = "public, max-age=300";
/// A page for one buyer: checkout, order.
pub const PRIVATE_PAGE: &str = "private, no-store";
/// A ticket's QR code: the buyer's own, kept on the phone for the door.
pub const TICKET_QR: &str = "private, max-age=86400";
/// API answers that must never be reused: holds, orders, unlocks, previews, errors.
pub const NO_STORE: &str = "no-store";
/// The admin app's `index.html`: revalidated on every load, so a deploy is picked up at once.
pub const REVALIDATE: &str = "no-cache";

/// Seconds an unchanged event page may be served stale while it is refreshed (`stale-while-revalidate`).
pub const STALE_WHILE_REVALIDATE_SECONDS: u64 = 10;
/// Seconds an event page may be served stale when no origin answers (`stale-if-error`).
pub const STALE_IF_ERROR_SECONDS: u64 = 86_400;
/// Seconds a file without a content hash is reused.
pub const ASSET_SECONDS: u64 = 300;
/// What the edge puts on what it stores in the Cache API: kept as long as a page may be served
/// stale; freshness is decided by the edge, not by this header.
pub const EDGE_STORE: &str = "public, max-age=86400";

/// Whether a URL's query marks it as content-hashed (`?v=...`).
pub fn is_hashed(query: Option<&str>) -> bool {
    query.is_some_and(|query| query.starts_with("v="))
}

/// The `Cache-Control` of a static file: immutable when its URL is content-hashed.
pub fn asset(hashed: bool) -> &'static str {
    if hashed {
        HASHED_ASSET
    } else {
        ASSET
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_values_carry_the_named_durations() {
        assert!(EVENT_PAGE.contains(&format!("stale-while-revalidate={STALE_WHILE_REVALIDATE_SECONDS}")));
        assert!(EVENT_PAGE.contains(&format!("stale-if-error={STALE_IF_ERROR_SECONDS}")));
        assert!(EDGE_STORE.ends_with(&format!("max-age={STALE_IF_ERROR_SECONDS}")));
        assert!(ASSET.ends_with(&format!("max-age={ASSET_SECONDS}")));
    }

    #[test]
    fn only_hashed_urls_are_immutable() {
        assert!(is_hashed(Some("v=3f2a")));
        assert!(!is_hashed(Some("x=1&v=3f2a")));
        assert!(!is_hashed(None));
        assert_eq!(asset(true), HASHED_ASSET);
        assert_eq!(asset(false), ASSET);
    }

    #[test]
    fn nothing_personal_is_public() {
        for personal in [PRIVATE_PAGE, NO_STORE, TICKET_QR] {
            assert!(!personal.contains("public"), "{personal}");
        }
    }
}
