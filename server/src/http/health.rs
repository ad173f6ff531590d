//! Health checks that tell the truth: `/healthz` says the process serves requests; `/readyz` says
//! whether it can reach its database and its inventory gate now, each within a bound.
//!
//! Only the database decides readiness: without it nothing can be sold, so a load balancer should
//! stop sending traffic. Without the gate, sales go on on the database path (slower, behind a
//! limit), and failing every origin's readiness because Redis is failing over would turn a
//! failover into an outage; so a gate that cannot answer is reported ("degraded"), not fatal.
//!
//! Policy: anyone may ask `/readyz` and is told ready (200) or not ready (503), nothing more. What
//! was checked and how it went (the backend, the Redis primary's address, the errors) is for
//! operators, with the operator token (`operator`).
use super::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use contract::rules::cache;
use serde_json::{json, Value};
use std::time::Duration;

const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn live() -> &'static str {
    "ok"
}

pub async fn ready(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> (StatusCode, [(header::HeaderName, &'static str); 1], Json<Value>) {
    let store = &state.store;
    let database = match tokio::time::timeout(READINESS_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => "ok".to_string(),
        Ok(Err(err)) => format!("error: {err}"),
        Err(_) => format!("timed out after {} ms", READINESS_TIMEOUT.as_millis()),
    };
    let (status, word) = if database == "ok" { (StatusCode::OK, "ready") } else { (StatusCode::SERVICE_UNAVAILABLE, "not ready") };
    let no_store = [(header::CACHE_CONTROL, cache::NO_STORE)];
    if !state.operator_token.allows(&headers) {
        return (status, no_store, Json(json!({ "status": word })));
    }
    let (gate_kind, gate) = match &state.gate {
        None => ("off", "off: every hold goes to the database".to_string()),
        Some(gate) => (
            gate.kind(),
            match tokio::time::timeout(READINESS_TIMEOUT, gate.ping()).await {
                Ok(Ok(())) => "ok".to_string(),
                Ok(Err(err)) => format!("error: {err}"),
                Err(_) => format!("timed out after {} ms", READINESS_TIMEOUT.as_millis()),
            },
        ),
    };
    let degraded = gate != "ok" && gate_kind != "off";
    let gate_detail = state.gate.as_ref().map(|gate| gate.describe());
    (
        status,
        no_store,
        Json(json!({
            "status": word,
            "database": database,
            "backend": store.backend(),
            "gate": gate,
            "gate_kind": gate_kind,
            "gate_detail": gate_detail,
            "degraded": degraded,
        })),
    )
}
