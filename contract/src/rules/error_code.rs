//! The API's error codes: the `error` of every error body ([`ApiErrorBody`]).
//!
//! Policy: a code is stable and machine-readable, and says what a client can do about it; the
//! `message` beside it is for the person. Clients branch on the code, never on the message or only
//! on the status: `busy` is worth retrying shortly (nothing was decided), `hold_expired` sends the
//! buyer back to the event, `validation` names its `field`. The strings are part of the public API
//! (docs/api.md) and serialise as snake_case; a new code is added here, never typed as a string.
use crate::model::ApiErrorBody;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A field is wrong in a way the sender can fix (422; `field` names it).
    Validation,
    /// The request cannot be read at all (400).
    BadRequest,
    NotFound,
    /// Not signed in (admin API, 401).
    Unauthorized,
    /// The role does not allow it, or the CSRF token is missing (403).
    Forbidden,
    /// The state of things refuses it (409).
    Conflict,
    /// Too many attempts: wait and retry (429).
    TooManyRequests,
    /// Not enough stock (409; `available` says what is left).
    SoldOut,
    /// Outside the ticket type's sale window (422).
    NotOnSale,
    /// The hold ran out (410).
    HoldExpired,
    /// The hold was released or already ordered (409).
    HoldClosed,
    /// The idempotency key was used for another hold (422).
    IdempotencyKeyReused,
    PayloadTooLarge,
    UnsupportedMediaType,
    MethodNotAllowed,
    /// The request's body did not arrive in time (408): check the connection and send it again.
    RequestTimeout,
    /// Refused by the edge before it reached an origin (431).
    RequestHeadersTooLarge,
    /// The card was declined or its authentication failed (402): the message is the provider's;
    /// the hold is kept, so another card can be tried.
    PaymentDeclined,
    /// The payment provider is not answering (503, `Retry-After`): nothing was charged that will
    /// not be settled, and the hold is kept.
    PaymentUnavailable,
    /// Temporarily unable to serve: retry shortly (503, `Retry-After`).
    Busy,
    /// Our fault (500); the message says nothing of the internals.
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::Validation,
        ErrorCode::BadRequest,
        ErrorCode::NotFound,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::Conflict,
        ErrorCode::TooManyRequests,
        ErrorCode::SoldOut,
        ErrorCode::NotOnSale,
        ErrorCode::HoldExpired,
        ErrorCode::HoldClosed,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::MethodNotAllowed,
        ErrorCode::RequestTimeout,
        ErrorCode::RequestHeadersTooLarge,
        ErrorCode::PaymentDeclined,
        ErrorCode::PaymentUnavailable,
        ErrorCode::Busy,
        ErrorCode::Internal,
    ];

    /// The code as it travels in `ApiErrorBody::error`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "validation",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Conflict => "conflict",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::SoldOut => "sold_out",
            ErrorCode::NotOnSale => "not_on_sale",
            ErrorCode::HoldExpired => "hold_expired",
            ErrorCode::HoldClosed => "hold_closed",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::RequestHeadersTooLarge => "request_headers_too_large",
            ErrorCode::PaymentDeclined => "payment_declined",
            ErrorCode::PaymentUnavailable => "payment_unavailable",
            ErrorCode::Busy => "busy",
            ErrorCode::Internal => "internal",
        }
    }

    /// The code of a body's `error`; None for a code this build does not know.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|code| code.as_str() == s)
    }

    /// Worth trying again shortly: nothing was decided.
    pub fn is_transient(self) -> bool {
        matches!(self, ErrorCode::Busy | ErrorCode::PaymentUnavailable)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ApiErrorBody {
    /// A body with `code` and `message`, no field and no stock.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiErrorBody {
        ApiErrorBody { error: code.as_str().to_string(), message: message.into(), field: None, available: None }
    }

    /// The body's code, when it is one this build knows.
    pub fn code(&self) -> Option<ErrorCode> {
        ErrorCode::parse(&self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_to_the_strings_of_the_api() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&format!("\"{code}\"")).unwrap(), code);
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("teapot"), None);
    }

    #[test]
    fn the_strings_are_the_published_ones() {
        // docs/api.md lists these; clients in the wild branch on them.
        let published = [
            "validation",
            "bad_request",
            "not_found",
            "unauthorized",
            "forbidden",
            "conflict",
            "too_many_requests",
            "sold_out",
            "not_on_sale",
            "hold_expired",
            "hold_closed",
            "idempotency_key_reused",
            "payload_too_large",
            "unsupported_media_type",
            "method_not_allowed",
            "request_timeout",
            "request_headers_too_large",
            "payment_declined",
            "payment_unavailable",
            "busy",
            "internal",
        ];
        let ours: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(ours, published);
    }

    #[test]
    fn bodies_read_back_their_code() {
        let body = ApiErrorBody::new(ErrorCode::SoldOut, "Gone.");
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(json, r#"{"error":"sold_out","message":"Gone."}"#);
        assert_eq!(serde_json::from_str::<ApiErrorBody>(&json).unwrap().code(), Some(ErrorCode::SoldOut));
        assert!(ErrorCode::Busy.is_transient() && !ErrorCode::SoldOut.is_transient());
    }
}
