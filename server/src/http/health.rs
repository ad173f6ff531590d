//! Health checks that tell the truth: `/healthz` says the process serves requests; `/readyz` says
//! whether it can reach its database and its inventory gate now, each within a bound.
//!
//! Only the database decides readiness: without it nothing can be sold, so a load balancer should
//! stop sending traffic. Without the gate, sales go on on the database path (slower, behind a
//! limit), and failing every origin's readiness because Redis is failing over would turn a
//! failover into an outage; so a gate that cannot answer is reported ("degraded"), not fatal.
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
    let store = &state.store;
    let database = match tokio::time::timeout(READINESS_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => "ok".to_string(),
        Ok(Err(err)) => format!("error: {err}"),
        Err(_) => format!("timed out after {} ms", READINESS_TIMEOUT.as_millis()),
    };
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
    let status = if database == "ok" { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (
        status,
        Json(json!({
            "database": database,
            "backend": store.backend(),
            "gate": gate,
            "gate_kind": gate_kind,
            "gate_detail": gate_detail,
            "degraded": degraded,
        })),
    )
}
