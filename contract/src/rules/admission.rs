//! Admission through an event's waiting room: the token the room gives a buyer whose turn has
//! come, and the check of it.
//!
//! Policy: the edge's waiting room signs, the origin checks, with one key both are given
//! (`WAITING_ROOM_KEY`); nothing else can make a token, so going around the edge to the origin
//! gains nothing. A token names its event, the buyer's place in the queue (a random id) and when
//! it expires; it is valid for that event only, until then, and the origin lets one place keep one
//! live hold at a time. Tokens travel in a cookie (set by the room for the event page's origin) and,
//! from scripts, in a header; both carry the same text:
//! `v1.<event id>.<queue id>.<expires, unix seconds>.<HMAC-SHA256, hex>`.
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The cookie the room sets and the browser sends with its hold.
pub const COOKIE: &str = "stampede_admission";
/// The same token, when a client sends it itself.
pub const HEADER: &str = "x-stampede-admission";
/// A key shorter than this is refused: it could be guessed.
pub const MIN_KEY_BYTES: usize = 32;

/// What a valid token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admission {
    pub event_id: i64,
    /// The buyer's place in the queue: random, so that places cannot be counted or guessed.
    pub queue_id: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Why a token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    /// Not a token at all (cut short, edited, another format).
    Malformed,
    /// The signature does not match: not made with the key.
    Forged,
    /// A token for another event.
    OtherEvent,
    Expired,
}

impl Refusal {
    /// What the buyer is told.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Missing => {
                "This sale has a waiting room: open the event page to join the queue, and you can reserve when your turn comes."
            }
            Refusal::Malformed | Refusal::Forged => {
                "Your place in the queue could not be read: open the event page again to join the queue."
            }
            Refusal::OtherEvent => "Your place in the queue is for another event: open this event's page to join its queue.",
            Refusal::Expired => "Your turn in the queue has run out: open the event page to join the queue again.",
        }
    }
}

/// The admission token in a `Cookie` header, if it carries one.
pub fn from_cookies(cookie_header: &str) -> Option<&str> {
    cookie(cookie_header, COOKIE)
}

/// The value of the cookie `name` in a `Cookie` header.
pub fn cookie<'h>(cookie_header: &'h str, name: &str) -> Option<&'h str> {
    cookie_header.split(';').find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('=')).map(str::trim)
}

fn mac(key: &[u8], payload: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(payload.as_bytes());
    mac
}

fn payload(admission: &Admission) -> String {
    format!("v1.{}.{}.{}", admission.event_id, admission.queue_id, admission.expires_at)
}

/// The token for `admission`, signed with `key`. A queue id is letters, digits, `-` and `_`.
pub fn sign(key: &[u8], admission: &Admission) -> String {
    seal(key, &payload(admission))
}

/// `payload` with its signature: `<payload>.<HMAC-SHA256, hex>`. The room's other cookies (a
/// visitor's place in line) are sealed with the same key; their payloads start otherwise than
/// `v1.`, so none of them can pass for an admission.
pub fn seal(key: &[u8], payload: &str) -> String {
    let signature = hex::encode(mac(key, payload).finalize().into_bytes());
    format!("{payload}.{signature}")
}

/// The payload of a sealed `token`, if `key` sealed it (checked in constant time).
pub fn unseal<'t>(key: &[u8], token: &'t str) -> Option<&'t str> {
    let (payload, signature) = token.trim().rsplit_once('.')?;
    let signature = hex::decode(signature).ok()?;
    mac(key, payload).verify_slice(&signature).ok()?;
    Some(payload)
}

/// A queue id as tokens carry it: letters, digits, `-` and `_`, at most 64.
pub fn is_valid_queue_id(queue_id: &str) -> bool {
    !queue_id.is_empty() && queue_id.len() <= 64 && queue_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The event a token names, before it is checked: which event's check to make of it.
pub fn named_event(token: &str) -> Option<i64> {
    let mut parts = token.trim().split('.');
    (parts.next()? == "v1").then_some(())?;
    parts.next()?.parse().ok()
}

/// The admission `token` gives to `event_id` at `now` (unix seconds), or why it gives none.
pub fn verify(key: &[u8], token: Option<&str>, event_id: i64, now: i64) -> Result<Admission, Refusal> {
    let token = token.map(str::trim).filter(|token| !token.is_empty()).ok_or(Refusal::Missing)?;
    let (payload, signature) = token.rsplit_once('.').ok_or(Refusal::Malformed)?;
    let signature = hex::decode(signature).map_err(|_| Refusal::Malformed)?;
    let mut parts = payload.split('.');
    let (Some("v1"), Some(event), Some(queue_id), Some(expires), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Malformed);
    };
    let (Ok(token_event), Ok(expires_at), true) = (event.parse::<i64>(), expires.parse::<i64>(), is_valid_queue_id(queue_id)) else {
        return Err(Refusal::Malformed);
    };
    // In constant time: a guesser learns nothing from how long a refusal took.
    mac(key, payload).verify_slice(&signature).map_err(|_| Refusal::Forged)?;
    if token_event != event_id {
        return Err(Refusal::OtherEvent);
    }
    if expires_at <= now {
        return Err(Refusal::Expired);
    }
    Ok(Admission { event_id, queue_id: queue_id.to_string(), expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a key of thirty-two bytes or more, for tests";

    fn admission() -> Admission {
        Admission { event_id: 7, queue_id: "q_3f9A-x".into(), expires_at: 1_000 }
    }

    #[test]
    fn a_signed_token_admits_to_its_event_until_it_expires() {
        let token = sign(KEY, &admission());
        assert!(token.starts_with("v1.7.q_3f9A-x.1000."), "{token}");
        assert_eq!(verify(KEY, Some(&token), 7, 999), Ok(admission()));
        assert_eq!(verify(KEY, Some(&token), 7, 1_000), Err(Refusal::Expired));
        assert_eq!(verify(KEY, Some(&token), 8, 999), Err(Refusal::OtherEvent));
    }

    #[test]
    fn the_cookie_carries_the_token() {
        assert_eq!(from_cookies("a=1; stampede_admission=v1.7.q.9.ab ; b=2"), Some("v1.7.q.9.ab"));
        assert_eq!(from_cookies("stampede_admission_old=1; a=2"), None);
    }

    #[test]
    fn nothing_but_the_key_makes_a_token() {
        let token = sign(KEY, &admission());
        assert_eq!(verify(b"another key of thirty-two bytes or more....", Some(&token), 7, 0), Err(Refusal::Forged));
        // A later expiry written over a real token's: the signature no longer matches.
        let extended = token.replacen(".1000.", ".9999.", 1);
        assert_eq!(verify(KEY, Some(&extended), 7, 0), Err(Refusal::Forged));
        let other_place = token.replacen("q_3f9A-x", "q_3f9A-y", 1);
        assert_eq!(verify(KEY, Some(&other_place), 7, 0), Err(Refusal::Forged));
        assert_eq!(verify(KEY, None, 7, 0), Err(Refusal::Missing));
        assert_eq!(verify(KEY, Some("  "), 7, 0), Err(Refusal::Missing));
        for malformed in ["v1.7.q.1000", "v2.7.q.1000.00", "v1.seven.q.1000.00", "v1.7.q.1000.zz", "v1.7.q w.1000.00", "v1.7.q.1000.5.00"] {
            assert_eq!(verify(KEY, Some(malformed), 7, 0), Err(Refusal::Malformed), "{malformed}");
        }
    }

    #[test]
    fn a_token_names_its_event_before_it_is_checked() {
        assert_eq!(named_event(&sign(KEY, &admission())), Some(7));
        assert_eq!(named_event("q1.7.abc.12.ff"), None, "a place is no admission");
        assert_eq!(named_event("junk"), None);
    }

    #[test]
    fn a_sealed_payload_opens_with_its_key_only() {
        let sealed = seal(KEY, "q1.7.abc.12");
        assert_eq!(unseal(KEY, &sealed), Some("q1.7.abc.12"));
        assert_eq!(unseal(b"another key of thirty-two bytes or more", &sealed), None);
        assert_eq!(unseal(KEY, &sealed.replace("q1.7.abc.12", "q1.7.abc.1")), None, "an edited place");
        assert_eq!(unseal(KEY, "q1.7.abc.12"), None, "no signature");
        let place = seal(KEY, "q1.7.abc.12");
        assert!(verify(KEY, Some(&place), 7, 0).is_err(), "a sealed place is no admission");
    }
}
