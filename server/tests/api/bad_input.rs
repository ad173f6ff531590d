//! Bad input of every kind gets a 4xx with the API's error body: never a 5xx, never a panic.
use crate::helpers::*;
use serde_json::json;

on_both_backends!(bad_holds_get_4xx, bad_orders_get_4xx, bad_routes_get_4xx);

async fn bad_holds_get_4xx(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 10)]).await;
    let id = event.type_ids[0];
    let path = format!("/api/events/{}/holds", event.slug);
    let raw = |body: &'static str| app.client.post(app.url(&path)).header("content-type", "application/json").body(body).send();

    let body = assert_api_error(raw("{\"items\": [").await.unwrap(), 400, "bad_request").await;
    assert!(body["message"].as_str().unwrap().contains("not valid JSON"), "{body}");
    assert_api_error(raw("{\"items\": \"three\"}").await.unwrap(), 422, "validation").await;
    assert_api_error(raw("{\"items\": [{\"ticket_type_id\": \"x\", \"quantity\": 1}]}").await.unwrap(), 422, "validation").await;
    assert_api_error(raw("{\"items\": [{\"ticket_type_id\": 1, \"quantity\": 1e400}]}").await.unwrap(), 400, "bad_request").await;
    assert_api_error(
        raw("{\"items\": [{\"ticket_type_id\": 1, \"quantity\": 99999999999999999999999}]}").await.unwrap(),
        422,
        "validation",
    )
    .await;
    for quantity in [0i64, -1, -9_223_372_036_854_775_807, 11, 1_000_000_000_000] {
        let body = assert_api_error(
            app.post_json(&path, &json!({"items": [{"ticket_type_id": id, "quantity": quantity}]})).await,
            422,
            "validation",
        )
        .await;
        assert_eq!(body["field"], "items[0].quantity", "quantity {quantity}");
    }
    assert_api_error(app.post_json(&path, &json!({"items": []})).await, 422, "validation").await;
    assert_api_error(app.post_json(&path, &json!({"items": [{"ticket_type_id": 987654, "quantity": 1}]})).await, 422, "validation").await;
    assert_api_error(
        app.post_json(&path, &json!({"items": [{"ticket_type_id": id, "quantity": 1}, {"ticket_type_id": id, "quantity": 1}]})).await,
        422,
        "validation",
    )
    .await;
    let too_many: Vec<_> = (0..21).map(|i| json!({"ticket_type_id": i, "quantity": 1})).collect();
    assert_api_error(app.post_json(&path, &json!({ "items": too_many })).await, 422, "validation").await;
    let huge = format!("{{\"items\": [], \"padding\": \"{}\"}}", "x".repeat(70 * 1024));
    assert_api_error(
        app.client.post(app.url(&path)).header("content-type", "application/json").body(huge).send().await.unwrap(),
        413,
        "payload_too_large",
    )
    .await;
    assert_api_error(app.client.post(app.url(&path)).body("{\"items\": []}").send().await.unwrap(), 415, "unsupported_media_type").await;
    assert_api_error(
        app.post_json("/api/events/no-such-event/holds", &json!({"items": [{"ticket_type_id": id, "quantity": 1}]})).await,
        404,
        "not_found",
    )
    .await;
    assert_api_error(app.post_json("/api/events/Not%20A%20Slug!/holds", &json!({"items": []})).await, 404, "not_found").await;
    assert_eq!(app.stock(id).await.held, 0, "nothing held by bad requests");
}

async fn bad_orders_get_4xx(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 10)]).await;
    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    let good = json!({"buyer": {"name": "Ada", "email": "ada@example.com"}, "attendees": [{"name": "Ada", "email": "ada@example.com"}], "payment": "offline"});
    let path = format!("/api/holds/{}/order", hold.id);

    let body = assert_api_error(app.post_json(&path, &good).await, 422, "validation").await;
    assert_eq!(body["field"], "Idempotency-Key", "a missing key is explained");
    let long_key = "k".repeat(201);
    let with_key = |key: &str, body: &serde_json::Value| app.client.post(app.url(&path)).header("Idempotency-Key", key).json(body).send();
    assert_api_error(with_key(&long_key, &good).await.unwrap(), 422, "validation").await;
    let mut bad_email = good.clone();
    bad_email["buyer"]["email"] = json!("ada at example dot com");
    let body = assert_api_error(with_key("k1", &bad_email).await.unwrap(), 422, "validation").await;
    assert_eq!(body["field"], "buyer.email");
    let mut bad_payment = good.clone();
    bad_payment["payment"] = json!("bitcoin");
    assert_api_error(with_key("k2", &bad_payment).await.unwrap(), 422, "validation").await;
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("buyer");
    assert_api_error(with_key("k3", &missing).await.unwrap(), 422, "validation").await;
    for hold_path in ["/api/holds/not-a-uuid/order", "/api/holds/00000000-0000-4000-8000-000000000000/order"] {
        let response = app.client.post(app.url(hold_path)).header("Idempotency-Key", "k4").json(&good).send().await.unwrap();
        assert_api_error(response, 404, "not_found").await;
    }
    assert_eq!(app.stock(event.type_ids[0]).await.sold, 0);
}

async fn bad_routes_get_4xx(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_api_error(app.get("/api/holds/not-a-uuid").await, 404, "not_found").await;
    assert_api_error(app.get("/api/orders/short").await, 404, "not_found").await;
    assert_api_error(app.get("/api/orders/abcdefghjkmnpqrstvwxyz0123456789").await, 404, "not_found").await;
    assert_api_error(app.get("/api/nothing-here").await, 404, "not_found").await;
    assert_api_error(app.client.put(app.url("/api/events")).send().await.unwrap(), 405, "method_not_allowed").await;
    assert_api_error(app.client.delete(app.url("/api/events/x/holds")).send().await.unwrap(), 405, "method_not_allowed").await;
    let weird = app.get("/e/%00%ff..%2f..%2fetc").await;
    assert_eq!(weird.status(), 404);
    let deep = app.get(&format!("/{}", "a/".repeat(500))).await;
    assert_eq!(deep.status(), 404);
    let post_page = app.client.post(app.url("/favicon.svg")).send().await.unwrap();
    assert!(post_page.status().is_client_error(), "{}", post_page.status());
}
