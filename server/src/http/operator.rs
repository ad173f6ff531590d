//! The operators' endpoints: `/metrics`, and the detail of `/readyz`.
//!
//! Policy: they answer only a request with `Authorization: Bearer <OPERATOR_TOKEN>`, compared in
//! constant time. With `OPERATOR_TOKEN` unset they are closed to everyone, loopback peers
//! included: a proxy on the same host (the local edge, nginx) makes every browser's request come
//! from loopback, so the peer's address proves nothing. `/readyz` itself stays public, saying only
//! ready or not (what a load balancer needs).
use super::admin::session::same_token;
use super::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Shorter tokens are refused at startup: the token is all that guards the operators' detail.
pub const OPERATOR_TOKEN_MIN_CHARS: usize = 16;

/// The `OPERATOR_TOKEN` setting.
#[derive(Clone, Default)]
pub struct OperatorToken {
    token: Option<Arc<str>>,
}

impl std::fmt::Debug for OperatorToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token itself: settings are logged.
        f.write_str(if self.token.is_some() { "OperatorToken(set)" } else { "OperatorToken(none: closed)" })
    }
}

impl OperatorToken {
    /// No token: the operators' endpoints are closed.
    pub fn none() -> OperatorToken {
        OperatorToken { token: None }
    }

    /// A token shorter than [`OPERATOR_TOKEN_MIN_CHARS`] is an error.
    pub fn new(token: &str) -> Result<OperatorToken, String> {
        let token = token.trim();
        if token.chars().count() < OPERATOR_TOKEN_MIN_CHARS {
            return Err(format!("OPERATOR_TOKEN must be at least {OPERATOR_TOKEN_MIN_CHARS} characters (a long random string)"));
        }
        Ok(OperatorToken { token: Some(token.into()) })
    }

    pub fn is_set(&self) -> bool {
        self.token.is_some()
    }

    /// Whether these request headers carry the token.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(token) = self.token.as_deref() else {
            return false;
        };
        headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .is_some_and(|sent| same_token(sent.trim(), token))
    }
}

/// A request from an operator: extracting it refuses everyone else with a 401.
pub struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.operator_token.allows(&parts.headers) {
            return Ok(Operator);
        }
        let refusal = ApiError::Unauthorized(
            "This endpoint is for operators: send Authorization: Bearer with the origin's OPERATOR_TOKEN (unset, it is closed).".into(),
        );
        Err(([(header::WWW_AUTHENTICATE, "Bearer")], refusal).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn bearer(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_the_token_opens() {
        let token = OperatorToken::new("0123456789abcdef-operator").unwrap();
        assert!(token.allows(&bearer("Bearer 0123456789abcdef-operator")));
        assert!(!token.allows(&bearer("Bearer 0123456789abcdef-operatoR")));
        assert!(!token.allows(&bearer("0123456789abcdef-operator")), "the scheme is required");
        assert!(!token.allows(&HeaderMap::new()));
        let closed = OperatorToken::none();
        assert!(!closed.allows(&bearer("Bearer ")) && !closed.allows(&HeaderMap::new()), "unset: closed to all");
    }

    #[test]
    fn short_tokens_are_refused() {
        assert!(OperatorToken::new("short").unwrap_err().contains("OPERATOR_TOKEN"));
        assert!(!format!("{:?}", OperatorToken::new("0123456789abcdef").unwrap()).contains("0123"));
    }
}
