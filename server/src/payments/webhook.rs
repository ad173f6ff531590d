//! The provider's webhooks: a signature checked before anything is read, then the event.
//!
//! Policy: an event is believed only when its `Stripe-Signature` is an HMAC-SHA256, with the
//! organisation's webhook secret, of `{timestamp}.{body}` (compared in constant time) and the
//! timestamp is within `TOLERANCE` of now, so a recorded delivery cannot be replayed later. What an
//! event says is then only a prompt: the payment is settled from the provider's answer about the
//! intent, or the event's own object for refunds, by the same code the buyer's return path runs.
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// How far a delivery's timestamp may be from now (Stripe's libraries use five minutes).
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Deserialize)]
pub struct EventData {
    pub object: EventObject,
}

/// The event's object: a PaymentIntent, a Charge or a Refund; only what Stampede reads of them.
/// Every field may be absent: other objects (a balance) have no id, and their events are
/// acknowledged and ignored.
#[derive(Debug, Deserialize)]
pub struct EventObject {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    /// On a Charge or a Refund: its PaymentIntent.
    #[serde(default)]
    pub payment_intent: Option<String>,
    /// On a Charge: its refunds.
    #[serde(default)]
    pub refunds: Option<RefundList>,
    /// On a PaymentIntent: what Stampede attached (`payment_id`, `hold_id`).
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct RefundList {
    #[serde(default)]
    pub data: Vec<RefundObject>,
}

#[derive(Debug, Deserialize)]
pub struct RefundObject {
    pub id: String,
    pub status: String,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    #[error("the signature's timestamp is more than five minutes from now")]
    Stale,
    #[error("no signature matches this organisation's webhook secret")]
    BadSignature,
    #[error("the body is not a webhook event: {0}")]
    NotAnEvent(String),
}

/// Checks `header` (`t=...,v1=...[,v1=...]`) against `body` and `secret`, then reads the event.
pub fn verify(body: &[u8], header: &str, secret: &str, now: DateTime<Utc>) -> Result<Event, WebhookError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else { return Err(WebhookError::Malformed) };
    if signatures.is_empty() {
        return Err(WebhookError::Malformed);
    }
    if (now.timestamp() - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(WebhookError::Stale);
    }
    let signed = |signature: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(signature).is_ok()
    };
    if !signatures.iter().any(|signature| signed(signature)) {
        return Err(WebhookError::BadSignature);
    }
    serde_json::from_slice(body).map_err(|err| WebhookError::NotAnEvent(err.to_string()))
}

/// The header a provider would send for `body` at `at`: for tests and the simulator, which play
/// the provider's part when they check that forged deliveries are refused.
pub fn sign(body: &[u8], secret: &str, at: DateTime<Utc>) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{}.", at.timestamp()).as_bytes());
    mac.update(body);
    format!("t={},v1={}", at.timestamp(), hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","status":"succeeded"}}}"#;

    #[test]
    fn a_signed_event_is_read() {
        let now = Utc::now();
        let event = verify(BODY, &sign(BODY, "whsec_a", now), "whsec_a", now).unwrap();
        assert_eq!((event.id.as_str(), event.kind.as_str(), event.data.object.id.as_str()), ("evt_1", "payment_intent.succeeded", "pi_1"));
    }

    #[test]
    fn forged_stale_and_malformed_deliveries_are_refused() {
        let now = Utc::now();
        assert_eq!(verify(BODY, &sign(BODY, "whsec_other", now), "whsec_a", now).unwrap_err(), WebhookError::BadSignature);
        let tampered = br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_2","status":"succeeded"}}}"#;
        assert_eq!(verify(tampered, &sign(BODY, "whsec_a", now), "whsec_a", now).unwrap_err(), WebhookError::BadSignature);
        let old = now - chrono::Duration::seconds(TOLERANCE_SECONDS + 1);
        assert_eq!(verify(BODY, &sign(BODY, "whsec_a", old), "whsec_a", now).unwrap_err(), WebhookError::Stale);
        assert_eq!(verify(BODY, "v1=00", "whsec_a", now).unwrap_err(), WebhookError::Malformed);
        assert_eq!(verify(BODY, &format!("t={}", now.timestamp()), "whsec_a", now).unwrap_err(), WebhookError::Malformed);
    }

    #[test]
    fn events_of_objects_without_an_id_are_read() {
        let body = br#"{"id":"evt_2","type":"balance.available","data":{"object":{"object":"balance","available":[]}}}"#;
        let now = Utc::now();
        assert_eq!(verify(body, &sign(body, "whsec_a", now), "whsec_a", now).unwrap().kind, "balance.available");
    }

    #[test]
    fn any_of_several_signatures_may_match() {
        // While a secret is rolled, the provider signs with both.
        let now = Utc::now();
        let header = format!("{},v1={}", sign(BODY, "whsec_new", now), sign(BODY, "whsec_old", now).split("v1=").nth(1).unwrap());
        assert!(verify(BODY, &header, "whsec_old", now).is_ok());
        assert!(verify(BODY, &header, "whsec_new", now).is_ok());
    }
}
