use crate::helpers::*;
use serde_json::Value;

on_both_backends!(published_events_are_listed_with_snapshots, snapshots_revalidate_with_etags);

async fn published_events_are_listed_with_snapshots(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 10), TypeSpec::on_sale("Free", 0, 5)]).await;

    let events: Value = app.get("/api/events").await.json().await.unwrap();
    assert!(events.as_array().unwrap().iter().any(|e| e["slug"] == event.slug.as_str()));

    let response = app.get(&format!("/api/events/{}", event.slug)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["cache-control"].to_str().unwrap().starts_with("public"));
    assert!(response.headers().contains_key("etag"));
    let snapshot: Value = response.json().await.unwrap();
    assert_eq!(snapshot["title"], "Test Night");
    assert_eq!(snapshot["currency"], "EUR");
    let types = snapshot["ticket_types"].as_array().unwrap();
    assert_eq!(types.len(), 2);
    assert_eq!(types[0]["name"], "Standing");
    assert_eq!(types[0]["price_minor"], 2_000);
    assert_eq!(types[0]["available"], 10);
    assert_eq!(types[0]["status"], "on_sale");
    assert_eq!(types[0]["max_per_order"], 10);
    assert!(snapshot["version"].as_i64().unwrap() >= 1);

    assert_api_error(app.get("/api/events/no-such-event").await, 404, "not_found").await;
    assert_api_error(app.get("/api/events/no-such-event/availability").await, 404, "not_found").await;
}

async fn snapshots_revalidate_with_etags(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 10)]).await;
    let path = format!("/api/events/{}/availability", event.slug);
    let first = app.get(&path).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_string();

    let same = app.client.get(app.url(&path)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(same.status(), 304);

    app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    let changed = app.client.get(app.url(&path)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(changed.status(), 200, "stock changed, so the content did");
}
