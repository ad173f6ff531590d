//! How errors reach the client: `{"error", "message"}` JSON for the API, an HTML page for pages.
//! This is the only place an [`ApiError`] becomes a status code.
use crate::error::ApiError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use contract::model::ApiErrorBody;
use contract::rules::{cache, ErrorCode};

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid { .. } | ApiError::NotOnSale(_) | ApiError::IdempotencyKeyReused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::SoldOut { .. } | ApiError::HoldClosed(_) => StatusCode::CONFLICT,
            ApiError::HoldExpired(_) => StatusCode::GONE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::PaymentDeclined(_) => StatusCode::PAYMENT_REQUIRED,
            ApiError::Busy(_) | ApiError::PaymentUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Invalid { .. } => ErrorCode::Validation,
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::Conflict { .. } => ErrorCode::Conflict,
            ApiError::TooManyRequests(_) => ErrorCode::TooManyRequests,
            ApiError::SoldOut { .. } => ErrorCode::SoldOut,
            ApiError::NotOnSale(_) => ErrorCode::NotOnSale,
            ApiError::HoldExpired(_) => ErrorCode::HoldExpired,
            ApiError::HoldClosed(_) => ErrorCode::HoldClosed,
            ApiError::IdempotencyKeyReused(_) => ErrorCode::IdempotencyKeyReused,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            ApiError::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed,
            ApiError::RequestTimeout(_) => ErrorCode::RequestTimeout,
            ApiError::PaymentDeclined(_) => ErrorCode::PaymentDeclined,
            ApiError::PaymentUnavailable(_) => ErrorCode::PaymentUnavailable,
            ApiError::Busy(_) => ErrorCode::Busy,
            ApiError::Unexpected(_) => ErrorCode::Internal,
        }
    }

    /// What the person is told. Unexpected errors are logged in full and described vaguely.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Unexpected(err) => {
                tracing::error!(error = ?err, "unexpected error");
                "Something went wrong on our side. Please try again; if it keeps happening, contact the organiser.".into()
            }
            other => other.to_string(),
        }
    }

    pub fn body(&self) -> ApiErrorBody {
        ApiErrorBody {
            error: self.code().as_str().to_string(),
            message: self.public_message(),
            field: match self {
                ApiError::Invalid { field, .. } | ApiError::Conflict { field, .. } => field.clone(),
                _ => None,
            },
            available: match self {
                ApiError::SoldOut { available, .. } => Some(available.clone()),
                _ => None,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(self.body())).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache::NO_STORE));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        response
    }
}

/// What a route answers a method it does not take, everywhere (the route adds `Allow`).
pub async fn wrong_method() -> ApiError {
    ApiError::MethodNotAllowed("This address does not take that method (the Allow header lists those it does). See docs/api.md.".into())
}
