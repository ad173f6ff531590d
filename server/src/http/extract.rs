//! Extractors whose rejections are [`ApiError`]s, so malformed input gets the same JSON error shape
//! and an actionable sentence instead of axum's plain-text defaults.
use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;

/// A JSON body; one that cannot be read is a 4xx saying why ([`From<JsonRejection>`]). Its size and
/// its arrival were bounded before the handler ran (`body`).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        json_rejection(rejection)
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(err) => ApiError::invalid(format!(
            "The request body has the wrong shape: {}. See docs/api.md for the fields this endpoint takes.",
            err.body_text().trim_start_matches("Failed to deserialize the JSON body into the target type: ")
        )),
        JsonRejection::JsonSyntaxError(err) => ApiError::BadRequest(format!(
            "The request body is not valid JSON: {}.",
            err.body_text().trim_start_matches("Failed to parse the request body as JSON: ")
        )),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::UnsupportedMediaType("Send the body as JSON, with the header Content-Type: application/json.".into())
        }
        other => ApiError::BadRequest(format!("The request body could not be read: {}.", other.body_text())),
    }
}

/// The `Idempotency-Key` header, required for requests that create something exactly once.
pub struct IdempotencyKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.get("idempotency-key").map(|value| value.to_str()) {
            Some(Ok(key)) => Ok(IdempotencyKey(key.trim().to_string())),
            Some(Err(_)) => Err(ApiError::invalid_field("Idempotency-Key", "The Idempotency-Key header must be plain ASCII.")),
            None => Err(ApiError::invalid_field(
                "Idempotency-Key",
                "Send an Idempotency-Key header with a value new to this checkout (a UUID works); repeating it returns the same order.",
            )),
        }
    }
}

/// A path parameter; one that cannot be decoded (bad percent-encoding, not UTF-8) is a 404, since
/// no resource has such a name.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::NotFound("Nothing is at this address: part of it cannot be read. Check the link.".into())
    }
}

/// A query string. One that cannot be read (a value of the wrong type) is a 422 naming why.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::invalid(format!(
            "The query string cannot be read: {}. See docs/api.md for the parameters this endpoint takes.",
            rejection.body_text().trim_start_matches("Failed to deserialize query string: ")
        ))
    }
}
