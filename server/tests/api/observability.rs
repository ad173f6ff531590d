//! /metrics tells what happened, in Prometheus' text format.
use crate::helpers::*;
use contract::model::PaymentMethod;

on_both_backends!(metrics_count_holds_orders_and_requests);

fn value_of(text: &str, series: &str) -> f64 {
    text.lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("{series} not in\n{text}"))
}

async fn metrics_count_holds_orders_and_requests(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 2)]).await;
    let id = event.type_ids[0];
    let hold = app.hold_ok(&event.slug, &[(id, 2)]).await;
    assert_eq!(app.hold(&event.slug, &[(id, 1)]).await.status(), 409);
    assert_eq!(app.order(&hold.id, "metrics", &order_request(&["Ada", "Bob"], PaymentMethod::Offline)).await.status(), 201);
    assert_eq!(app.order(&hold.id, "metrics", &order_request(&["Ada", "Bob"], PaymentMethod::Offline)).await.status(), 201);

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();

    assert_eq!(value_of(&text, r#"stampede_holds_total{outcome="created"}"#), 1.0);
    assert_eq!(value_of(&text, r#"stampede_holds_total{outcome="sold_out"}"#), 1.0);
    assert_eq!(value_of(&text, r#"stampede_orders_total{outcome="created"}"#), 1.0);
    assert_eq!(value_of(&text, r#"stampede_orders_total{outcome="replayed"}"#), 1.0);
    let holds_route = r#"stampede_http_request_duration_seconds_count{method="POST",route="/api/events/{slug}/holds",status="2xx"}"#;
    assert_eq!(value_of(&text, holds_route), 1.0);
    let refused_route = r#"stampede_http_request_duration_seconds_count{method="POST",route="/api/events/{slug}/holds",status="4xx"}"#;
    assert_eq!(value_of(&text, refused_route), 1.0);
    assert_eq!(value_of(&text, r#"stampede_db_pool_connections{state="max"}"#), 10.0);
    assert!(value_of(&text, r#"stampede_db_pool_connections{state="open"}"#) >= 1.0);
}
