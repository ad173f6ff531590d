use crate::helpers::*;
use contract::model::{Order, PaymentMethod};
use serde_json::{json, Value};

on_both_backends!(
    an_order_turns_a_live_hold_into_tickets,
    the_same_idempotency_key_returns_the_same_order,
    concurrent_submissions_with_one_key_make_one_order,
    a_key_used_for_another_hold_is_refused,
    an_expired_hold_cannot_become_an_order,
    a_hold_becomes_at_most_one_order,
    payment_methods_decide_the_order_status,
    every_attendee_is_checked,
);

async fn an_order_turns_a_live_hold_into_tickets(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_500, 10), TypeSpec::on_sale("Balcony", 4_000, 10)]).await;
    let [standing, balcony] = event.type_ids[..] else { panic!() };
    let hold = app.hold_ok(&event.slug, &[(standing, 1), (balcony, 1)]).await;

    let response = app.order(&hold.id, "key-1", &order_request(&["Ada Lovelace", "Grace Hopper"], PaymentMethod::Offline)).await;

    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["idempotent-replayed"], "false");
    let order: Order = response.json().await.unwrap();
    assert_eq!(order.tickets.len(), 2);
    assert_eq!(order.total_minor, 6_500);
    assert_eq!(order.tickets[0].attendee.name, "Ada Lovelace");
    assert_eq!(order.tickets[1].attendee.name, "Grace Hopper");
    assert_eq!(order.tickets[0].ticket_type_name, "Standing");
    assert_eq!(order.tickets[1].ticket_type_name, "Balcony");
    assert_ne!(order.tickets[0].code, order.tickets[1].code);
    assert_eq!(order.reference.len(), 9);
    for id in [standing, balcony] {
        let stock = app.stock(id).await;
        assert_eq!((stock.sold, stock.held), (1, 0), "held stock became sold");
    }
    // The secret link shows the order again, as JSON and as a page, with each ticket's QR code.
    let token = order.url.trim_start_matches("/o/");
    let again: Order = app.get(&format!("/api/orders/{token}")).await.json().await.unwrap();
    assert_eq!(again, order);
    let page = app.get(&order.url).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&order.reference) && html.contains("Grace Hopper"));
    let qr = app.get(&order.tickets[0].qr_url).await;
    assert_eq!(qr.status(), 200);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"));
    assert_api_error(app.get(&format!("/api/orders/{token}/tickets/NOTATICKETCODE000000/qr.svg")).await, 404, "not_found").await;
}

async fn the_same_idempotency_key_returns_the_same_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_500, 10)]).await;
    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 2)]).await;
    let request = order_request(&["Ada Lovelace", "Grace Hopper"], PaymentMethod::Offline);

    let first: Order = app.order(&hold.id, "same-key", &request).await.json().await.unwrap();
    let second = app.order(&hold.id, "same-key", &request).await;

    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second: Order = second.json().await.unwrap();
    assert_eq!(first, second);
    assert_eq!(app.stock(event.type_ids[0]).await.sold, 2, "sold once");
}

async fn concurrent_submissions_with_one_key_make_one_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_500, 10)]).await;
    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    let request = order_request(&["Ada Lovelace"], PaymentMethod::Offline);

    let responses = futures::future::join_all((0..10).map(|_| app.order(&hold.id, "double-tap", &request))).await;

    let mut references = std::collections::HashSet::new();
    for response in responses {
        assert_eq!(response.status(), 201);
        let order: Order = response.json().await.unwrap();
        references.insert(order.reference);
    }
    assert_eq!(references.len(), 1, "one order, whoever won");
    assert_eq!(app.stock(event.type_ids[0]).await.sold, 1);
}

async fn a_key_used_for_another_hold_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_500, 10)]).await;
    let first = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    let second = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    let request = order_request(&["Ada Lovelace"], PaymentMethod::Offline);
    assert_eq!(app.order(&first.id, "reused", &request).await.status(), 201);

    assert_api_error(app.order(&second.id, "reused", &request).await, 422, "idempotency_key_reused").await;
    assert_eq!(app.stock(event.type_ids[0]).await.held, 1, "the second hold is untouched");
}

async fn an_expired_hold_cannot_become_an_order(backend: Backend) {
    let app = spawn_app_with(backend, AppOptions { hold_ttl_seconds: 1, ..Default::default() }).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_500, 10)]).await;
    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    app.wait_until_expired(&hold.id).await;

    let body =
        assert_api_error(app.order(&hold.id, "late", &order_request(&["Ada"], PaymentMethod::Offline)).await, 410, "hold_expired").await;

    assert!(body["message"].as_str().unwrap().contains("expired"));
    assert_eq!(app.stock(event.type_ids[0]).await.sold, 0);
}

async fn a_hold_becomes_at_most_one_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_500, 10)]).await;
    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    let request = order_request(&["Ada"], PaymentMethod::Offline);
    assert_eq!(app.order(&hold.id, "first", &request).await.status(), 201);

    assert_api_error(app.order(&hold.id, "second", &request).await, 409, "hold_closed").await;
    let released = app.client.delete(app.url(&format!("/api/holds/{}", hold.id))).send().await.unwrap();
    assert_eq!(released.status(), 409, "an ordered hold cannot be released");
    assert_eq!(app.stock(event.type_ids[0]).await.sold, 1);
}

async fn payment_methods_decide_the_order_status(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Paid", 2_500, 10), TypeSpec::on_sale("Free", 0, 10)]).await;
    let [paid, free] = event.type_ids[..] else { panic!() };

    let paid_hold = app.hold_ok(&event.slug, &[(paid, 1)]).await;
    let body =
        assert_api_error(app.order(&paid_hold.id, "k1", &order_request(&["Ada"], PaymentMethod::Free)).await, 422, "validation").await;
    assert_eq!(body["field"], "payment");
    let offline: Value = app.order(&paid_hold.id, "k2", &order_request(&["Ada"], PaymentMethod::Offline)).await.json().await.unwrap();
    assert_eq!(offline["status"], "awaiting_payment");

    let free_hold = app.hold_ok(&event.slug, &[(free, 2)]).await;
    let free_order: Value =
        app.order(&free_hold.id, "k3", &order_request(&["Ada", "Bob"], PaymentMethod::Free)).await.json().await.unwrap();
    assert_eq!(free_order["status"], "confirmed");
    assert_eq!(free_order["total_minor"], 0);
}

async fn every_attendee_is_checked(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_500, 10)]).await;
    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 2)]).await;
    let path = format!("/api/holds/{}/order", hold.id);
    let send = |body: Value| {
        let client = app.client.clone();
        let url = app.url(&path);
        async move { client.post(url).header("Idempotency-Key", uuid::Uuid::new_v4().to_string()).json(&body).send().await.unwrap() }
    };
    let good = json!({"name": "Ada", "email": "ada@example.com"});

    let body = assert_api_error(send(json!({"buyer": good, "attendees": [good], "payment": "offline"})).await, 422, "validation").await;
    assert_eq!(body["field"], "attendees");
    let body = assert_api_error(
        send(json!({"buyer": good, "attendees": [good, {"name": "Bob", "email": "bob@nowhere"}], "payment": "offline"})).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(body["field"], "attendees[1].email");
    let body = assert_api_error(
        send(json!({"buyer": {"name": " ", "email": "ada@example.com"}, "attendees": [good, good], "payment": "offline"})).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(body["field"], "buyer.name");
    assert_eq!(app.stock(event.type_ids[0]).await.sold, 0, "no order from bad input");
    assert_eq!(send(json!({"buyer": good, "attendees": [good, good], "payment": "offline"})).await.status(), 201);
}
