//! How often one client may ask for a hold at this edge (`POST /api/events/{slug}/holds`, or the
//! event page's form: `rules::writes`).
//!
//! Policy: a token bucket per client (kept as the time its next hold is due, GCRA), `HOLD_RATE_BURST` (10) holds in a row, then
//! `HOLD_RATE_PER_MINUTE` (30) a minute; a refusal is a 429 with `Retry-After` and says the limit.
//! The client is its trusted address when the edge runs on Cloudflare (`TRUST_CF_CONNECTING_IP`),
//! else its `stampede_client` cookie; a request with neither is left to the origin, which limits
//! holds too. The buckets live in the isolate's memory, so this is a first line only: every
//! isolate (and every Cloudflare location) counts on its own, and a client that drops its cookie
//! starts afresh. The origin's limits are the ones that hold. At most [`MAX_CLIENTS`] clients are
//! tracked; when full, buckets that have refilled go first (they know nothing a new bucket does
//! not), then the least recently seen.
use crate::admit::Target;
use crate::client;
use crate::config::Config;
use crate::respond;
use contract::rules::ErrorCode;
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{Date, Method, Request, Response, Result};

/// How many clients one isolate keeps a bucket for.
const MAX_CLIENTS: usize = 10_000;

/// The refusal for a hold request over its client's limit, if it is one.
pub fn holds(request: &Request, target: &Target, config: &Config) -> Option<Result<Response>> {
    if config.hold_rate_per_minute == 0
        || target.method != Method::Post
        || contract::rules::writes::reservation_slug(&target.path).is_none()
    {
        return None;
    }
    let key = client_key(request, config)?;
    let rate = Rate::new(config.hold_rate_burst, config.hold_rate_per_minute);
    let wait_ms = BUCKETS.with(|buckets| buckets.borrow_mut().take(&key, rate, Date::now().as_millis()))?;
    Some(too_many(wait_ms, config))
}

/// Whom the request is counted against: the trusted address, else the browser's token.
fn client_key(request: &Request, config: &Config) -> Option<String> {
    if let Some(address) = client::trusted_address(request.headers(), config) {
        return Some(format!("ip:{address}"));
    }
    let cookies = request.headers().get("cookie").ok().flatten()?;
    contract::rules::client::browser_token(&cookies).map(|token| format!("cookie:{token}"))
}

fn too_many(wait_ms: u64, config: &Config) -> Result<Response> {
    let seconds = wait_ms.div_ceil(1_000).max(1);
    let mut response = respond::client_error(
        429,
        ErrorCode::TooManyRequests,
        &format!(
            "Too many reservations from this browser: at most {} in a row, then {} a minute. Try again in {}.",
            config.hold_rate_burst,
            config.hold_rate_per_minute,
            respond::seconds(seconds)
        ),
    )?;
    response.headers_mut().set("retry-after", &seconds.to_string())?;
    Ok(response)
}

/// The limit as a generic cell rate: one hold every `interval_us`, `burst` of them in a row.
#[derive(Clone, Copy)]
struct Rate {
    interval_us: u64,
    burst: u64,
}

impl Rate {
    fn new(burst: u32, per_minute: u32) -> Rate {
        Rate { interval_us: 60_000_000 / u64::from(per_minute.max(1)), burst: u64::from(burst.max(1)) }
    }

    /// How far ahead of now a client's schedule may run before it is refused.
    fn tolerance_us(self) -> u64 {
        (self.burst - 1) * self.interval_us
    }
}

/// One client's schedule (GCRA): the time its next hold is due, and when it was last seen.
struct Bucket {
    due_us: u64,
    seen_ms: u64,
}

struct Buckets {
    by_client: HashMap<String, Bucket>,
}

impl Buckets {
    /// Takes a hold from the client's allowance: None when allowed, else how many ms until it is.
    fn take(&mut self, key: &str, rate: Rate, now_ms: u64) -> Option<u64> {
        if !self.by_client.contains_key(key) && self.by_client.len() >= MAX_CLIENTS {
            self.make_room(now_ms);
        }
        let now_us = now_ms * 1_000;
        let bucket = self.by_client.entry(key.to_string()).or_insert(Bucket { due_us: now_us, seen_ms: now_ms });
        bucket.seen_ms = bucket.seen_ms.max(now_ms);
        let due_us = bucket.due_us.max(now_us);
        let ahead_us = due_us - now_us;
        if ahead_us > rate.tolerance_us() {
            return Some((ahead_us - rate.tolerance_us()).div_ceil(1_000));
        }
        bucket.due_us = due_us + rate.interval_us;
        None
    }

    /// Drops clients whose allowance is whole again (they know nothing a new bucket does not),
    /// then, if that freed nothing, the least recently seen eighth.
    fn make_room(&mut self, now_ms: u64) {
        self.by_client.retain(|_, bucket| bucket.due_us > now_ms * 1_000);
        if self.by_client.len() >= MAX_CLIENTS {
            let mut seen: Vec<(u64, String)> = self.by_client.iter().map(|(key, bucket)| (bucket.seen_ms, key.clone())).collect();
            let cut = seen.len() / 8;
            seen.select_nth_unstable(cut);
            for (_, key) in &seen[..cut] {
                self.by_client.remove(key);
            }
        }
    }
}

thread_local! {
    static BUCKETS: RefCell<Buckets> = RefCell::new(Buckets { by_client: HashMap::new() });
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: Rate = Rate { interval_us: 2_000_000, burst: 10 };

    fn buckets() -> Buckets {
        Buckets { by_client: HashMap::new() }
    }

    #[test]
    fn allows_a_burst_then_the_rate() {
        let mut buckets = buckets();
        for _ in 0..10 {
            assert_eq!(buckets.take("a", RATE, 1_000), None);
        }
        // The burst is spent: the next hold is allowed in two seconds (30 a minute).
        assert_eq!(buckets.take("a", RATE, 1_000), Some(2_000));
        assert_eq!(buckets.take("a", RATE, 2_000), Some(1_000));
        assert_eq!(buckets.take("a", RATE, 3_000), None);
        assert_eq!(buckets.take("a", RATE, 3_000), Some(2_000));
        // Another client has its own bucket.
        assert_eq!(buckets.take("b", RATE, 3_000), None);
    }

    #[test]
    fn stays_bounded_and_forgets_refilled_clients_first() {
        let mut buckets = buckets();
        for i in 0..MAX_CLIENTS {
            assert_eq!(buckets.take(&format!("c{i}"), RATE, 0), None);
        }
        // One client is mid-burst later on: it must survive the clean-up that follows.
        for _ in 0..10 {
            buckets.take("busy", RATE, 19_000);
        }
        buckets.take("newcomer", RATE, 20_000);
        assert_eq!(buckets.by_client.len(), 2);
        assert!(buckets.by_client.contains_key("busy"));
        assert_eq!(buckets.take("busy", RATE, 20_000), Some(1_000));
    }

    #[test]
    fn when_no_bucket_is_full_the_least_recently_seen_go() {
        // Refilling so slowly that no bucket is ever full again.
        let slow = Rate::new(10, 1);
        let mut buckets = buckets();
        for i in 0..MAX_CLIENTS as u64 {
            buckets.take(&format!("c{i}"), slow, i);
        }
        buckets.take("newcomer", slow, MAX_CLIENTS as u64);
        assert!(buckets.by_client.len() < MAX_CLIENTS);
        assert!(!buckets.by_client.contains_key("c0"));
        assert!(buckets.by_client.contains_key(&format!("c{}", MAX_CLIENTS - 1)));
    }
}
