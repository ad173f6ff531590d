//! Health checks that tell the truth: `/healthz` says the process serves requests; `/readyz` says
//! it can reach its database now, within a bound, so a load balancer stops sending it traffic when
//! it cannot.
use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::time::Duration;

const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn live() -> &'static str {
    "ok"
}

pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let store = state.storefront.store();
    let database = match tokio::time::timeout(READINESS_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => "ok".to_string(),
        Ok(Err(err)) => format!("error: {err}"),
        Err(_) => format!("timed out after {} ms", READINESS_TIMEOUT.as_millis()),
    };
    let status = if database == "ok" { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(json!({ "database": database, "backend": store.backend() })))
}
