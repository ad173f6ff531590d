//! An event's slug: the `{slug}` of `/e/{slug}`, chosen by the organiser, read by the origin, the
//! edge and every cache key.
//!
//! Policy: 1 to [`MAX_SLUG_CHARS`] characters of `a`–`z`, `0`–`9` and `-`, not starting or ending
//! with `-`. Lower case only, so one event has one address (no `/e/Summer` beside `/e/summer`);
//! ASCII only, so the address needs no percent-encoding and reads the same in every cache. The
//! same rule decides what an organiser may save and what the origin and the edge look up: a path
//! that fails it names no event and is answered without asking a cache or the database.
use super::limits::MAX_SLUG_CHARS;

/// What an organiser is told when the slug they typed fails [`is_valid_slug`].
pub const SLUG_MESSAGE: &str =
    "The web address may use lower-case letters, digits and dashes (not first or last), up to 100: e.g. summer-fest-2026.";

/// Whether `slug` may name an event (see the module's policy). No trimming: callers trim input.
pub fn is_valid_slug(slug: &str) -> bool {
    (1..=MAX_SLUG_CHARS).contains(&slug.len())
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_addresses() {
        for ok in ["a", "stampede-live", "summer-fest-2026", "2026", "a--b", &"x".repeat(MAX_SLUG_CHARS)] {
            assert!(is_valid_slug(ok), "{ok:?}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        let too_long = "x".repeat(MAX_SLUG_CHARS + 1);
        for bad in ["", "-live", "live-", "-", "Summer", "sum mer", "sum_mer", "süd", "a/b", "a.b", too_long.as_str()] {
            assert!(!is_valid_slug(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_message_states_the_limit() {
        assert!(SLUG_MESSAGE.contains(&format!("up to {MAX_SLUG_CHARS}")));
    }
}
