//! Which writes reserve tickets and which place orders, however a browser sends them: through the
//! JSON API, or as the page's plain form before its script runs (`forms`).
//!
//! Policy: the edge limits reservations per client, slows an event's waiting room when the origin
//! answers them as busy, and ends a waiting-room admission once its order is placed. All three
//! follow what the buyer did, not how it travelled: a form is the same reservation, and the same
//! order, as the API call.
use super::slug::is_valid_slug;

/// The event a `POST` to `path` reserves tickets of: `/api/events/{slug}/holds` (the API) or
/// `/e/{slug}/holds` (the event page's form).
pub fn reservation_slug(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/api/events/").or_else(|| path.strip_prefix("/e/"))?;
    rest.strip_suffix("/holds").filter(|slug| is_valid_slug(slug))
}

/// Whether a `POST` to `path` places an order or pays for one: the API's
/// `/api/holds/{id}/order`, `/payment` and `/payment/complete`, or the checkout's form,
/// `/checkout/{id}`.
pub fn is_order(path: &str) -> bool {
    if let Some(rest) = path.strip_prefix("/api/holds/") {
        return ["/order", "/payment", "/payment/complete"].iter().any(|end| rest.strip_suffix(end).is_some_and(is_one_segment));
    }
    path.strip_prefix("/checkout/").is_some_and(is_one_segment)
}

/// Whether the answer to an order's `POST` says it was placed: the API's 2xx, or the form's 303 to
/// the order's page (a form that did not work comes back as its page, with a 4xx or 5xx).
pub fn order_placed(status: u16) -> bool {
    (200..300).contains(&status) || status == 303
}

/// Whether a write to `path` is one of the pages' plain forms (a browser showing what comes back),
/// not an API call: what the edge refuses there, it refuses with a page.
pub fn is_page_form(path: &str) -> bool {
    path.starts_with("/e/") || path.starts_with("/checkout/")
}

fn is_one_segment(id: &str) -> bool {
    !id.is_empty() && !id.contains('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_by_api_and_by_form() {
        assert_eq!(reservation_slug("/api/events/live/holds"), Some("live"));
        assert_eq!(reservation_slug("/e/live/holds"), Some("live"));
        assert_eq!(reservation_slug("/e/live/choice"), None, "a change of choice holds nothing");
        assert_eq!(reservation_slug("/api/events/no such/holds"), None);
        assert_eq!(reservation_slug("/api/holds/x/order"), None);
    }

    #[test]
    fn orders_by_api_and_by_form() {
        for path in ["/api/holds/h1/order", "/api/holds/h1/payment", "/api/holds/h1/payment/complete", "/checkout/h1"] {
            assert!(is_order(path), "{path}");
        }
        for path in ["/checkout/h1/discount", "/checkout/h1/cancel", "/api/holds/h1", "/api/holds//order", "/checkout/"] {
            assert!(!is_order(path), "{path}");
        }
        assert!(order_placed(201) && order_placed(303));
        assert!(is_page_form("/e/live/holds") && is_page_form("/checkout/h1/cancel"));
        assert!(!is_page_form("/api/events/live/holds") && !is_page_form("/admin/api/events"));
        assert!(!order_placed(422) && !order_placed(503) && !order_placed(302));
    }
}
